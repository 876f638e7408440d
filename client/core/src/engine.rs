//! The sync engine: rounds until nothing is left to send or receive. Changes are marked sent
//! only when the server acknowledges them, so a crash, a dropped connection or a lost answer
//! at any point only means the next round sends them again (the server stores each change
//! once). Being offline is a normal outcome, reported, not an error.

use std::path::Path;

/// Files larger than this are uploaded in resumable chunks of this size.
pub const UPLOAD_CHUNK: usize = 8 * 1024 * 1024;
use std::time::Duration;

use sha2::Digest as _;
use tallschool_shared::api::{ClassView, MediaView, ResultsView, UploadView, UserView};
use tallschool_shared::sync::{self, PROTOCOL_VERSION, SyncRequest, SyncResponse};

use crate::api::{Api, Failure};
use crate::error::{ClientError, Result, Unsynced};
use crate::media::{self, MediaProgress};
use crate::session::{self, PendingLogout, Session};
use crate::store::{Applied, Store};
use crate::video_tests;

/// Changes sent in one round at most.
pub const MAX_CHANGES_PER_ROUND: usize = 2_000;
/// Tries of one round while the server answers 429/5xx.
const BUSY_TRIES: u32 = 5;

pub struct Client {
    pub store: Store,
    session: Option<Session>,
    /// Kept between rounds so that connections (and TLS setup) are reused.
    api: Option<Api>,
}

/// What a `sync` did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SyncReport {
    pub rounds: u64,
    pub sent_changes: u64,
    pub acked_changes: u64,
    pub received_changes: u64,
    pub received_docs: u64,
    pub rejected_docs: u64,
    /// Media references the server will show to nobody (see `status`).
    pub media_refused: u64,
    pub bytes_sent: u64,
    /// The server could not be reached; everything stays queued.
    pub offline: bool,
    pub pending_after: u64,
    /// Study answers written into progress documents before sending.
    pub answers_written: u64,
    /// Answer keys handed to the server, and graded results received.
    pub keys_delivered: u64,
    pub results_received: u64,
    /// Steps after the rounds that did not work out (each is retried next sync).
    pub warnings: Vec<String>,
}

/// What a sign-out did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LogoutReport {
    /// The server ended the session now (else it is told at the next contact).
    pub ended_on_server: bool,
    /// Unsynced work deleted because the sign-out was told to discard it.
    pub discarded: Unsynced,
}

/// One round's request, ready to send.
pub struct Round {
    pub body: Vec<u8>,
    pub changes: usize,
    pub documents: usize,
    first_doc: Option<tallschool_shared::DocId>,
}

impl Client {
    pub fn open(dir: &Path) -> Result<Client> {
        let store = Store::open(dir)?;
        let session = session::load(dir)?;
        Ok(Client { store, session, api: None })
    }

    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    pub fn user(&self) -> Result<&UserView> {
        self.session.as_ref().map(|s| &s.user).ok_or(ClientError::NotSignedIn)
    }

    /// Sign in. A different account on a device that still has unsynced work is refused, so
    /// that one student's work never leaks into, or is lost to, another's. After a one-time
    /// password, [`Client::password_change_required`] is set: choose a new password with
    /// [`Client::change_password`] before anything else.
    pub async fn login(&mut self, server: &str, username: &str, password: &str, device_name: &str) -> Result<UserView> {
        let api = Api::new(server)?;
        self.send_pending_logouts().await;
        let device_key = session::device_key(self.store.dir())?;
        let tokens = api.login(username, password, device_name, &device_key).await?;
        let previous = self.store.get("account")?;
        let account = tokens.user.id.to_string();
        if previous.as_deref().is_some_and(|p| p != account) {
            let unsynced = self.unsynced()?;
            if !unsynced.is_empty() {
                return Err(ClientError::Invalid(format!(
                    "another account's work is on this device, {unsynced}: sync it first (sign in as that account)"
                )));
            }
            self.store.forget_everything()?;
        }
        self.store.set("account", &account)?;
        let session = Session {
            server: api.server().to_owned(),
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            user: tokens.user,
            password_change_required: tokens.password_change_required,
        };
        session::save(self.store.dir(), &session)?;
        let user = session.user.clone();
        self.session = Some(session);
        self.api = Some(api);
        Ok(user)
    }

    /// Signed in with a one-time password that is not replaced yet.
    pub fn password_change_required(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.password_change_required)
    }

    /// Choose a new password (the current one is needed). Other devices of the account are
    /// signed out; this one goes on.
    pub async fn change_password(&mut self, current: &str, new: &str) -> Result<()> {
        let body = serde_json::json!({"current_password": current, "new_password": new, "end_other_sessions": true});
        let _: serde_json::Value = self.call(reqwest::Method::POST, "/api/v1/me/password", Some(&body)).await?;
        if let Some(session) = self.session.as_mut() {
            session.password_change_required = false;
            session::save(self.store.dir(), session)?;
        }
        Ok(())
    }

    /// What this device holds that the server does not have.
    pub fn unsynced(&self) -> Result<Unsynced> {
        let status = self.store.status()?;
        Ok(Unsynced {
            changes: status.pending_changes,
            answers: self.store.pending_answers()?,
            keys: u64::try_from(video_tests::pending_keys(&self.store)?.len()).unwrap_or(u64::MAX),
            refused: status.rejected_changes,
            offline: false,
        })
    }

    /// Sign out: send what is unsynced first (or refuse, keeping everything, unless
    /// `discard`), end the session on the server (or, offline, at the next contact), and remove
    /// this account's data from the device.
    pub async fn logout(&mut self, discard: bool) -> Result<LogoutReport> {
        let session = self.session.clone().ok_or(ClientError::NotSignedIn)?;
        let mut unsynced = self.unsynced()?;
        if !unsynced.is_empty() && !discard {
            let offline = match self.sync(|_| {}).await {
                Ok(report) => report.offline,
                Err(ClientError::Offline(_)) => true,
                Err(error) => return Err(error),
            };
            unsynced = Unsynced { offline, ..self.unsynced()? };
            if !unsynced.is_empty() {
                return Err(ClientError::UnsyncedWork(unsynced));
            }
        }
        let api = self.api()?;
        let ended_on_server = match api.logout(&session.refresh_token).await {
            Ok(()) => true,
            Err(_) => {
                // Unreachable now: the refresh token ends the session when the server is next
                // in reach (a sign-in on this device sends it first).
                let mut pending = session::pending_logouts(self.store.dir())?;
                pending.push(PendingLogout {
                    server: session.server.clone(),
                    refresh_token: session.refresh_token.clone(),
                });
                session::save_pending_logouts(self.store.dir(), &pending)?;
                false
            }
        };
        self.store.forget_everything()?;
        session::clear(self.store.dir())?;
        self.session = None;
        self.api = None;
        Ok(LogoutReport { ended_on_server, discarded: unsynced })
    }

    /// Sign-outs made while the server was out of reach, sent now; those still unsent stay.
    pub async fn send_pending_logouts(&mut self) {
        let Ok(pending) = session::pending_logouts(self.store.dir()) else { return };
        if pending.is_empty() {
            return;
        }
        let mut left = Vec::new();
        for logout in pending {
            let sent = match Api::new(&logout.server) {
                Ok(api) => api.logout(&logout.refresh_token).await.is_ok(),
                Err(_) => false,
            };
            if !sent {
                left.push(logout);
            }
        }
        if let Err(error) = session::save_pending_logouts(self.store.dir(), &left) {
            tracing::warn!(%error, "pending sign-outs not saved");
        }
    }

    /// The next round's request: the cursor and the oldest pending changes.
    pub fn prepare_round(&self) -> Result<Round> {
        self.prepare(false)
    }

    fn prepare(&self, one_document: bool) -> Result<Round> {
        let (cursor, epoch) = self.store.cursor()?;
        let outgoing = if one_document {
            self.store.outgoing_one_document(MAX_CHANGES_PER_ROUND)?
        } else {
            self.store.outgoing(MAX_CHANGES_PER_ROUND)?
        };
        let first_doc = outgoing.push.first().map(|push| push.meta.id);
        let request = SyncRequest { protocol: PROTOCOL_VERSION, cursor, epoch, push: outgoing.push };
        let body = sync::encode(&request).map_err(|e| ClientError::Protocol(e.to_string()))?;
        Ok(Round { body, changes: outgoing.rows.len(), documents: request.push.len(), first_doc })
    }

    /// Send one round, refreshing the access token and backing off as needed.
    pub async fn send(&mut self, body: Vec<u8>) -> Result<SyncResponse> {
        let mut busy_tries = 0;
        let mut refreshed = false;
        loop {
            let api = self.api()?;
            let session = self.session.as_ref().ok_or(ClientError::NotSignedIn)?;
            match api.sync(&session.access_token, body.clone()).await {
                Ok(response) => return Ok(response),
                Err(Failure::Unauthorized) if !refreshed => {
                    self.refresh(&api).await?;
                    refreshed = true;
                }
                Err(Failure::Unauthorized) => return Err(ClientError::SessionExpired),
                Err(Failure::Busy { retry_after }) if busy_tries + 1 < BUSY_TRIES => {
                    busy_tries += 1;
                    let backoff = Duration::from_millis(250 << busy_tries);
                    tokio::time::sleep(retry_after.unwrap_or(backoff).max(backoff).min(Duration::from_secs(30))).await;
                }
                Err(Failure::Busy { .. }) => return Err(ClientError::Offline("the server is busy".to_owned())),
                Err(Failure::Other(error)) => return Err(error),
            }
        }
    }

    /// The HTTP client for the session's server (made once, remade if the server changed).
    fn api(&mut self) -> Result<Api> {
        let session = self.session.as_ref().ok_or(ClientError::NotSignedIn)?;
        match &self.api {
            Some(api) if api.server() == session.server.trim_end_matches('/') => Ok(api.clone()),
            _ => {
                let api = Api::new(&session.server)?;
                self.api = Some(api.clone());
                Ok(api)
            }
        }
    }

    async fn refresh(&mut self, api: &Api) -> Result<()> {
        let session = self.session.as_ref().ok_or(ClientError::NotSignedIn)?;
        let mut tries = 0;
        let tokens = loop {
            match api.refresh(&session.refresh_token).await {
                Ok(tokens) => break tokens,
                Err(Failure::Busy { retry_after }) if tries < BUSY_TRIES => {
                    tries += 1;
                    tokio::time::sleep(
                        retry_after.unwrap_or(Duration::from_millis(250 << tries)).min(Duration::from_secs(30)),
                    )
                    .await;
                }
                Err(Failure::Busy { .. }) => return Err(ClientError::Offline("the server is busy".to_owned())),
                Err(Failure::Unauthorized) => return Err(ClientError::SessionExpired),
                Err(Failure::Other(error)) => return Err(error),
            }
        };
        let renewed = Session {
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            user: tokens.user,
            password_change_required: tokens.password_change_required,
            ..session.clone()
        };
        // Saved before use: a crash now keeps the new refresh token.
        session::save(self.store.dir(), &renewed)?;
        self.session = Some(renewed);
        Ok(())
    }

    pub fn apply(&mut self, response: &SyncResponse) -> Result<Applied> {
        self.store.apply(response)
    }

    /// Rounds until nothing is left; `progress` sees the report after each round.
    pub async fn sync(&mut self, mut progress: impl FnMut(&SyncReport)) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        if self.session.is_some() && self.store.pending_answers()? > 0 {
            report.answers_written = u64::try_from(self.store.end_session()?).unwrap_or(0);
        }
        // After a round is refused as a whole (422), documents go one per round until the
        // one the server refuses is found and set aside, so the rest keeps syncing.
        let mut one_document = false;
        loop {
            let round = self.prepare(one_document)?;
            report.bytes_sent += u64::try_from(round.body.len()).unwrap_or(0);
            let response = match self.send(round.body).await {
                Ok(response) => response,
                Err(ClientError::Offline(_)) => {
                    report.offline = true;
                    break;
                }
                Err(ClientError::Server { status: 422, code, message }) => match round.first_doc {
                    Some(doc) if round.documents == 1 => {
                        self.store.refuse_locally(doc, &code, &message)?;
                        report.rejected_docs += 1;
                        continue;
                    }
                    Some(_) if !one_document => {
                        one_document = true;
                        continue;
                    }
                    _ => return Err(ClientError::Server { status: 422, code, message }),
                },
                Err(error) => return Err(error),
            };
            let applied = self.apply(&response)?;
            report.rounds += 1;
            report.sent_changes += u64::try_from(round.changes).unwrap_or(0);
            report.acked_changes += applied.acked;
            report.received_changes += applied.received_changes;
            report.received_docs += applied.received_docs;
            report.rejected_docs += applied.rejected_docs;
            report.media_refused += applied.media_refusals;
            progress(&report);
            if round.changes > 0
                && applied.acked == 0
                && applied.rejected_docs == 0
                && self.store.status()?.pending_changes > 0
            {
                // Acknowledged before (an earlier answer was lost) — the server still says so:
                // the rows were already marked; anything else means the server ignores us.
                return Err(ClientError::Protocol(
                    "the server neither acknowledged nor refused the changes sent".to_owned(),
                ));
            }
            let nothing_sent = round.changes == 0;
            if !response.has_more && (nothing_sent || self.store.status()?.pending_changes == 0) {
                break;
            }
            if report.rounds > 100_000 {
                return Err(ClientError::Protocol("sync does not converge".to_owned()));
            }
        }
        if !report.offline {
            self.after_rounds(&mut report).await?;
        }
        report.pending_after = self.store.status()?.pending_changes;
        Ok(report)
    }

    /// Run a request with the session's token, refreshing the token once if it has expired.
    pub async fn with_token<T, F, Fut>(&mut self, request: F) -> Result<T>
    where
        F: Fn(Api, String) -> Fut,
        Fut: std::future::Future<Output = std::result::Result<T, Failure>>,
    {
        let mut refreshed = false;
        loop {
            let api = self.api()?;
            let token = self.session.as_ref().ok_or(ClientError::NotSignedIn)?.access_token.clone();
            match request(api.clone(), token).await {
                Ok(value) => return Ok(value),
                Err(Failure::Unauthorized) if !refreshed => {
                    self.refresh(&api).await?;
                    refreshed = true;
                }
                Err(Failure::Unauthorized) => return Err(ClientError::SessionExpired),
                Err(Failure::Busy { .. }) => return Err(ClientError::Offline("the server is busy".to_owned())),
                Err(Failure::Other(error)) => return Err(error),
            }
        }
    }

    /// A JSON call with the session's token.
    pub async fn call<T: serde::de::DeserializeOwned>(
        &mut self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T> {
        self.with_token(|api, token| {
            let method = method.clone();
            async move { api.json(&token, method, path, body).await }
        })
        .await
    }

    /// Fetch the media this user's documents show into the device's cache (resuming partial
    /// downloads, within the storage budget) and evict what is no longer referenced.
    pub async fn sync_media(&mut self, progress: &(dyn Fn(&MediaProgress) + Sync)) -> Result<MediaProgress> {
        let wanted: Vec<MediaView> = self.call(reqwest::Method::GET, "/api/v1/media", None).await?;
        media::set_wanted(&mut self.store, &wanted)?;
        let session = self.session.as_ref().ok_or(ClientError::NotSignedIn)?;
        let (server, token) = (session.server.clone(), session.access_token.clone());
        // No overall timeout: a video on a slow school network takes as long as it takes.
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(60))
            .user_agent(concat!("tallschool/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Invalid(format!("http client: {e}")))?;
        media::download(&mut self.store, &http, &server, &token, progress).await
    }

    /// Upload a file (teachers): in one request when small, else in resumable chunks; an
    /// interrupted upload of the same file continues where it stopped. Returns the stored
    /// object, whose hash documents use.
    pub async fn upload_media(&mut self, file: &Path, mime: &str, progress: &dyn Fn(u64, u64)) -> Result<MediaView> {
        let bytes =
            std::fs::read(file).map_err(|source| ClientError::File { path: file.display().to_string(), source })?;
        let size = bytes.len() as u64;
        let sha256 = hex::encode(sha2::Sha256::digest(&bytes));
        if size <= UPLOAD_CHUNK as u64 {
            let body = bytes;
            let media = self
                .with_token(|api, token| {
                    let headers = vec![("content-type", mime.to_owned()), ("x-content-sha256", sha256.clone())];
                    let body = body.clone();
                    async move { api.bytes(&token, reqwest::Method::POST, "/api/v1/media", headers, body).await }
                })
                .await?;
            progress(size, size);
            return Ok(media);
        }
        let key = format!("upload:{sha256}");
        let mut upload = match self.store.get(&key)?.filter(|id| !id.is_empty()) {
            Some(id) => {
                let path = format!("/api/v1/media/uploads/{id}");
                match self.call::<UploadView>(reqwest::Method::GET, &path, None).await {
                    Ok(upload) => Some(upload),
                    Err(ClientError::Server { status: 404, .. }) => None,
                    Err(error) => return Err(error),
                }
            }
            None => None,
        };
        if upload.is_none() {
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
            let body = serde_json::json!({"mime": mime, "size": size, "sha256": sha256, "filename": name});
            let started: UploadView = self.call(reqwest::Method::POST, "/api/v1/media/uploads", Some(&body)).await?;
            self.store.set(&key, &started.upload_id)?;
            upload = Some(started);
        }
        let mut upload = upload.ok_or_else(|| ClientError::Protocol("no upload".to_owned()))?;
        loop {
            if let Some(media) = upload.media.take() {
                self.store.set(&key, "")?;
                return Ok(media);
            }
            progress(upload.offset, size);
            let start = usize::try_from(upload.offset).unwrap_or(usize::MAX).min(bytes.len());
            let chunk = bytes[start..(start + UPLOAD_CHUNK).min(bytes.len())].to_vec();
            let path = format!("/api/v1/media/uploads/{}", upload.upload_id);
            let offset = upload.offset;
            let sent = self
                .with_token(|api, token| {
                    let headers = vec![
                        ("upload-offset", offset.to_string()),
                        ("content-type", "application/offset+octet-stream".to_owned()),
                    ];
                    let (chunk, path) = (chunk.clone(), path.clone());
                    async move { api.bytes::<UploadView>(&token, reqwest::Method::PATCH, &path, headers, chunk).await }
                })
                .await;
            upload = match sent {
                Ok(next) => next,
                // The server has a different count (an answer was lost): ask and go on from there.
                Err(ClientError::Server { status: 409, .. }) => self.call(reqwest::Method::GET, &path, None).await?,
                Err(error) => return Err(error),
            };
            if upload.offset == size && upload.media.is_none() {
                return Err(ClientError::Protocol("the upload completed without a stored object".to_owned()));
            }
        }
    }

    /// After the documents: the classes' study settings, answer keys this teacher wrote
    /// offline, and graded results.
    async fn after_rounds(&mut self, report: &mut SyncReport) -> Result<()> {
        match self.call::<Vec<ClassView>>(reqwest::Method::GET, "/api/v1/me/classes", None).await {
            Ok(classes) => {
                let rows: Vec<_> = classes.iter().map(|c| (c.id.to_string(), c.name.clone(), c.study)).collect();
                self.store.save_classes(&rows)?;
            }
            Err(error) => report.warnings.push(format!("classes: {error}")),
        }
        for (test, keys) in video_tests::pending_keys(&self.store)? {
            let Some(meta) = self.store.meta(test)? else { continue };
            let body = serde_json::json!({"test_id": test, "keys": keys});
            let path = format!("/api/v1/classes/{}/answer-keys", meta.class_id);
            match self.call::<serde_json::Value>(reqwest::Method::PUT, &path, Some(&body)).await {
                Ok(_) => {
                    let questions: Vec<String> = keys.keys().cloned().collect();
                    video_tests::keys_delivered(&self.store, test, &questions)?;
                    report.keys_delivered += questions.len() as u64;
                }
                Err(error) => report.warnings.push(format!("answer keys of {test}: {error}")),
            }
        }
        let user = self.user()?.clone();
        let tests = if user.role == tallschool_shared::Role::Student {
            video_tests::tests_with_submissions(&mut self.store, user.id)?
        } else {
            video_tests::all_tests(&self.store)?
        };
        for test in tests {
            let Some(meta) = self.store.meta(test)? else { continue };
            let path = format!("/api/v1/classes/{}/results?test_id={test}", meta.class_id);
            match self.call::<ResultsView>(reqwest::Method::GET, &path, None).await {
                Ok(results) => {
                    video_tests::save_results(&self.store, test, &results.attempts)?;
                    report.results_received += results.attempts.len() as u64;
                }
                Err(error) => report.warnings.push(format!("results of {test}: {error}")),
            }
        }
        Ok(())
    }
}
