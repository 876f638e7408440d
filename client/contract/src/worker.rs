//! The messages between the window and the engine when the engine runs in a browser's
//! dedicated worker (the web app). They travel as JSON text through `postMessage`, so every
//! id and number arrives exactly as serde wrote it. A file the person picked travels beside
//! them as the browser's own `File` object (`{pick: name, file}`), which JSON cannot carry.

use serde::{Deserialize, Serialize};

use crate::{Error, Event, Request, Response};

/// The path requests name a picked file by (`UploadMedia`, `ImportAnki`), from the name it
/// was sent under.
pub fn picked_path(name: &str) -> String {
    format!("picked/{name}")
}

/// From the window to the worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ToWorker {
    /// Answer this request; the answer names the same `id`.
    Call { id: u64, request: Request },
    /// The window is done with a picked file.
    Release { name: String },
}

/// From the worker to the window. (Made, sent as text and dropped at once: its size in memory
/// does not matter.)
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FromWorker {
    /// The store is held by the app in another tab or window: this one waits for it.
    OpenElsewhere,
    /// The engine is open: requests are answered from now on (those sent earlier too).
    Ready,
    /// The engine cannot open here (no private storage in this browser, a damaged store…).
    Failed {
        message: String,
    },
    Answer {
        id: u64,
        result: Result<Response, Error>,
    },
    Event {
        event: Event,
    },
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn messages_survive_json() {
        let call = ToWorker::Call { id: 7, request: Request::Lobby };
        assert_eq!(serde_json::from_str::<ToWorker>(&serde_json::to_string(&call).unwrap()).unwrap(), call);
        let failed = FromWorker::Answer {
            id: 7,
            result: Err(Error {
                code: crate::ErrorCode::Offline,
                message: "no network".to_owned(),
                field: None,
                server_code: None,
            }),
        };
        assert_eq!(serde_json::from_str::<FromWorker>(&serde_json::to_string(&failed).unwrap()).unwrap(), failed);
        let text = serde_json::to_string(&FromWorker::OpenElsewhere).unwrap();
        assert_eq!(text, r#"{"kind":"open_elsewhere"}"#);
    }
}
