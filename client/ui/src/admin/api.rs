//! The dashboard's only way to the server: its REST API on the page's own origin, with the
//! signed-in admin's access token, the API's own types, and the API's error messages. The
//! server checks every action; the dashboard only hides what it knows the role cannot do.

use serde::Serialize;
use serde::de::DeserializeOwned;
use tallschool_shared::ErrorBody;

/// What went wrong with a call, as the admin should read it.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiFailure {
    pub status: u16,
    /// The API's stable code (`reauth_required`, `validation_failed`, …); empty when the
    /// server was not reached.
    pub code: String,
    pub message: String,
}

impl ApiFailure {
    pub fn needs_reauth(&self) -> bool {
        self.code == "reauth_required"
    }
}

/// A body to send: JSON, or text with its type (a CSV file). (Only a browser sends them.)
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub enum Body {
    None,
    Json(String),
    Text { content_type: &'static str, text: String },
}

impl Body {
    pub fn json(value: &impl Serialize) -> Body {
        Body::Json(serde_json::to_string(value).unwrap_or_default())
    }
}

/// Call the API; the answer's JSON as `T` (`()` for an empty answer).
pub async fn call<T: DeserializeOwned>(
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Body,
) -> Result<T, ApiFailure> {
    let (status, text) = exchange(method, path, token, body).await?;
    if (200..300).contains(&status) {
        let text = if text.trim().is_empty() { "null" } else { text.as_str() };
        return serde_json::from_str(text).map_err(|e| ApiFailure {
            status,
            code: "unexpected_answer".to_owned(),
            message: format!("the server answered something unexpected: {e}"),
        });
    }
    Err(match serde_json::from_str::<ErrorBody>(&text) {
        Ok(error) => ApiFailure { status, code: error.error.code.as_str().to_owned(), message: error.error.message },
        Err(_) => ApiFailure { status, code: String::new(), message: format!("the server answered {status}") },
    })
}

#[cfg(target_arch = "wasm32")]
async fn exchange(method: &str, path: &str, token: Option<&str>, body: Body) -> Result<(u16, String), ApiFailure> {
    use wasm_bindgen::JsCast as _;
    let unreachable = |_| ApiFailure {
        status: 0,
        code: String::new(),
        message: "the server cannot be reached; check the connection and try again".to_owned(),
    };
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(unreachable)?;
    if let Some(token) = token {
        headers.set("authorization", &format!("Bearer {token}")).map_err(unreachable)?;
    }
    match body {
        Body::None => {}
        Body::Json(json) => {
            headers.set("content-type", "application/json").map_err(unreachable)?;
            init.set_body(&json.into());
        }
        Body::Text { content_type, text } => {
            headers.set("content-type", content_type).map_err(unreachable)?;
            init.set_body(&wasm_bindgen::JsValue::from_str(&text));
        }
    }
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(path, &init).map_err(unreachable)?;
    let window = web_sys::window().ok_or_else(|| unreachable(wasm_bindgen::JsValue::NULL))?;
    let answer =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_request(&request)).await.map_err(unreachable)?;
    let response: web_sys::Response = answer.dyn_into().map_err(unreachable)?;
    let text =
        wasm_bindgen_futures::JsFuture::from(response.text().map_err(unreachable)?).await.map_err(unreachable)?;
    Ok((response.status(), text.as_string().unwrap_or_default()))
}

/// Outside a browser there is no dashboard (the native build only checks the code).
#[cfg(not(target_arch = "wasm32"))]
async fn exchange(method: &str, path: &str, token: Option<&str>, body: Body) -> Result<(u16, String), ApiFailure> {
    let _ = (method, path, token, body);
    Err(ApiFailure { status: 0, code: String::new(), message: "the dashboard runs in a browser".to_owned() })
}

/// Fetch `path` with the admin's token and hand it to the browser as a download named
/// `filename`; its size in bytes.
#[cfg(target_arch = "wasm32")]
pub async fn save_download(path: &str, token: &str, filename: &str) -> Result<u64, ApiFailure> {
    use wasm_bindgen::JsCast as _;
    let failed = |_| ApiFailure { status: 0, code: String::new(), message: "the download did not work".to_owned() };
    let init = web_sys::RequestInit::new();
    let headers = web_sys::Headers::new().map_err(failed)?;
    headers.set("authorization", &format!("Bearer {token}")).map_err(failed)?;
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(path, &init).map_err(failed)?;
    let window = web_sys::window().ok_or_else(|| failed(wasm_bindgen::JsValue::NULL))?;
    let answer = wasm_bindgen_futures::JsFuture::from(window.fetch_with_request(&request)).await.map_err(failed)?;
    let response: web_sys::Response = answer.dyn_into().map_err(failed)?;
    if !response.ok() {
        let status = response.status();
        return Err(ApiFailure { status, code: String::new(), message: format!("the server answered {status}") });
    }
    let blob: web_sys::Blob = wasm_bindgen_futures::JsFuture::from(response.blob().map_err(failed)?)
        .await
        .map_err(failed)?
        .dyn_into()
        .map_err(failed)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(failed)?;
    let document = window.document().ok_or_else(|| failed(wasm_bindgen::JsValue::NULL))?;
    let link: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(failed)?.dyn_into().map_err(|_| failed(wasm_bindgen::JsValue::NULL))?;
    link.set_href(&url);
    link.set_download(filename);
    link.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(blob.size() as u64)
}

#[cfg(not(target_arch = "wasm32"))]
pub async fn save_download(path: &str, token: &str, filename: &str) -> Result<u64, ApiFailure> {
    let _ = (path, token, filename);
    Err(ApiFailure { status: 0, code: String::new(), message: "the dashboard runs in a browser".to_owned() })
}
