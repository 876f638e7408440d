//! One tab at a time: a Web Lock held for the worker's whole life. SQLite's files in OPFS are
//! opened with exclusive access handles, so a second tab could not open them anyway; with the
//! lock it waits politely and takes over when the first tab closes.

use wasm_bindgen::prelude::*;

const NAME: &str = "tallschool-store";

/// Take the lock. `on_wait` is called if another tab holds it; then this waits until it is
/// free. Errors when the browser has no Web Locks (then one tab at a time is not guarded).
pub async fn take(on_wait: impl FnOnce()) -> Result<(), JsValue> {
    // A reloaded page's previous worker lets go a moment after the new one asks: a second
    // tab is only said to hold the store once it has held it for a while.
    for _ in 0..GRACE_TRIES {
        if try_take(true).await? {
            return Ok(());
        }
        tallschool_client::platform::sleep(std::time::Duration::from_millis(250)).await;
    }
    on_wait();
    try_take(false).await.map(|_| ())
}

/// Tries (250 ms apart) before the person is told the app is open elsewhere.
const GRACE_TRIES: u32 = 4;

/// Ask for the lock (`at_once`: only if it is free now); whether it was given. A lock given is
/// never released: the callback's promise never settles.
async fn try_take(at_once: bool) -> Result<bool, JsValue> {
    let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into())?;
    let locks = js_sys::Reflect::get(&navigator, &"locks".into())?;
    if locks.is_undefined() {
        return Err("this browser has no Web Locks".into());
    }
    let request: js_sys::Function = js_sys::Reflect::get(&locks, &"request".into())?.unchecked_into();
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"ifAvailable".into(), &at_once.into())?;
    let (given, told) = futures_channel::oneshot::channel::<bool>();
    let callback = Closure::once_into_js(move |lock: JsValue| -> js_sys::Promise {
        let got = !lock.is_null();
        let _ = given.send(got);
        if got { js_sys::Promise::new(&mut |_, _| {}) } else { js_sys::Promise::resolve(&JsValue::UNDEFINED) }
    });
    // The promise `request` returns settles only when the lock is let go: not awaited.
    let _ = request.call3(&locks, &NAME.into(), &options, &callback)?;
    Ok(told.await.unwrap_or(false))
}
