//! The one way the screens reach the engine: the contract's requests in, responses and
//! change notifications out. The desktop app's engine runs in the Tauri shell (reached with
//! `invoke`); the phone web app will add a second implementation (a worker). No screen knows
//! which one it talks to.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use tallschool_contract::{Error, ErrorCode, Event, Request, Response};

pub type Answer = Pin<Box<dyn Future<Output = Result<Response, Error>>>>;

pub trait Engine {
    /// Send one request; its response or its error.
    fn call(&self, request: Request) -> Answer;
    /// Be told of every change the engine reports, from now on.
    fn subscribe(&self, listener: Rc<dyn Fn(Event)>);
    /// The address the window loads a file of the device's media cache from.
    fn file_url(&self, path: &str) -> String;
}

/// The engine in the Tauri shell, through `window.__TAURI__` (`app.withGlobalTauri`).
pub struct TauriEngine;

#[cfg(target_arch = "wasm32")]
mod tauri {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
        pub async fn invoke(command: &str, args: JsValue) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = convertFileSrc)]
        pub fn convert_file_src(path: &str) -> String;
        #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], catch)]
        pub async fn listen(event: &str, handler: &Closure<dyn FnMut(JsValue)>) -> Result<JsValue, JsValue>;
    }
}

/// Values cross to JavaScript as JSON text: every number and id arrives exactly as serde wrote it.
#[cfg(target_arch = "wasm32")]
fn to_js<T: serde::Serialize>(value: &T) -> Result<wasm_bindgen::JsValue, Error> {
    let text = serde_json::to_string(value).map_err(|e| protocol(e.to_string()))?;
    js_sys::JSON::parse(&text).map_err(|_| protocol("cannot hand the request to the app".to_owned()))
}

#[cfg(target_arch = "wasm32")]
fn from_js<T: serde::de::DeserializeOwned>(value: &wasm_bindgen::JsValue) -> Result<T, Error> {
    let text: String =
        js_sys::JSON::stringify(value).map_err(|_| protocol("unreadable answer from the app".to_owned()))?.into();
    serde_json::from_str(&text).map_err(|e| protocol(e.to_string()))
}

fn protocol(message: String) -> Error {
    Error { code: ErrorCode::Protocol, message, field: None, server_code: None }
}

impl Engine for TauriEngine {
    #[cfg(target_arch = "wasm32")]
    fn call(&self, request: Request) -> Answer {
        Box::pin(async move {
            let args = to_js(&serde_json::json!({ "request": request }))?;
            match tauri::invoke("engine", args).await {
                Ok(value) => from_js(&value),
                Err(error) => Err(from_js(&error).unwrap_or_else(|e| e)),
            }
        })
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn call(&self, _: Request) -> Answer {
        Box::pin(async { Err(protocol("the desktop engine runs only inside the app window".to_owned())) })
    }

    #[cfg(target_arch = "wasm32")]
    fn subscribe(&self, listener: Rc<dyn Fn(Event)>) {
        use wasm_bindgen::prelude::*;
        let handler = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
            let payload = js_sys::Reflect::get(&message, &JsValue::from_str("payload")).unwrap_or(JsValue::NULL);
            if let Ok(event) = from_js::<Event>(&payload) {
                listener(event);
            }
        });
        wasm_bindgen_futures::spawn_local(async move {
            let _ = tauri::listen("engine-event", &handler).await;
            // Listening lasts as long as the window: the handler must outlive this task.
            handler.forget();
        });
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn subscribe(&self, _: Rc<dyn Fn(Event)>) {}

    /// Tauri's asset protocol, limited to the media cache by the shell.
    #[cfg(target_arch = "wasm32")]
    fn file_url(&self, path: &str) -> String {
        tauri::convert_file_src(path)
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn file_url(&self, path: &str) -> String {
        path.to_owned()
    }
}

/// Send `request` and take the one kind of response it should get (`pick`), or the sentence
/// to show when it fails.
pub async fn ask<T>(
    engine: &Rc<dyn Engine>,
    request: Request,
    pick: impl FnOnce(Response) -> Option<T>,
) -> Result<T, String> {
    match engine.call(request).await {
        Ok(response) => pick(response).ok_or_else(|| "The app answered something unexpected.".to_owned()),
        Err(error) => Err(crate::messages::failure(&error)),
    }
}
