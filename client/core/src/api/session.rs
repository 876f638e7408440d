//! Signing in and out, and choosing a new password.

use tallschool_contract::Event;
use tallschool_contract::sync::LogoutReport;
use tallschool_shared::SessionId;
use tallschool_shared::api::{SessionView, UserView};

use crate::Core;
use crate::error::{ClientError, Result, Unsynced};
use crate::session::{self, PendingLogout, Session};

pub struct SessionService<'a> {
    pub(crate) core: &'a Core,
}

impl SessionService<'_> {
    /// Who is signed in on this device, if anyone.
    pub fn current_user(&self) -> Option<UserView> {
        self.core.signed_in().map(|s| s.user)
    }

    /// Sign in. A different account on a device that still has unsynced work is refused, so
    /// that one student's work never leaks into, or is lost to, another's. After a one-time
    /// password, [`Core::password_change_required`] is set: choose a new password with
    /// [`SessionService::change_password`] before anything else.
    pub async fn login(&self, server: &str, username: &str, password: &str, device_name: &str) -> Result<UserView> {
        let core = self.core;
        if server.trim().is_empty() {
            return Err(ClientError::invalid("server", "give the school's server address"));
        }
        let api = core.server_at(server);
        self.send_pending_logouts().await;
        let device_key = session::device_key(core.dir())?;
        let tokens = api.login(username, password, device_name, &device_key).await?;
        let account = tokens.user.id.to_string();
        let previous = core.store().get("account")?;
        if previous.as_deref().is_some_and(|p| p != account) {
            let unsynced = core.unsynced()?;
            if !unsynced.is_empty() {
                return Err(ClientError::Invalid(format!(
                    "another account's work is on this device, {unsynced}: sync it first (sign in as that account)"
                )));
            }
            core.forget_everything().await?;
        }
        core.store().set("account", &account)?;
        let session = Session {
            server: api.server().to_owned(),
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            user: tokens.user,
            password_change_required: tokens.password_change_required,
        };
        session::save(core.dir(), &session)?;
        let user = session.user.clone();
        core.set_session(Some(session));
        core.set_server(Some(api));
        core.emit(&Event::SessionChanged);
        core.emit(&Event::LobbyChanged);
        Ok(user)
    }

    /// Choose a new password (the current one is needed). Other devices of the account are
    /// signed out; this one goes on.
    pub async fn change_password(&self, current: &str, new: &str) -> Result<()> {
        if new.is_empty() {
            return Err(ClientError::invalid("new", "a new password is needed"));
        }
        let body = serde_json::json!({"current_password": current, "new_password": new, "end_other_sessions": true});
        let _: serde_json::Value = self.core.call(http::Method::POST, "/api/v1/me/password", Some(&body)).await?;
        if let Some(mut session) = self.core.signed_in() {
            session.password_change_required = false;
            session::save(self.core.dir(), &session)?;
            self.core.set_session(Some(session));
        }
        self.core.emit(&Event::SessionChanged);
        Ok(())
    }

    /// Sign out: send what is unsynced first (or refuse, keeping everything, unless
    /// `discard`), end the session on the server (or, offline, at the next contact), and remove
    /// this account's data from the device.
    pub async fn logout(&self, discard: bool) -> Result<LogoutReport> {
        let core = self.core;
        let session = core.signed_in().ok_or(ClientError::NotSignedIn)?;
        let mut unsynced = core.unsynced()?;
        if !unsynced.is_empty() && !discard {
            let offline = match core.sync().run().await {
                Ok(report) => report.offline,
                Err(ClientError::Offline(_)) => true,
                Err(error) => return Err(error),
            };
            unsynced = Unsynced { offline, ..core.unsynced()? };
            if !unsynced.is_empty() {
                return Err(ClientError::UnsyncedWork(unsynced));
            }
        }
        let api = core.server_api()?;
        let ended_on_server = match api.logout(&session.refresh_token).await {
            Ok(()) => true,
            Err(_) => {
                // Unreachable now: the refresh token ends the session when the server is next
                // in reach (a sign-in on this device sends it first).
                let mut pending = session::pending_logouts(core.dir())?;
                pending.push(PendingLogout {
                    server: session.server.clone(),
                    refresh_token: session.refresh_token.clone(),
                });
                session::save_pending_logouts(core.dir(), &pending)?;
                false
            }
        };
        core.wipe_account().await?;
        Ok(LogoutReport { ended_on_server, discarded: unsynced })
    }

    /// The account's signed-in devices, this one marked `current` (online).
    pub async fn devices(&self) -> Result<Vec<SessionView>> {
        self.core.call(http::Method::GET, "/api/v1/me/sessions", None).await
    }

    /// End another device's session (online): it can no longer sync, and asks for a sign-in
    /// at its next contact. This device signs out with [`SessionService::logout`], which first
    /// sends its unsynced work.
    pub async fn sign_out_device(&self, device: SessionId) -> Result<()> {
        let devices = self.devices().await?;
        match devices.iter().find(|d| d.id == device) {
            None => Err(ClientError::invalid("session", "no such device of this account")),
            Some(d) if d.current => Err(ClientError::invalid("session", "this is the device in use: sign out instead")),
            Some(_) => {
                let path = format!("/api/v1/me/sessions/{device}");
                let _: serde_json::Value = self.core.call(http::Method::DELETE, &path, None).await?;
                Ok(())
            }
        }
    }

    /// Sign-outs made while the server was out of reach, sent now; those still unsent stay.
    pub async fn send_pending_logouts(&self) {
        let dir = self.core.dir();
        let Ok(pending) = session::pending_logouts(dir) else { return };
        if pending.is_empty() {
            return;
        }
        let mut left = Vec::new();
        for logout in pending {
            let sent = self.core.server_at(&logout.server).logout(&logout.refresh_token).await.is_ok();
            if !sent {
                left.push(logout);
            }
        }
        if let Err(error) = session::save_pending_logouts(dir, &left) {
            tracing::warn!(%error, "pending sign-outs not saved");
        }
    }
}
