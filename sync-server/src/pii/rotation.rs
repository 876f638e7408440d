//! Key rotation: a new current data key at once (new writes use it), then a re-encryption job
//! that moves every field sealed under an older key, in small transactions, each row only if
//! it is still what the job read (a concurrent write wins). It is idempotent and resumable:
//! killed at any point, the next run (at the server's next start, on its interval, or from
//! `tallschool-server keys reencrypt`) carries on from what is stored. Data keys wrapped by an
//! older key-encryption key are rewrapped; a previous data key is retired — its wrapped bytes
//! erased — only in the same transaction that finds no field left under it.

use std::sync::Arc;
use std::time::Duration;

use tallschool_shared::UserId;
use tallschool_shared::api::{PiiKeyKind, PiiKeyState, PiiKeyView, PiiKeysView, ReencryptionReport};
use tallschool_shared::events::PiiField;

use super::keyring::Keyring;
use super::keyring::is_kek_id;
use super::subject_keys::{SubjectSecret, field_key};
use super::{PiiVault, StoredField, open_field, opening_key, seal_field};
use crate::clock::Clock;
use crate::db::{Conn, Db, col};
use crate::error::ApiError;

/// Fields moved per transaction: short enough not to hold up sign-ins and sync.
pub const BATCH: i64 = 200;

/// The job's state in this process.
#[derive(Default)]
pub struct JobState {
    /// Held while a run is under way.
    running: tokio::sync::Mutex<()>,
    wake: tokio::sync::Notify,
    last: std::sync::Mutex<Option<ReencryptionReport>>,
}

impl JobState {
    pub fn is_running(&self) -> bool {
        self.running.try_lock().is_err()
    }

    pub fn last(&self) -> Option<ReencryptionReport> {
        self.last.lock().ok().and_then(|last| last.clone())
    }

    /// Ask the background job to run now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Make a new current data key. Answers its id; the job moves the rest.
pub async fn rotate(db: &Db, keyring: &Keyring, job: &JobState, now: i64) -> Result<String, ApiError> {
    let mut tx = db.begin().await?;
    let id = keyring.rotate(&mut tx, now).await?;
    tx.commit().await?;
    tracing::info!(current = %id, "pii data key rotated");
    job.wake();
    Ok(id)
}

/// Run the job once to the end (or to the first error, recorded in the report), calling
/// `progress(moved so far, fields behind)` after each batch. One run at a time per process;
/// concurrent runs in other processes are safe (every write is conditional).
pub async fn run(
    db: &Db,
    keyring: &Keyring,
    job: &JobState,
    clock: &Clock,
    mut progress: impl FnMut(i64, i64),
) -> ReencryptionReport {
    let _running = job.running.lock().await;
    let mut report = ReencryptionReport { started_at: clock.now(), ..ReencryptionReport::default() };
    if let Err(error) = run_steps(db, keyring, clock, &mut report, &mut progress).await {
        tracing::warn!(%error, "pii re-encryption stopped; it resumes at its next run");
        report.error = Some(error.to_string());
    }
    report.fields_behind = match db.pool.acquire().await {
        Ok(mut conn) => fields_behind(&mut conn).await.unwrap_or(-1),
        Err(_) => -1,
    };
    report.finished_at = clock.now();
    if let Ok(mut last) = job.last.lock() {
        *last = Some(report.clone());
    }
    report
}

async fn run_steps(
    db: &Db,
    keyring: &Keyring,
    clock: &Clock,
    report: &mut ReencryptionReport,
    progress: &mut impl FnMut(i64, i64),
) -> Result<(), ApiError> {
    // Passes over the fields behind, in key order from where the last batch ended; a second
    // pass picks up fields a rotation during the first one left behind. Unreadable fields are
    // skipped, so each pass ends.
    for _pass in 0..3 {
        let moved_before = report.moved;
        let mut after: Option<(String, String)> = None;
        loop {
            let (batch_moved, batch_unreadable, last) = move_batch(db, keyring, clock, after.as_ref()).await?;
            report.moved += batch_moved;
            report.unreadable += batch_unreadable;
            let Some(last) = last else { break };
            after = Some(last);
            let mut conn = db.pool.acquire().await?;
            progress(report.moved, fields_behind(&mut conn).await?);
        }
        let mut conn = db.pool.acquire().await?;
        if report.moved == moved_before || fields_behind(&mut conn).await? <= report.unreadable {
            break;
        }
    }
    let live: Vec<String> = {
        let mut conn = db.pool.acquire().await?;
        sqlx::query_scalar("SELECT id FROM pii_data_keys WHERE state <> 'retired' ORDER BY created_at, id")
            .fetch_all(&mut *conn)
            .await?
    };
    for id in &live {
        let mut tx = db.begin().await?;
        if keyring.rewrap(&mut tx, id).await? {
            report.rewrapped += 1;
        }
        tx.commit().await?;
    }
    report.rewrapped += keyring.subjects().rewrap(keyring).await?;
    report.retired = retire_empty(db, keyring, clock.now()).await?;
    Ok(())
}

/// Move up to [`BATCH`] fields after `after` (in (user, field) order) to the current key, in
/// one transaction. Answers (moved, unreadable, the last row looked at).
async fn move_batch(
    db: &Db,
    keyring: &Keyring,
    clock: &Clock,
    after: Option<&(String, String)>,
) -> Result<(i64, i64, Option<(String, String)>), ApiError> {
    let mut tx = db.begin().await?;
    let current: Option<String> =
        sqlx::query_scalar("SELECT id FROM pii_data_keys WHERE state = 'current'").fetch_optional(&mut *tx).await?;
    let (after_user, after_field) = after.cloned().unwrap_or_default();
    let rows = sqlx::query(
        "SELECT user_id, field, key_id, nonce, ciphertext, per_person FROM pii_fields \
         WHERE (key_id <> $1 OR per_person = 0) AND (user_id > $2 OR (user_id = $2 AND field > $3)) \
         ORDER BY user_id, field LIMIT $4",
    )
    .bind(current.unwrap_or_default())
    .bind(&after_user)
    .bind(&after_field)
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        return Ok((0, 0, None));
    }
    let count = i64::try_from(rows.len()).unwrap_or(BATCH);
    let new_data_key = keyring.for_write(&mut tx, count, clock.now()).await?;
    let (mut moved, mut unreadable, mut last) = (0, 0, None);
    for row in &rows {
        let user_id: String = col(row, "user_id")?;
        let field_name: String = col(row, "field")?;
        let stored = StoredField::from_row(row)?;
        last = Some((user_id.clone(), field_name.clone()));
        let (Ok(subject), Some(field)) = (user_id.parse::<UserId>(), PiiField::parse(&field_name)) else {
            tracing::error!(%user_id, field = %field_name, "pii row with an unknown person or field left as it is");
            unreadable += 1;
            continue;
        };
        // A row sealed per person opens with the key it was sealed with; an older one gets
        // the person's key made now.
        let secret = if stored.per_person {
            keyring.subjects().for_read(keyring, subject).await?
        } else {
            match keyring.subjects().for_write(keyring, subject, clock.now()).await {
                Ok(secret) => SubjectSecret::Live(secret),
                Err(ApiError::Conflict(_)) => SubjectSecret::Erased,
                Err(error) => return Err(error),
            }
        };
        let SubjectSecret::Live(person_key) = &secret else {
            // The person was erased (a database restored from before): nothing can or may
            // open this again, and it would hold its data key back from retiring.
            sqlx::query("DELETE FROM pii_fields WHERE user_id = $1 AND field = $2 AND nonce = $3")
                .bind(&user_id)
                .bind(&field_name)
                .bind(&stored.sealed.nonce)
                .execute(&mut *tx)
                .await?;
            tracing::info!(subject_id = %subject, field = %field_name, "pii field of an erased person deleted");
            continue;
        };
        let Some(old_key) = opening_key(keyring, &mut tx, &stored, Some(&secret)).await? else { continue };
        let Ok(plain) = open_field(&old_key, subject, field, &stored) else {
            // Logged by open_field; the row stays under its key, which then cannot retire.
            unreadable += 1;
            continue;
        };
        let new_key = field_key(&new_data_key, person_key)?;
        let resealed = seal_field(&new_key, subject, field, plain.as_bytes())?;
        let done = sqlx::query(
            "UPDATE pii_fields SET key_id = $1, nonce = $2, ciphertext = $3, per_person = 1 \
             WHERE user_id = $4 AND field = $5 AND key_id = $6 AND nonce = $7",
        )
        .bind(&new_key.id)
        .bind(resealed.nonce)
        .bind(resealed.ciphertext)
        .bind(&user_id)
        .bind(&field_name)
        .bind(&stored.key_id)
        .bind(&stored.sealed.nonce)
        .execute(&mut *tx)
        .await?;
        moved += i64::try_from(done.rows_affected()).unwrap_or(0);
    }
    tx.commit().await?;
    Ok((moved, unreadable, last))
}

/// Retire each previous data key under which nothing is sealed: its wrapped bytes are erased,
/// so anything it sealed (in a backup, say) can never be opened again.
async fn retire_empty(db: &Db, keyring: &Keyring, now: i64) -> Result<Vec<String>, ApiError> {
    let previous: Vec<String> = {
        let mut conn = db.pool.acquire().await?;
        sqlx::query_scalar("SELECT id FROM pii_data_keys WHERE state = 'previous' ORDER BY created_at, id")
            .fetch_all(&mut *conn)
            .await?
    };
    let mut retired = Vec::new();
    for id in previous {
        let mut tx = db.begin().await?;
        let done = sqlx::query(
            "UPDATE pii_data_keys SET state = 'retired', wrapped = NULL, retired_at = $1 \
             WHERE id = $2 AND state = 'previous' AND NOT EXISTS (SELECT 1 FROM pii_fields WHERE key_id = $2)",
        )
        .bind(now)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        if done.rows_affected() == 1 {
            keyring.forget(&id);
            tracing::info!(key = %id, "pii data key retired");
            retired.push(id);
        }
    }
    Ok(retired)
}

/// Fields under any key but the current data key, or not yet sealed per person.
pub async fn fields_behind(conn: &mut Conn) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM pii_fields WHERE per_person = 0 OR key_id <> \
         COALESCE((SELECT id FROM pii_data_keys WHERE state = 'current'), '')",
    )
    .fetch_one(&mut *conn)
    .await
}

/// Every key, with the fields under it, and the job's state.
pub async fn status(db: &Db, keyring: &Keyring, job: &JobState) -> Result<PiiKeysView, ApiError> {
    let mut conn = db.pool.acquire().await?;
    let per_key = sqlx::query("SELECT key_id, COUNT(*) AS fields FROM pii_fields GROUP BY key_id")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| Ok((col::<String>(row, "key_id")?, col::<i64>(row, "fields")?)))
        .collect::<Result<std::collections::HashMap<_, _>, sqlx::Error>>()?;
    let rows = sqlx::query(
        "SELECT id, kek_id, state, encryptions, created_at, retired_at FROM pii_data_keys ORDER BY created_at DESC, id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut keys = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: String = col(row, "id")?;
        let state: String = col(row, "state")?;
        keys.push(PiiKeyView {
            fields: per_key.get(&id).copied().unwrap_or(0),
            id,
            kind: PiiKeyKind::Data,
            state: match state.as_str() {
                "current" => PiiKeyState::Current,
                "previous" => PiiKeyState::Previous,
                _ => PiiKeyState::Retired,
            },
            wrapped_by: Some(col(row, "kek_id")?),
            encryptions: Some(col(row, "encryptions")?),
            created_at: Some(col(row, "created_at")?),
            retired_at: col(row, "retired_at")?,
        });
    }
    // Fields sealed before envelope encryption, directly under a key-encryption key.
    let mut direct: Vec<_> = per_key.iter().filter(|(id, _)| is_kek_id(id)).collect();
    direct.sort();
    for (id, fields) in direct {
        keys.push(PiiKeyView {
            id: id.clone(),
            kind: PiiKeyKind::KeyEncryption,
            state: PiiKeyState::Previous,
            wrapped_by: None,
            fields: *fields,
            encryptions: None,
            created_at: None,
            retired_at: None,
        });
    }
    let current_kek = keyring.keks().await.ok().map(|set| set.current.id.clone());
    let (person_keys, person_keys_destroyed) = keyring.subjects().counts().await?;
    Ok(PiiKeysView {
        person_keys,
        person_keys_destroyed,
        provider: keyring.describe_provider(),
        current_kek,
        keys,
        fields_behind: fields_behind(&mut conn).await?,
        reencryption_running: job.is_running(),
        last_reencryption: job.last(),
    })
}

/// Run the job in the background: at start (to resume a run that was cut off), when a
/// rotation wakes it, and every `every`. A run with nothing to do costs two small queries.
pub fn spawn(db: Db, vault: Arc<PiiVault>, clock: Clock, every: Duration) {
    tokio::spawn(async move {
        loop {
            if has_work(&db, vault.keyring()).await.unwrap_or(false) {
                let work = async { Ok(run(&db, vault.keyring(), &vault.reencryption, &clock, |_, _| {}).await) };
                // Resumable and safe beside another replica's run; the slot (this second) only
                // keeps two replicas from starting together.
                let (job, slot) = (crate::jobs::Job::Reencryption, clock.now());
                let Some(recorded) = crate::jobs::scheduled(&db, &clock, job, slot, work, crate::jobs::as_json).await
                else {
                    continue;
                };
                let report: ReencryptionReport = recorded.unwrap_or_default();
                tracing::info!(
                    moved = report.moved,
                    unreadable = report.unreadable,
                    rewrapped = report.rewrapped,
                    retired = report.retired.len(),
                    fields_behind = report.fields_behind,
                    "pii re-encryption run"
                );
            }
            tokio::select! {
                () = vault.reencryption.wake.notified() => {}
                () = tokio::time::sleep(every) => {}
            }
        }
    });
}

/// Whether a run would do anything: fields behind, a previous key to retire, or a data key
/// wrapped by another key-encryption key than the current one.
async fn has_work(db: &Db, keyring: &Keyring) -> Result<bool, ApiError> {
    let mut conn = db.pool.acquire().await?;
    if fields_behind(&mut conn).await? > 0 {
        return Ok(true);
    }
    let keks = keyring.keks().await?;
    let waiting: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pii_data_keys WHERE state = 'previous' OR (state = 'current' AND kek_id <> $1)",
    )
    .bind(&keks.current.id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(waiting > 0 || keyring.subjects().behind(keyring).await? > 0)
}

/// For `tallschool-server keys …`: the database (migrated) and the keyring as the server opens
/// them, except that a missing local key file is an error here, never created.
pub async fn open_offline(settings: &crate::Settings) -> Result<(Db, Keyring), crate::app::StartError> {
    let db = Db::connect(&settings.database_url).await?;
    db.migrate().await?;
    let keks = super::kek::KekSource::open(&settings.pii_keys, &settings.keys_dir(), false).await?;
    let subjects = super::subject_keys::SubjectKeys::open(&settings.pii_keys.subject_keys_url).await?;
    Ok((db, Keyring::new(keks, subjects, settings.pii_keys.cache, settings.pii_keys.max_encryptions)))
}

/// The keys as an operator reads them.
pub fn describe_status(view: &PiiKeysView) -> String {
    let mut text = format!(
        "key provider: {}\nkey-encryption key: {}\n",
        view.provider,
        view.current_kek.as_deref().unwrap_or("UNAVAILABLE (provider cannot be reached)")
    );
    text.push_str(&format!(
        "{:<22} {:<15} {:<9} {:>8} {:>12}  wrapped by\n",
        "key", "kind", "state", "fields", "encryptions"
    ));
    for key in &view.keys {
        let kind = match key.kind {
            PiiKeyKind::Data => "data",
            PiiKeyKind::KeyEncryption => "key-encryption",
        };
        let state = match key.state {
            PiiKeyState::Current => "current",
            PiiKeyState::Previous => "previous",
            PiiKeyState::Retired => "retired",
        };
        let encryptions = key.encryptions.map(|n| n.to_string()).unwrap_or_else(|| "-".to_owned());
        text.push_str(&format!(
            "{:<22} {:<15} {:<9} {:>8} {:>12}  {}\n",
            key.id,
            kind,
            state,
            key.fields,
            encryptions,
            key.wrapped_by.as_deref().unwrap_or("-")
        ));
    }
    text.push_str(&format!(
        "per-person keys: {} (destroyed by erasure: {})\n",
        view.person_keys, view.person_keys_destroyed
    ));
    text.push_str(&format!("fields under older keys: {}\n", view.fields_behind));
    text
}

/// A job run as an operator reads it.
pub fn describe_report(report: &ReencryptionReport) -> String {
    let mut text = format!(
        "re-encryption: {} fields moved, {} unreadable, {} data keys rewrapped, {} retired{}; {} fields under older keys\n",
        report.moved,
        report.unreadable,
        report.rewrapped,
        report.retired.len(),
        if report.retired.is_empty() { String::new() } else { format!(" ({})", report.retired.join(", ")) },
        report.fields_behind,
    );
    if let Some(error) = &report.error {
        text.push_str(&format!("stopped early: {error} (run it again to resume)\n"));
    }
    if report.unreadable > 0 {
        text.push_str("unreadable fields were left under their key (see the server log): that key cannot retire\n");
    }
    text
}
