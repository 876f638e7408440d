//! The desktop app's engine, in the Tauri shell: requests through `invoke`
//! (`window.__TAURI__`, `app.withGlobalTauri`), events as the `engine-event` Tauri event.

use super::*;

/// Pieces a picked file is copied in: small enough to show progress, large enough to be quick.
#[cfg(target_arch = "wasm32")]
const STAGE_PIECE: f64 = 4.0 * 1024.0 * 1024.0;

/// The engine in the Tauri shell, through `window.__TAURI__` (`app.withGlobalTauri`).
pub struct TauriEngine;

#[cfg(target_arch = "wasm32")]
mod bridge {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
        pub async fn invoke(command: &str, args: JsValue) -> Result<JsValue, JsValue>;
        /// With raw bytes as the body and `options.headers`.
        #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
        pub async fn invoke_raw(command: &str, body: JsValue, options: JsValue) -> Result<JsValue, JsValue>;
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

impl Engine for TauriEngine {
    #[cfg(target_arch = "wasm32")]
    fn call(&self, request: Request) -> Answer {
        Box::pin(async move {
            let args = to_js(&serde_json::json!({ "request": request }))?;
            match bridge::invoke("engine", args).await {
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
            let _ = bridge::listen("engine-event", &handler).await;
            // Listening lasts as long as the window: the handler must outlive this task.
            handler.forget();
        });
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn subscribe(&self, _: Rc<dyn Fn(Event)>) {}

    /// The shell serves the media cache on loopback (WebKitGTK plays no video or sound from a
    /// custom URL scheme): its address, and the file's name (its hash).
    #[cfg(target_arch = "wasm32")]
    fn file_url(&self, path: &str) -> Done<String> {
        let base = web_sys::window()
            .and_then(|w| js_sys::Reflect::get(&w, &"__TALLSCHOOL_MEDIA__".into()).ok())
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        let name = path.rsplit(['/', '\\']).next().unwrap_or_default();
        let url = format!("{base}{name}");
        Box::pin(async move { Ok(url) })
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn file_url(&self, path: &str) -> Done<String> {
        let path = path.to_owned();
        Box::pin(async move { Ok(path) })
    }

    #[cfg(target_arch = "wasm32")]
    fn stage_file(&self, file: FileData, progress: Progress) -> Done<String> {
        use wasm_bindgen::JsCast as _;
        Box::pin(async move {
            let Some(file) = file.inner().downcast_ref::<web_sys::File>().cloned() else {
                return Err(protocol("the picked file cannot be read".to_owned()));
            };
            let id = stage_id();
            let total = file.size();
            let mut offset = 0.0;
            let mut path = String::new();
            // An empty file is one empty piece.
            while offset < total || offset == 0.0 {
                let end = (offset + STAGE_PIECE).min(total);
                let piece = file.slice_with_f64_and_f64(offset, end).map_err(|_| unreadable())?;
                let bytes =
                    wasm_bindgen_futures::JsFuture::from(piece.array_buffer()).await.map_err(|_| unreadable())?;
                let body = js_sys::Uint8Array::new(&bytes);
                let headers = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&headers, &"stage-id".into(), &id.as_str().into());
                let _ = js_sys::Reflect::set(&headers, &"offset".into(), &(offset as u64).to_string().into());
                let options = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&options, &"headers".into(), &headers);
                match bridge::invoke_raw("stage_file", body.unchecked_into(), options.into()).await {
                    Ok(value) => path = value.as_string().unwrap_or_default(),
                    Err(error) => return Err(from_js(&error).unwrap_or_else(|e| e)),
                }
                offset = end;
                progress(offset as u64, total as u64);
                if total == 0.0 {
                    break;
                }
            }
            Ok(path)
        })
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn stage_file(&self, _: FileData, _: Progress) -> Done<String> {
        Box::pin(async { Err(protocol("files are copied only inside the app window".to_owned())) })
    }

    #[cfg(target_arch = "wasm32")]
    fn release_file(&self, path: &str) {
        let id = std::path::Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        wasm_bindgen_futures::spawn_local(async move {
            if let Ok(args) = to_js(&serde_json::json!({ "id": id })) {
                let _ = bridge::invoke("release_file", args).await;
            }
        });
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn release_file(&self, _: &str) {}

    #[cfg(target_arch = "wasm32")]
    fn save_file(&self, name: &str, bytes: Vec<u8>) -> Done<String> {
        use wasm_bindgen::JsCast as _;
        let name = name.to_owned();
        Box::pin(async move {
            let body = js_sys::Uint8Array::from(bytes.as_slice());
            let headers = js_sys::Object::new();
            // Header values are ASCII: the name travels percent-encoded.
            let encoded = String::from(js_sys::encode_uri_component(&name));
            let _ = js_sys::Reflect::set(&headers, &"file-name".into(), &encoded.into());
            let options = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&options, &"headers".into(), &headers);
            match bridge::invoke_raw("save_file", body.unchecked_into(), options.into()).await {
                Ok(value) => Ok(value.as_string().unwrap_or_default()),
                Err(error) => Err(from_js(&error).unwrap_or_else(|e| e)),
            }
        })
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn save_file(&self, _: &str, _: Vec<u8>) -> Done<String> {
        Box::pin(async { Err(protocol("files are saved only inside the app window".to_owned())) })
    }
}

/// A fresh name for a copied file.
#[cfg(target_arch = "wasm32")]
fn stage_id() -> String {
    let random = || format!("{:08x}", (js_sys::Math::random() * f64::from(u32::MAX)) as u32);
    format!("{}-{}-{}", random(), random(), random())
}

#[cfg(target_arch = "wasm32")]
fn unreadable() -> Error {
    protocol("the picked file cannot be read".to_owned())
}
