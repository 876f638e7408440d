//! The window plays pictures, sound and video of the device's media cache from a server on
//! loopback. WebKitGTK's media player (GStreamer) cannot read custom URL schemes such as Tauri's
//! asset protocol, so video and sound would not play on Linux; over HTTP they do, with Range
//! requests for seeking. The server listens on 127.0.0.1 only, on a port the system picks, and
//! answers only under a random secret path the window is told at start (a page in another
//! browser cannot guess it); it serves only complete files of the cache, by their hash, with the
//! type the cache recorded.

use std::path::PathBuf;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rand::Rng as _;
use tallschool_client::Core;
use tower::ServiceExt as _;
use tower_http::services::ServeFile;

#[derive(Clone)]
struct Cache {
    core: Core,
}

/// The secret first part of every address: 32 random bytes as hex.
fn secret() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The router: `GET /{secret}/{hash}`; anything else is 404.
fn router(core: Core, secret: &str) -> Router {
    Router::new().route(&format!("/{secret}/{{hash}}"), get(file)).with_state(Cache { core })
}

async fn file(State(cache): State<Cache>, Path(hash): Path<String>, request: Request) -> Response {
    // Only complete objects the cache knows, by hash (64 hex digits: no path can be named).
    let Ok(found) = cache.core.media().file(&hash) else { return StatusCode::NOT_FOUND.into_response() };
    let path = PathBuf::from(&found.path);
    let mime: mime::Mime = found.mime.parse().unwrap_or(mime::APPLICATION_OCTET_STREAM);
    match ServeFile::new_with_mime(path, &mime).oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Start serving the cache of `core` on loopback; the address files are under
/// (`http://127.0.0.1:PORT/SECRET/`).
pub async fn start(core: Core) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let address = listener.local_addr()?;
    let secret = secret();
    let app = router(core, &secret);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::warn!(%error, "the media server stopped");
        }
    });
    Ok(format!("http://{address}/{secret}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_long_and_fresh() {
        let (a, b) = (secret(), secret());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }
}
