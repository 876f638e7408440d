//! The web app (students' and teachers' screens with the engine in a browser worker), served on
//! the server's own origin so that it needs no CORS and counts as one site for the browser's
//! storage. The files come from `scripts/build-web.sh` (`--web-dir`, default
//! `client/web/dist`):
//!
//! - `/` — the page (`index.html`) and `/sw.js`, the service worker: `no-cache`, so a new
//!   version is seen at the next visit;
//! - `/app/<version>/…` — the code (JavaScript, wasm, style sheet), named by a hash of its
//!   contents: cached for a year and never changed; precompressed `.gz` copies when present;
//! - `/manifest.webmanifest` and `/icons/…`, for installing the app;
//! - `/admin` — the admin dashboard's page (`admin.html`): the same code, no engine.
//!
//! Without the files, `/` says how to build them; the API works either way.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use tower_http::services::{ServeDir, ServeFile};

/// What a page of the app may load: its own code (wasm compiled by the browser), its styles,
/// pictures and sound from the device's cache (`blob:`), and calls to this server.
pub const PAGE_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     worker-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; media-src 'self' blob:; \
     connect-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The app's routes, from the files in `dir` (or a page saying they are not built).
pub fn router<S: Clone + Send + Sync + 'static>(dir: &Path) -> Router<S> {
    if !dir.join("index.html").is_file() {
        return Router::new().route("/", get(not_built));
    }
    let file = |name: &str| ServeFile::new(dir.join(name)).precompressed_gzip();
    // The whole folder for the code and the icons: a request's path is the file's path in it.
    let files = ServeDir::new(dir).precompressed_gzip();
    Router::new()
        .route_service("/", file("index.html"))
        .route_service("/index.html", file("index.html"))
        .route_service("/sw.js", file("sw.js"))
        // The admin dashboard: one page for all its views.
        .route_service("/admin", file("admin.html"))
        .route_service("/admin/{*view}", file("admin.html"))
        .route_service("/manifest.webmanifest", file("manifest.webmanifest"))
        .route_service("/icons/{*file}", files.clone())
        .route_service("/app/{*file}", files)
        .layer(axum::middleware::from_fn(caching))
}

/// How long a browser may keep each file, and what a page may do.
async fn caching(request: Request<Body>, next: axum::middleware::Next) -> Response<Body> {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let ok = response.status() == StatusCode::OK;
    let headers = response.headers_mut();
    let cache = if path.starts_with("/app/") && ok {
        // A new version has new names: these never change.
        "public, max-age=31536000, immutable"
    } else if path.starts_with("/icons/") {
        "public, max-age=86400"
    } else {
        // The page, the service worker and the manifest: asked again each time (cheap with
        // their ETag), so an update is found at once.
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if path == "/" || path == "/index.html" || path == "/admin" || path.starts_with("/admin/") {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_POLICY));
    }
    if path == "/manifest.webmanifest" {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/manifest+json"));
    }
    response
}

async fn not_built() -> impl IntoResponse {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CACHE_CONTROL, "no-store")],
        Html(
            "<!doctype html><meta charset=utf-8><title>TallSchool</title>\
             <p>The web app is not built on this server. Build it with <code>scripts/build-web.sh</code> \
             (or start the server with <code>scripts/run.sh</code>), or point <code>--web-dir</code> at it.\
             The API is at <code>/api/v1</code>.</p>",
        ),
    )
}

/// Where the app's files are by default: beside the server's working folder, as built.
pub fn default_dir() -> PathBuf {
    PathBuf::from("client/web/dist")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::http::Request;
    use tower::ServiceExt as _;

    use super::*;

    /// A built web app in a fresh folder: the page, the service worker, one version's code.
    fn built() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tallschool-web-app-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(dir.join("app/abc123")).unwrap();
        std::fs::create_dir_all(dir.join("icons")).unwrap();
        std::fs::write(dir.join("index.html"), "<!doctype html><title>TallSchool</title>").unwrap();
        std::fs::write(dir.join("sw.js"), "self.addEventListener('fetch', () => {});").unwrap();
        std::fs::write(dir.join("admin.html"), "<!doctype html><title>TallSchool · Admin</title>").unwrap();
        std::fs::write(dir.join("manifest.webmanifest"), "{}").unwrap();
        std::fs::write(dir.join("app/abc123/screens_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        std::fs::write(dir.join("app/abc123/start.js"), "export {};").unwrap();
        std::fs::write(dir.join("icons/icon.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>").unwrap();
        dir
    }

    async fn get(router: &Router, path: &str) -> Response<Body> {
        router.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap()
    }

    fn header(response: &Response<Body>, name: header::HeaderName) -> &str {
        response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    #[tokio::test]
    async fn each_file_is_served_with_its_type_and_caching() {
        let dir = built();
        let router: Router = router(&dir);

        let page = get(&router, "/").await;
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(header(&page, header::CACHE_CONTROL), "no-cache", "a new version is seen at the next visit");
        assert!(header(&page, header::CONTENT_SECURITY_POLICY).contains("script-src 'self' 'wasm-unsafe-eval'"));

        for path in ["/admin", "/admin/people"] {
            let admin = get(&router, path).await;
            assert_eq!(admin.status(), StatusCode::OK, "{path}");
            assert_eq!(header(&admin, header::CACHE_CONTROL), "no-cache");
            assert!(header(&admin, header::CONTENT_SECURITY_POLICY).contains("frame-ancestors 'none'"));
        }

        let worker = get(&router, "/sw.js").await;
        assert_eq!(worker.status(), StatusCode::OK);
        assert_eq!(header(&worker, header::CACHE_CONTROL), "no-cache");
        assert!(header(&worker, header::CONTENT_TYPE).contains("javascript"));

        let wasm = get(&router, "/app/abc123/screens_bg.wasm").await;
        assert_eq!(wasm.status(), StatusCode::OK);
        assert_eq!(header(&wasm, header::CONTENT_TYPE), "application/wasm");
        assert_eq!(header(&wasm, header::CACHE_CONTROL), "public, max-age=31536000, immutable");

        let manifest = get(&router, "/manifest.webmanifest").await;
        assert_eq!(header(&manifest, header::CONTENT_TYPE), "application/manifest+json");
        assert_eq!(get(&router, "/icons/icon.svg").await.status(), StatusCode::OK);

        // Nothing outside the app's folders, and a missing file is not cached for a year.
        let missing = get(&router, "/app/abc123/nothing.js").await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert_ne!(header(&missing, header::CACHE_CONTROL), "public, max-age=31536000, immutable");
        for sneaky in ["/app/../index.html", "/app/%2e%2e/sw.js", "/icons/..%2f..%2fCargo.toml"] {
            let response = get(&router, sneaky).await;
            assert!(response.status().is_client_error(), "{sneaky}: {}", response.status());
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn without_the_files_the_page_says_how_to_build_them() {
        let dir = std::env::temp_dir().join(format!("tallschool-web-app-none-{}", uuid::Uuid::new_v4().simple()));
        let router: Router = router(&dir);
        let page = get(&router, "/").await;
        assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = axum::body::to_bytes(page.into_body(), 1 << 16).await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains("scripts/build-web.sh"));
    }
}
