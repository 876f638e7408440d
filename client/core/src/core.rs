//! [`Core`]: one device's engine — the store, the signed-in session, the server connection,
//! the clock and the listeners of [`Event`]s. Cheap to clone and shared by every caller: the
//! store is locked for each step of work (one durable transaction per write), never across a
//! network wait, so a student answers cards while a sync or a download runs.
//!
//! The operations live in the services of [`crate::api`] (`core.study().answer(…)`), and all
//! of them answer the contract's messages through [`Core::handle`].

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tallschool_contract::Event;
use tallschool_shared::api::UserView;

use crate::clock::Clock;
use crate::error::{ClientError, Result, Unsynced};
use crate::http::{Failure, ServerApi};
use crate::session::{self, Session};
use crate::store::Store;
use crate::transport::{HttpTransport, Transport};
use crate::video_tests;

/// Tries of one request while the server answers 429/5xx.
const BUSY_TRIES: u32 = 5;

type Listener = Arc<dyn Fn(&Event) + Send + Sync>;

#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    clock: Clock,
    store: Mutex<Store>,
    session: Mutex<Option<Session>>,
    /// How requests reach the server (the network, or a server in a test's own process).
    transport: Arc<dyn Transport>,
    server: Mutex<Option<ServerApi>>,
    listeners: Mutex<Vec<Listener>>,
    /// One sync at a time: a second caller waits for the first to finish.
    pub(crate) syncing: tokio::sync::Mutex<()>,
}

/// A lock that a panic elsewhere left poisoned still guards consistent data: every write is
/// one SQLite transaction, rolled back if it did not finish.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Core {
    /// Open the device whose data is in `dir` (created if new), on the system clock.
    pub fn open(dir: &Path) -> Result<Core> {
        Core::open_with_clock(dir, Clock::system())
    }

    /// Open the device in `dir`, reading the time from `clock`.
    pub fn open_with_clock(dir: &Path, clock: Clock) -> Result<Core> {
        let transport = HttpTransport::shared().map_err(|e| ClientError::Offline(e.0))?;
        Core::open_with(dir, clock, transport)
    }

    /// Open the device in `dir`, reading the time from `clock` and reaching the server
    /// through `transport`.
    pub fn open_with(dir: &Path, clock: Clock, transport: Arc<dyn Transport>) -> Result<Core> {
        let store = Store::open(dir, clock.clone(), crate::FEATURES)?;
        let session = session::load(dir)?;
        Ok(Core {
            inner: Arc::new(Inner {
                dir: dir.to_owned(),
                clock,
                store: Mutex::new(store),
                session: Mutex::new(session),
                transport,
                server: Mutex::new(None),
                listeners: Mutex::new(Vec::new()),
                syncing: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// The device's data directory.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// Now, by the engine's clock (Unix seconds).
    pub fn now(&self) -> i64 {
        self.inner.clock.now()
    }

    /// The local store, locked until the guard is dropped. For one step of work: never hold
    /// it across an `.await`.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.inner.store)
    }

    /// Be told of every [`Event`] from now on (on the thread that caused it; keep it quick).
    pub fn subscribe(&self, listener: impl Fn(&Event) + Send + Sync + 'static) {
        lock(&self.inner.listeners).push(Arc::new(listener));
    }

    pub(crate) fn emit(&self, event: &Event) {
        let listeners: Vec<Listener> = lock(&self.inner.listeners).clone();
        for listener in listeners {
            listener(event);
        }
    }

    /// The signed-in session, if any.
    pub fn signed_in(&self) -> Option<Session> {
        lock(&self.inner.session).clone()
    }

    /// The signed-in user.
    pub fn user(&self) -> Result<UserView> {
        lock(&self.inner.session).as_ref().map(|s| s.user.clone()).ok_or(ClientError::NotSignedIn)
    }

    pub(crate) fn set_session(&self, session: Option<Session>) {
        *lock(&self.inner.session) = session;
    }

    pub(crate) fn set_server(&self, server: Option<ServerApi>) {
        *lock(&self.inner.server) = server;
    }

    pub(crate) fn syncing(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.syncing
    }

    /// Signed in with a one-time password that is not replaced yet.
    pub fn password_change_required(&self) -> bool {
        lock(&self.inner.session).as_ref().is_some_and(|s| s.password_change_required)
    }

    /// Remove the signed-in account from this device: its data (as [`Core::forget_everything`])
    /// and its session. Screens hear `SessionChanged` and go back to sign-in.
    pub(crate) async fn wipe_on_order(&self) -> Result<()> {
        self.wipe_account().await?;
        self.emit(&Event::AccountRemoved);
        Ok(())
    }

    /// The signed-in account's data and session, gone from this device (sign-out, or a wipe).
    pub(crate) async fn wipe_account(&self) -> Result<()> {
        self.forget_everything().await?;
        crate::session::clear(self.dir())?;
        self.set_session(None);
        self.set_server(None);
        self.emit(&Event::SessionChanged);
        self.emit(&Event::LobbyChanged);
        Ok(())
    }

    /// Forget the account on this device: its documents, position and media files (sign-out,
    /// or another account signing in on a shared device).
    pub async fn forget_everything(&self) -> Result<()> {
        let dir = {
            let mut store = self.store();
            store.forget_everything()?;
            crate::media::media_dir(&store)
        };
        crate::platform::media_files::remove_all(&dir)
            .await
            .map_err(|source| ClientError::File { path: dir.display().to_string(), source })
    }

    /// What this device holds that the server does not have.
    pub fn unsynced(&self) -> Result<Unsynced> {
        let store = self.store();
        let status = store.status()?;
        Ok(Unsynced {
            changes: status.pending_changes,
            answers: store.pending_answers()?,
            keys: u64::try_from(video_tests::pending_keys(&store)?.len()).unwrap_or(u64::MAX),
            refused: status.rejected_changes,
            offline: false,
        })
    }

    /// The API of the server at `server`, through this engine's transport.
    pub(crate) fn server_at(&self, server: &str) -> ServerApi {
        ServerApi::new(server, self.inner.transport.clone())
    }

    /// The session's server (made once, remade if the server changed).
    pub(crate) fn server_api(&self) -> Result<ServerApi> {
        let server = lock(&self.inner.session).as_ref().map(|s| s.server.clone()).ok_or(ClientError::NotSignedIn)?;
        let mut cached = lock(&self.inner.server);
        match &*cached {
            Some(api) if api.server() == server.trim_end_matches('/') => Ok(api.clone()),
            _ => {
                let api = self.server_at(&server);
                *cached = Some(api.clone());
                Ok(api)
            }
        }
    }

    fn access_token(&self) -> Result<String> {
        lock(&self.inner.session).as_ref().map(|s| s.access_token.clone()).ok_or(ClientError::NotSignedIn)
    }

    /// Swap the refresh token for new tokens; saved before use, so a crash keeps the new one.
    pub(crate) async fn refresh(&self, api: &ServerApi) -> Result<()> {
        let refresh_token =
            lock(&self.inner.session).as_ref().map(|s| s.refresh_token.clone()).ok_or(ClientError::NotSignedIn)?;
        let mut tries = 0;
        let tokens = loop {
            match api.refresh(&refresh_token).await {
                Ok(tokens) => break tokens,
                Err(Failure::Busy { retry_after }) if tries < BUSY_TRIES => {
                    tries += 1;
                    crate::platform::sleep(
                        retry_after.unwrap_or(Duration::from_millis(250 << tries)).min(Duration::from_secs(30)),
                    )
                    .await;
                }
                Err(Failure::Busy { .. }) => return Err(ClientError::Offline("the server is busy".to_owned())),
                Err(Failure::Unauthorized) => return Err(ClientError::SessionExpired),
                Err(Failure::Other(ClientError::DeviceWiped)) => {
                    // The school's order, carried out before anything else can run: nothing of
                    // the account stays here, unsynced work included (the server refuses it).
                    self.wipe_on_order().await?;
                    return Err(ClientError::DeviceWiped);
                }
                Err(Failure::Other(error)) => return Err(error),
            }
        };
        let mut session = lock(&self.inner.session);
        let current = session.as_ref().ok_or(ClientError::NotSignedIn)?;
        let renewed = Session {
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            user: tokens.user,
            password_change_required: tokens.password_change_required,
            ..current.clone()
        };
        session::save(&self.inner.dir, &renewed)?;
        *session = Some(renewed);
        Ok(())
    }

    /// Run a request with the session's token, refreshing the token once if it has expired
    /// and waiting (with back-off) while the server is busy.
    pub(crate) async fn with_token<T, F, Fut>(&self, request: F) -> Result<T>
    where
        F: Fn(ServerApi, String) -> Fut,
        Fut: std::future::Future<Output = std::result::Result<T, Failure>>,
    {
        let mut refreshed = false;
        let mut busy_tries = 0;
        loop {
            let api = self.server_api()?;
            match request(api.clone(), self.access_token()?).await {
                Ok(value) => return Ok(value),
                Err(Failure::Unauthorized) if !refreshed => {
                    self.refresh(&api).await?;
                    refreshed = true;
                }
                Err(Failure::Unauthorized) => return Err(ClientError::SessionExpired),
                Err(Failure::Busy { retry_after }) if busy_tries + 1 < BUSY_TRIES => {
                    busy_tries += 1;
                    let backoff = Duration::from_millis(250 << busy_tries);
                    crate::platform::sleep(retry_after.unwrap_or(backoff).max(backoff).min(Duration::from_secs(30)))
                        .await;
                }
                Err(Failure::Busy { .. }) => return Err(ClientError::Offline("the server is busy".to_owned())),
                Err(Failure::Other(error)) => return Err(error),
            }
        }
    }

    /// A JSON call to the server with the session's token.
    pub(crate) async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: http::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T> {
        self.with_token(|api, token| {
            let method = method.clone();
            async move { api.json(&token, method, path, body).await }
        })
        .await
    }
}
