//! The engine's [`Transport`] to a server running in this test process: requests go straight
//! to the server's router, with no socket, as they would arrive from the network.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use tallschool_client::transport::{Exchange, Request, Transport, Unreachable};

pub struct InProcess {
    pub router: axum::Router,
}

impl Transport for InProcess {
    fn send(&self, request: Request) -> Exchange<'_> {
        let router = self.router.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let mut request = axum::http::Request::from_parts(parts, axum::body::Body::from(body));
            // What the listener would add: the address the request came from.
            request.extensions_mut().insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 0))));
            let response = match tower::ServiceExt::oneshot(router, request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            let (parts, body) = response.into_parts();
            let body = axum::body::to_bytes(body, usize::MAX).await.map_err(|e| Unreachable(e.to_string()))?;
            Ok(axum::http::Response::from_parts(parts, body))
        })
    }
}
