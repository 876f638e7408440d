//! Bulk import of students and teachers from a CSV file, as school offices keep them: one
//! account per row, each created (with its personal data and its class) or refused whole, and a
//! report that names every row's fate — the one-time passwords of the new accounts, shown once.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use tallschool_shared::api::{ConsentGiver, CreateUserRequest, ImportOutcome, ImportReport, ImportRow, PiiInput};
use tallschool_shared::policy::Action;
use tallschool_shared::{ClassId, ErrorBody, Role, SchoolId};

use super::classes;
use super::routes::create_account;
use crate::access::{TargetRef, authorize};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::http::ApiPath;

pub const IMPORT_PATH_SUFFIX: &str = "/users/import";
/// A file of a large school's whole intake fits (2,000 rows of ~100 bytes).
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
pub const MAX_ROWS: usize = 2_000;

/// The file's columns. `username` and `role` are required; the rest may be left out or empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Username,
    Role,
    DisplayName,
    Email,
    BirthDate,
    Class,
    /// Who consented to the student's learning with TallSchool (student, parent or school).
    ConsentBy,
}

impl Column {
    fn named(header: &str) -> Option<Column> {
        let name = header.trim().to_lowercase().replace([' ', '-'], "_");
        Some(match name.as_str() {
            "username" | "user_name" | "login" => Column::Username,
            "role" => Column::Role,
            "display_name" | "name" | "full_name" => Column::DisplayName,
            "email" | "e_mail" => Column::Email,
            "birth_date" | "birth_year" | "date_of_birth" => Column::BirthDate,
            "class" | "class_name" => Column::Class,
            "consent_by" | "consent" | "consent_given_by" => Column::ConsentBy,
            _ => return None,
        })
    }

    const fn name(self) -> &'static str {
        match self {
            Column::Username => "username",
            Column::Role => "role",
            Column::DisplayName => "display_name",
            Column::Email => "email",
            Column::BirthDate => "birth_date",
            Column::Class => "class",
            Column::ConsentBy => "consent_by",
        }
    }
}

/// One row as the file has it, before anything is checked against the school.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct FileRow {
    line: u32,
    values: Vec<(Column, String)>,
    /// The row does not have as many values as the header.
    misshapen: Option<String>,
}

impl FileRow {
    fn get(&self, column: Column) -> Option<&str> {
        self.values.iter().find(|(c, _)| *c == column).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }
}

/// Read the file: its header, then each row. A file that cannot be read as a table of people
/// is refused whole (nothing is stored); a row that is wrong is refused alone later.
fn parse(text: &str) -> Result<Vec<FileRow>, ApiError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line = text.lines().next().unwrap_or_default();
    // Spreadsheets set to a European locale save CSV with semicolons.
    let delimiter = if first_line.contains(';') && !first_line.contains(',') { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|_| ApiError::Validation("the file's first line must name its columns".to_owned()))?
        .clone();
    let mut columns = Vec::new();
    for header in &headers {
        let column = Column::named(header).ok_or_else(|| ApiError::Field {
            field: "header".to_owned(),
            message: format!(
                "unknown column {:?}: the columns are username, role, display_name, email, birth_date, class, consent_by",
                header.chars().take(40).collect::<String>()
            ),
        })?;
        if columns.contains(&column) {
            return Err(ApiError::Validation(format!("the column {} appears twice", column.name())));
        }
        columns.push(column);
    }
    for required in [Column::Username, Column::Role] {
        if !columns.contains(&required) {
            return Err(ApiError::Validation(format!("the file needs a {} column", required.name())));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            ApiError::Validation(format!("line {line} cannot be read as CSV (is it UTF-8 text?)"))
        })?;
        if record.iter().all(|value| value.trim().is_empty()) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(ApiError::TooLarge(format!("a file may have at most {MAX_ROWS} rows; split it")));
        }
        let line = record.position().map_or(0, |p| line_at(text, p.byte()));
        let misshapen = (record.len() != columns.len())
            .then(|| format!("the row has {} values; the header names {} columns", record.len(), columns.len()));
        let values =
            columns.iter().zip(record.iter()).map(|(column, value)| (*column, value.trim().to_owned())).collect();
        rows.push(FileRow { line, values, misshapen });
    }
    if rows.is_empty() {
        return Err(ApiError::Validation("the file has no rows under its header".to_owned()));
    }
    Ok(rows)
}

/// The line a record starting at `byte` is on, counted from 1 as an editor shows it (the csv
/// reader's own count points at a blank line skipped before the record).
fn line_at(text: &str, byte: u64) -> u32 {
    let start = usize::try_from(byte).unwrap_or(usize::MAX).min(text.len());
    let skipped = text.as_bytes()[start..].iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
    let newlines = text.as_bytes()[..start + skipped].iter().filter(|b| **b == b'\n').count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

/// A row refused, naming the column at fault when there is one.
fn rejected(row: &FileRow, column: Option<Column>, error: String) -> ImportRow {
    ImportRow {
        line: row.line,
        username: row.get(Column::Username).unwrap_or_default().to_owned(),
        outcome: ImportOutcome::Rejected,
        error: Some(error),
        column: column.map(|c| c.name().to_owned()),
        user: None,
        initial_password: None,
        initial_password_expires_at: None,
        class_id: None,
    }
}

/// The column an error from the account's checks is about.
fn column_of(error: &ApiError) -> Option<Column> {
    match error {
        ApiError::Field { field, .. } => Column::named(field),
        ApiError::Conflict(_) => Some(Column::Username),
        // The checks' messages begin with the field they are about ("email is not a valid address").
        ApiError::Validation(message) => message.split_whitespace().next().and_then(Column::named),
        ApiError::Forbidden => Some(Column::Role),
        _ => None,
    }
}

/// What an admin reads about a refused row (never the stored values, never internals).
fn message_of(error: &ApiError) -> String {
    match error {
        ApiError::Forbidden => "you may not create accounts with this role".to_owned(),
        ApiError::Internal(_) | ApiError::Unavailable(_) => {
            "the server could not store this row now; import the file again later (rows already created will say so)"
                .to_owned()
        }
        other => other.to_string(),
    }
}

/// Create the accounts a CSV file lists (`text/csv`, UTF-8, comma or semicolon separated).
/// Columns: `username`, `role` (`student` or `teacher`), and optionally `display_name`, `email`,
/// `birth_date` (a year `YYYY` or a date), `class` (the name of one of the school's classes, to
/// enrol the account in). Each row is stored whole or not at all; the report says which, and
/// why not.
#[utoipa::path(post, path = "/api/v1/schools/{school_id}/users/import", tag = "users", security(("bearer" = [])),
    params(("school_id" = String, Path, description = "School id")),
    request_body(content = String, content_type = "text/csv", description = "the people, one per row, under a header"),
    responses((status = 200, body = ImportReport, description = "every row's outcome"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody, description = "the file cannot be read as a table of people")))]
pub async fn import_users(
    State(state): State<AppState>,
    actor: AuthUser,
    ApiPath(school): ApiPath<SchoolId>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<ImportReport>> {
    let mut conn = state.db.pool.acquire().await?;
    authorize(&mut conn, &actor, Action::ImportUsers, TargetRef::School(school)).await?;
    let school_classes = classes::list_school_classes(&mut conn, school).await?;
    drop(conn);
    let media_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let media_type = media_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if !matches!(media_type.as_str(), "text/csv" | "text/plain" | "application/csv") {
        return Err(ApiError::UnsupportedMediaTypeOf("send the file as text/csv".to_owned()));
    }
    let bytes = axum::body::to_bytes(body, MAX_FILE_BYTES).await.map_err(|_| ApiError::PayloadTooLarge)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| ApiError::Validation("the file must be UTF-8 text (save it as \"CSV UTF-8\")".to_owned()))?;
    let mut report = ImportReport { created: 0, rejected: 0, rows: Vec::new() };
    for row in parse(text)? {
        let outcome = import_row(&state, &actor, school, &school_classes, &row).await;
        match outcome.outcome {
            ImportOutcome::Created => report.created += 1,
            ImportOutcome::Rejected => report.rejected += 1,
        }
        report.rows.push(outcome);
    }
    tracing::info!(created = report.created, rejected = report.rejected, "bulk import");
    Ok(Json(report))
}

async fn import_row(
    state: &AppState,
    actor: &AuthUser,
    school: SchoolId,
    school_classes: &[tallschool_shared::api::ClassView],
    row: &FileRow,
) -> ImportRow {
    if let Some(problem) = &row.misshapen {
        return rejected(row, None, problem.clone());
    }
    let Some(username) = row.get(Column::Username) else {
        return rejected(row, Some(Column::Username), "the username is empty".to_owned());
    };
    let role = match row.get(Column::Role).map(|r| r.to_lowercase()) {
        Some(role) if role == "student" => Role::Student,
        Some(role) if role == "teacher" => Role::Teacher,
        _ => return rejected(row, Some(Column::Role), "the role must be student or teacher".to_owned()),
    };
    let class: Option<ClassId> = match row.get(Column::Class) {
        None => None,
        Some(name) => {
            let matching: Vec<_> =
                school_classes.iter().filter(|c| c.name.trim().to_lowercase() == name.to_lowercase()).collect();
            match matching.as_slice() {
                [one] => Some(one.id),
                [] => return rejected(row, Some(Column::Class), "the school has no class of that name".to_owned()),
                _ => return rejected(row, Some(Column::Class), "more than one class has that name".to_owned()),
            }
        }
    };
    let consent_by = match row.get(Column::ConsentBy).map(|c| c.to_lowercase().replace([' ', '-'], "_")) {
        None => None,
        Some(giver) => match giver.as_str() {
            "student" => Some(ConsentGiver::Student),
            "parent" | "guardian" | "parent_or_guardian" => Some(ConsentGiver::ParentOrGuardian),
            "school" => Some(ConsentGiver::School),
            _ => {
                let message = "consent_by must be student, parent_or_guardian or school".to_owned();
                return rejected(row, Some(Column::ConsentBy), message);
            }
        },
    };
    let pii = PiiInput {
        display_name: row.get(Column::DisplayName).map(str::to_owned),
        email: row.get(Column::Email).map(str::to_owned),
        birth_date: row.get(Column::BirthDate).map(str::to_owned),
    };
    let request = CreateUserRequest { username: username.to_owned(), role, pii: Some(pii), consent_by };
    match create_account(state, actor, school, &request, class).await {
        Ok(created) => ImportRow {
            line: row.line,
            username: created.user.username.clone(),
            outcome: ImportOutcome::Created,
            error: None,
            column: None,
            user: Some(created.user),
            initial_password: Some(created.initial_password),
            initial_password_expires_at: Some(created.initial_password_expires_at),
            class_id: class,
        },
        Err(error) => rejected(row, column_of(&error), message_of(&error)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn headers_are_matched_loosely_and_rows_keep_their_lines() {
        let rows =
            parse("\u{feff}Username;Role;Display Name;Class\nana;student;Ana Lima;5A\n\n bo ;teacher;;\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].line, rows[0].get(Column::DisplayName)), (2, Some("Ana Lima")));
        assert_eq!((rows[1].line, rows[1].get(Column::Username), rows[1].get(Column::Class)), (4, Some("bo"), None));
    }

    #[test]
    fn a_file_that_is_not_a_table_of_people_is_refused_whole() {
        for (file, expected) in [
            ("username,role,shoe_size\nana,student,38\n", "unknown column"),
            ("username,email\nana,a@x.org\n", "role column"),
            ("username,role,role\nana,student,student\n", "appears twice"),
            ("username,role\n", "no rows"),
        ] {
            let error = parse(file).unwrap_err().to_string();
            assert!(error.contains(expected), "{file:?}: {error}");
        }
        let many = format!("username,role\n{}", "a,student\n".repeat(MAX_ROWS + 1));
        assert!(matches!(parse(&many), Err(ApiError::TooLarge(_))));
    }

    #[test]
    fn a_row_with_too_few_or_too_many_values_is_marked() {
        let rows = parse("username,role,email\nana,student\nbo,student,b@x.org,extra\ncy,student,c@x.org\n").unwrap();
        assert!(rows[0].misshapen.is_some() && rows[1].misshapen.is_some() && rows[2].misshapen.is_none());
    }
}
