//! The PII vault: display name, email and birth date live only here, each field sealed with
//! AES-256-GCM under a data key (random nonce, the data key's id stored beside the ciphertext,
//! associated data binding it to person, field and key). Data keys are stored only wrapped by
//! a key-encryption key from a provider (`kek`, `keyring`) and rotate with a resumable
//! re-encryption job (`rotation`). Every read appends to the
//! tamper-evident access log (`audit`) and writes a `pii.access.log` event in the same
//! transaction — who read whose which fields and why, never the values; refused reads are
//! logged too ([`PiiVault::log_refusal`]).

pub mod kek;
pub mod keyring;
pub mod rotation;
pub mod routes;
pub mod subject_keys;

use std::net::IpAddr;
use std::sync::Arc;

use secrecy::ExposeSecret;
use tallschool_shared::api::{AccessOutcome, PiiInput, PiiView};
use tallschool_shared::events::{PiiAccessed, PiiField, PiiUpdated, SecurityEvent};
use tallschool_shared::{Role, SchoolId, UserId};

use crate::audit::{Access, AuditLog, Subject};
use crate::auth::{AuthUser, RequestMeta};
use crate::crypto::{self, Sealed};
use crate::db::{Conn, Db, col};
use crate::error::ApiError;
use crate::keys::Key;
use crate::{events, validate};

use self::keyring::Keyring;
use self::subject_keys::{SubjectSecret, field_key};

pub struct PiiVault {
    keyring: Keyring,
    audit: Arc<AuditLog>,
    /// The re-encryption job: woken by a rotation, one run at a time in this process.
    pub reencryption: rotation::JobState,
}

/// Validated personal data to write. Only the present fields change.
#[derive(Debug, Default)]
pub struct PiiUpdate {
    fields: Vec<(PiiField, String)>,
}

impl PiiUpdate {
    pub fn validate(input: &PiiInput, now: i64) -> Result<Self, ApiError> {
        let mut fields = Vec::new();
        if let Some(name) = &input.display_name {
            fields.push((PiiField::DisplayName, validate::display_name(name)?));
        }
        if let Some(email) = &input.email {
            fields.push((PiiField::Email, validate::email(email)?));
        }
        if let Some(date) = &input.birth_date {
            fields.push((PiiField::BirthDate, validate::birth_date(date, now)?));
        }
        Ok(Self { fields })
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn has(&self, field: PiiField) -> bool {
        self.fields.iter().any(|(f, _)| *f == field)
    }
}

/// Who is reading, why and from where (for the access log).
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    pub actor_id: UserId,
    pub actor_role: Role,
    pub purpose: &'a str,
    pub request_id: Option<&'a str>,
    pub client_address: Option<IpAddr>,
}

impl<'a> Reader<'a> {
    /// `actor` reading for `purpose` in the request `meta` describes.
    pub fn new(actor: &AuthUser, purpose: &'a str, meta: &'a RequestMeta) -> Self {
        Reader {
            actor_id: actor.id,
            actor_role: actor.role,
            purpose,
            request_id: meta.request_id.as_deref(),
            client_address: Some(meta.client_ip),
        }
    }

    fn access(
        &self,
        subject: Subject,
        school: Option<SchoolId>,
        fields: &'a [PiiField],
        outcome: AccessOutcome,
    ) -> Access<'a> {
        Access {
            actor_id: self.actor_id,
            actor_role: self.actor_role,
            subject,
            school,
            fields,
            purpose: self.purpose,
            request_id: self.request_id,
            client_address: self.client_address.map(|ip| ip.to_string()),
            outcome,
        }
    }
}

impl PiiVault {
    pub fn new(keyring: Keyring, audit: Arc<AuditLog>) -> Self {
        Self { keyring, audit, reencryption: rotation::JobState::default() }
    }

    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// Seal and store the fields of `update` for `subject`, and emit `user.pii.updated`.
    pub async fn write(
        &self,
        conn: &mut Conn,
        subject: UserId,
        update: &PiiUpdate,
        actor: Option<UserId>,
        now: i64,
    ) -> Result<(), ApiError> {
        let count = i64::try_from(update.fields.len()).unwrap_or(i64::MAX);
        let data_key = self.keyring.for_write(conn, count, now).await?;
        let secret = self.keyring.subjects().for_write(&self.keyring, subject, now).await?;
        let key = field_key(&data_key, &secret)?;
        for (field, value) in &update.fields {
            let sealed = seal_field(&key, subject, *field, value.as_bytes())?;
            sqlx::query(
                "INSERT INTO pii_fields (user_id, field, key_id, nonce, ciphertext, updated_at, per_person) \
                 VALUES ($1, $2, $3, $4, $5, $6, 1) \
                 ON CONFLICT (user_id, field) DO UPDATE SET key_id = excluded.key_id, nonce = excluded.nonce, \
                 ciphertext = excluded.ciphertext, updated_at = excluded.updated_at, per_person = 1",
            )
            .bind(subject.to_string())
            .bind(field.as_str())
            .bind(&key.id)
            .bind(sealed.nonce)
            .bind(sealed.ciphertext)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }
        let fields = update.fields.iter().map(|(field, _)| *field).collect();
        events::publish(conn, &PiiUpdated { subject_id: subject, fields, actor_id: actor }, now).await?;
        Ok(())
    }

    /// Read `fields` of each subject, logging one access row per subject. Run it inside a
    /// transaction so that a read and its log row exist together or not at all.
    pub async fn read<'a>(
        &self,
        conn: &mut Conn,
        reader: &Reader<'a>,
        subjects: &[(UserId, Option<SchoolId>)],
        fields: &'a [PiiField],
        now: i64,
    ) -> Result<Vec<PiiView>, ApiError> {
        let mut views = Vec::with_capacity(subjects.len());
        for (subject, school) in subjects {
            let mut view = PiiView { user_id: *subject, display_name: None, email: None, birth_date: None };
            if fields.is_empty() {
                views.push(view);
                continue;
            }
            let rows =
                sqlx::query("SELECT field, key_id, nonce, ciphertext, per_person FROM pii_fields WHERE user_id = $1")
                    .bind(subject.to_string())
                    .fetch_all(&mut *conn)
                    .await?;
            let mut secret = None;
            for row in &rows {
                let name: String = col(row, "field")?;
                let Some(field) = PiiField::parse(&name).filter(|f| fields.contains(f)) else { continue };
                let stored = StoredField::from_row(row)?;
                if stored.per_person && secret.is_none() {
                    secret = Some(self.keyring.subjects().for_read(&self.keyring, *subject).await?);
                }
                let Some(key) = opening_key(&self.keyring, conn, &stored, secret.as_ref()).await? else {
                    // Erased: the key that opened it no longer exists anywhere.
                    continue;
                };
                let value = open_field(&key, *subject, field, &stored)?;
                match field {
                    PiiField::DisplayName => view.display_name = Some(value),
                    PiiField::Email => view.email = Some(value),
                    PiiField::BirthDate => view.birth_date = Some(value),
                }
            }
            let access = reader.access(Subject::Person(*subject), *school, fields, AccessOutcome::Allowed);
            self.audit.append(conn, &access, now).await?;
            let event = PiiAccessed {
                actor_id: reader.actor_id,
                actor_role: reader.actor_role,
                subject_id: *subject,
                fields: fields.to_vec(),
                purpose: reader.purpose.to_owned(),
            };
            events::publish(conn, &event, now).await?;
            views.push(view);
        }
        Ok(views)
    }

    /// Record that `reader` was refused `subject`'s data (in a transaction of its own: the
    /// refused request's is rolled back) with a `PiiAccessDenied` security event. The refusal
    /// stands whether or not it could be recorded.
    pub async fn log_refusal(
        &self,
        db: &Db,
        reader: &Reader<'_>,
        subject: Subject,
        school: Option<SchoolId>,
        now: i64,
    ) {
        let result: Result<(), ApiError> = async {
            let mut tx = db.begin().await?;
            let access = reader.access(subject, school, &[], AccessOutcome::Denied);
            self.audit.append(&mut tx, &access, now).await?;
            let subject_id = match subject {
                Subject::Person(user) => Some(user),
                Subject::Class(_) => None,
            };
            let event = SecurityEvent::PiiAccessDenied {
                actor_id: reader.actor_id,
                subject_id,
                purpose: reader.purpose.to_owned(),
            };
            events::publish(&mut tx, &event, now).await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        if let Err(error) = result {
            tracing::error!(%error, "could not log a refused personal-data read");
        }
    }
}

/// One stored field as read from `pii_fields`.
struct StoredField {
    key_id: String,
    sealed: Sealed,
    /// Sealed under the data key and the person's own key (every write since per-person keys);
    /// older rows under the data key alone until the re-encryption job moves them.
    per_person: bool,
}

impl StoredField {
    fn from_row(row: &sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
        Ok(StoredField {
            key_id: col(row, "key_id")?,
            sealed: Sealed { nonce: col(row, "nonce")?, ciphertext: col(row, "ciphertext")? },
            per_person: col::<i64>(row, "per_person")? != 0,
        })
    }
}

/// The key that opens `stored`, given the person's secret when it is sealed per person;
/// `None` when the person was erased.
async fn opening_key(
    keyring: &Keyring,
    conn: &mut Conn,
    stored: &StoredField,
    secret: Option<&SubjectSecret>,
) -> Result<Option<Arc<Key>>, ApiError> {
    let data_key = keyring.for_read(conn, &stored.key_id).await?;
    if !stored.per_person {
        return Ok(Some(data_key));
    }
    match secret {
        Some(SubjectSecret::Live(secret)) => Ok(Some(Arc::new(field_key(&data_key, secret)?))),
        Some(SubjectSecret::Erased) => Ok(None),
        None => Err(ApiError::Internal("a per-person field read without the person's key".to_owned())),
    }
}

/// Seal a field under a per-person field key (`subject_keys::field_key`).
fn seal_field(key: &Key, subject: UserId, field: PiiField, plain: &[u8]) -> Result<Sealed, ApiError> {
    crypto::seal(key.bytes.expose_secret(), &associated_data(subject, field, &key.id, true), plain)
        .map_err(|e| ApiError::Internal(format!("pii seal: {e}")))
}

/// Open one stored field. A value that does not authenticate (tampered with, or moved from
/// another person's or field's row) is an error that names the row in the log, never a value.
fn open_field(key: &Key, subject: UserId, field: PiiField, stored: &StoredField) -> Result<String, ApiError> {
    let context = associated_data(subject, field, &key.id, stored.per_person);
    let plain = crypto::open(key.bytes.expose_secret(), &context, &stored.sealed).map_err(|_| {
        tracing::error!(subject_id = %subject, field = field.as_str(), key_id = %key.id, "pii ciphertext failed authentication");
        ApiError::Internal("pii ciphertext failed authentication".to_owned())
    })?;
    String::from_utf8(plain).map_err(|_| ApiError::Internal("pii plaintext is not UTF-8".to_owned()))
}

/// Binds a ciphertext to its person, field and key (and whether a per-person key sealed it):
/// moved to another row, it no longer opens.
fn associated_data(subject: UserId, field: PiiField, key_id: &str, per_person: bool) -> Vec<u8> {
    let version = if per_person { "v2" } else { "v1" };
    format!("tallschool.pii.{version}\0{subject}\0{}\0{key_id}", field.as_str()).into_bytes()
}
