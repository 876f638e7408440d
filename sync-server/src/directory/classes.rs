//! Cohorts, classes and enrolments (who teaches and who learns in a class).

use tallschool_shared::api::{ClassView, CohortView, MemberView};
use tallschool_shared::scheduling::StudySettings;
use tallschool_shared::{ClassId, ClassRole, CohortId, SchoolId, UserId};

use crate::db::{AnyRow, Conn, col, id_col, opt_id_col};
use crate::error::{ApiError, conflict_as};

fn class_from_row(row: &AnyRow) -> Result<ClassView, ApiError> {
    Ok(ClassView {
        id: id_col(row, "id")?,
        school_id: id_col(row, "school_id")?,
        name: col(row, "name")?,
        cohort_id: opt_id_col(row, "cohort_id")?,
        study: StudySettings {
            desired_retention: col::<f64>(row, "desired_retention")? as f32,
            new_per_day: u32::try_from(col::<i64>(row, "new_per_day")?).unwrap_or(0),
            reviews_per_day: u32::try_from(col::<i64>(row, "reviews_per_day")?).unwrap_or(0),
        },
    })
}

/// Set how a class studies flashcards.
pub async fn set_study_settings(conn: &mut Conn, class: ClassId, settings: &StudySettings) -> Result<(), ApiError> {
    sqlx::query("UPDATE classes SET desired_retention = $1, new_per_day = $2, reviews_per_day = $3 WHERE id = $4")
        .bind(f64::from(settings.desired_retention))
        .bind(i64::from(settings.new_per_day))
        .bind(i64::from(settings.reviews_per_day))
        .bind(class.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn cohort_from_row(row: &AnyRow) -> Result<CohortView, ApiError> {
    Ok(CohortView { id: id_col(row, "id")?, school_id: id_col(row, "school_id")?, name: col(row, "name")? })
}

pub async fn insert_cohort(conn: &mut Conn, school: SchoolId, name: &str, now: i64) -> Result<CohortView, ApiError> {
    let cohort = CohortView { id: CohortId(uuid::Uuid::new_v4()), school_id: school, name: name.to_owned() };
    sqlx::query("INSERT INTO cohorts (id, school_id, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(cohort.id.to_string())
        .bind(school.to_string())
        .bind(name)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(conflict_as("a cohort with that name exists in this school"))?;
    Ok(cohort)
}

pub async fn list_cohorts(conn: &mut Conn, school: SchoolId) -> Result<Vec<CohortView>, ApiError> {
    let rows = sqlx::query("SELECT id, school_id, name FROM cohorts WHERE school_id = $1 ORDER BY name")
        .bind(school.to_string())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(cohort_from_row).collect()
}

pub async fn find_cohort(conn: &mut Conn, id: CohortId) -> Result<Option<CohortView>, ApiError> {
    let row = sqlx::query("SELECT id, school_id, name FROM cohorts WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(cohort_from_row).transpose()
}

pub async fn insert_class(
    conn: &mut Conn,
    school: SchoolId,
    name: &str,
    cohort: Option<CohortId>,
    now: i64,
) -> Result<ClassView, ApiError> {
    let class = ClassView {
        id: ClassId(uuid::Uuid::new_v4()),
        school_id: school,
        name: name.to_owned(),
        cohort_id: cohort,
        study: StudySettings::default(),
    };
    sqlx::query("INSERT INTO classes (id, school_id, cohort_id, name, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(class.id.to_string())
        .bind(school.to_string())
        .bind(cohort.map(|c| c.to_string()))
        .bind(name)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(conflict_as("a class with that name exists in this school"))?;
    Ok(class)
}

pub async fn find_class(conn: &mut Conn, id: ClassId) -> Result<Option<ClassView>, ApiError> {
    let row = sqlx::query("SELECT id, school_id, cohort_id, name, desired_retention, new_per_day, reviews_per_day FROM classes WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(class_from_row).transpose()
}

pub async fn list_school_classes(conn: &mut Conn, school: SchoolId) -> Result<Vec<ClassView>, ApiError> {
    let rows = sqlx::query("SELECT id, school_id, cohort_id, name, desired_retention, new_per_day, reviews_per_day FROM classes WHERE school_id = $1 ORDER BY name")
        .bind(school.to_string())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(class_from_row).collect()
}

/// Classes the user teaches or learns in.
pub async fn list_user_classes(conn: &mut Conn, user: UserId) -> Result<Vec<ClassView>, ApiError> {
    let rows = sqlx::query(
        "SELECT c.id, c.school_id, c.cohort_id, c.name, c.desired_retention, c.new_per_day, c.reviews_per_day FROM classes c \
         JOIN enrolments e ON e.class_id = c.id WHERE e.user_id = $1 ORDER BY c.name",
    )
    .bind(user.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(class_from_row).collect()
}

/// Enrol a member, or change their part in the class. Idempotent.
pub async fn upsert_member(
    conn: &mut Conn,
    class: ClassId,
    user: UserId,
    role: ClassRole,
    now: i64,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO enrolments (class_id, user_id, class_role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (class_id, user_id) DO UPDATE SET class_role = excluded.class_role",
    )
    .bind(class.to_string())
    .bind(user.to_string())
    .bind(role.as_str())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    bump_access_epoch(conn, user).await
}

/// The user can now read documents they could not before: their devices resync from the start.
pub async fn bump_access_epoch(conn: &mut Conn, user: UserId) -> Result<(), ApiError> {
    sqlx::query("UPDATE users SET access_epoch = access_epoch + 1 WHERE id = $1")
        .bind(user.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Returns whether the member was enrolled.
pub async fn remove_member(conn: &mut Conn, class: ClassId, user: UserId) -> Result<bool, ApiError> {
    let done = sqlx::query("DELETE FROM enrolments WHERE class_id = $1 AND user_id = $2")
        .bind(class.to_string())
        .bind(user.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Drop enrolments a user's new account role no longer allows (a teacher made a student).
pub async fn remove_mismatched_enrolments(
    conn: &mut Conn,
    user: UserId,
    class_role_kept: Option<ClassRole>,
) -> Result<(), ApiError> {
    let kept = class_role_kept.map(ClassRole::as_str).unwrap_or("");
    sqlx::query("DELETE FROM enrolments WHERE user_id = $1 AND class_role <> $2")
        .bind(user.to_string())
        .bind(kept)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn list_members(conn: &mut Conn, class: ClassId) -> Result<Vec<MemberView>, ApiError> {
    let rows = sqlx::query(
        "SELECT u.id, u.username, e.class_role FROM enrolments e JOIN users u ON u.id = e.user_id \
         WHERE e.class_id = $1 ORDER BY e.class_role, u.username",
    )
    .bind(class.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let role: String = col(row, "class_role")?;
            Ok(MemberView {
                user_id: id_col(row, "id")?,
                username: col(row, "username")?,
                role: role.parse().map_err(|_| ApiError::Internal("stored class role unknown".to_owned()))?,
            })
        })
        .collect()
}

/// The part `user` plays in `class`, if any.
pub async fn membership(conn: &mut Conn, class: ClassId, user: UserId) -> Result<Option<ClassRole>, ApiError> {
    let role: Option<String> =
        sqlx::query_scalar("SELECT class_role FROM enrolments WHERE class_id = $1 AND user_id = $2")
            .bind(class.to_string())
            .bind(user.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    role.map(|r| r.parse().map_err(|_| ApiError::Internal("stored class role unknown".to_owned()))).transpose()
}

/// Whether `teacher` teaches a class in which `student` learns.
pub async fn teaches_student(conn: &mut Conn, teacher: UserId, student: UserId) -> Result<bool, ApiError> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT t.class_id FROM enrolments t JOIN enrolments s ON s.class_id = t.class_id \
         WHERE t.user_id = $1 AND t.class_role = 'teacher' AND s.user_id = $2 AND s.class_role = 'student' LIMIT 1",
    )
    .bind(teacher.to_string())
    .bind(student.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}
