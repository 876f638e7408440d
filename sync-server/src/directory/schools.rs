//! Schools: the tenant boundary.

use tallschool_shared::SchoolId;
use tallschool_shared::api::SchoolView;

use crate::db::{AnyRow, Conn, col, id_col};
use crate::error::{ApiError, conflict_as};

fn from_row(row: &AnyRow) -> Result<SchoolView, ApiError> {
    Ok(SchoolView { id: id_col(row, "id")?, name: col(row, "name")? })
}

pub async fn insert(conn: &mut Conn, name: &str, now: i64) -> Result<SchoolView, ApiError> {
    let school = SchoolView { id: SchoolId(uuid::Uuid::new_v4()), name: name.to_owned() };
    sqlx::query("INSERT INTO schools (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(school.id.to_string())
        .bind(name)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(conflict_as("a school with that name exists"))?;
    Ok(school)
}

pub async fn find(conn: &mut Conn, id: SchoolId) -> Result<Option<SchoolView>, ApiError> {
    let row = sqlx::query("SELECT id, name FROM schools WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list(conn: &mut Conn) -> Result<Vec<SchoolView>, ApiError> {
    let rows = sqlx::query("SELECT id, name FROM schools ORDER BY name").fetch_all(&mut *conn).await?;
    rows.iter().map(from_row).collect()
}
