//! The few things the screens ask of the page itself (time, timers, the selection, where the
//! reader is scrolled), in one place. Outside a browser (the native unit tests) they do nothing.

/// Seconds since 1970.
pub fn now() -> i64 {
    #[cfg(target_arch = "wasm32")]
    return (js_sys::Date::now() / 1000.0) as i64;
    #[cfg(not(target_arch = "wasm32"))]
    return 0;
}

/// A Unix time as the day it falls on here, the way people write it in the app's language
/// ("Fri, 4 Dec", "пт, 4 дек.").
pub fn local_date(at: i64) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64 * 1000.0));
        let options = js_sys::Object::new();
        for (key, value) in [("weekday", "short"), ("day", "numeric"), ("month", "short")] {
            let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
        }
        return String::from(date.to_locale_date_string(&date_locale(), &options));
    }
    #[cfg(not(target_arch = "wasm32"))]
    at.to_string()
}

/// The locale dates are written in: the system's own when it is a variant of the app's
/// language (en-US keeps "Dec 4"), else the app's language.
#[cfg(target_arch = "wasm32")]
fn date_locale() -> String {
    let lang = crate::i18n::current().tag();
    system_languages().into_iter().find(|tag| tag.split('-').next() == Some(lang)).unwrap_or_else(|| lang.to_owned())
}

/// The person's languages as the system lists them, best first (`["ru-RU", "en"]`).
pub fn system_languages() -> Vec<String> {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(window) = web_sys::window() else { return Vec::new() };
        let navigator = window.navigator();
        let mut out: Vec<String> = navigator.languages().iter().filter_map(|v| v.as_string()).collect();
        if out.is_empty()
            && let Some(one) = navigator.language()
        {
            out.push(one);
        }
        return out;
    }
    #[cfg(not(target_arch = "wasm32"))]
    Vec::new()
}

/// A choice kept in the window's own storage on this device (the server address, the
/// language, the theme).
pub fn stored(key: &str) -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    return web_sys::window()?.local_storage().ok()??.get_item(key).ok()?;
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = key;
        None
    }
}

pub fn store(key: &str, value: &str) {
    #[cfg(target_arch = "wasm32")]
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(key, value);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (key, value);
}

/// Set an attribute of the page's root element (`lang`, `data-theme`); `None` removes it.
pub fn set_root_attribute(name: &str, value: Option<&str>) {
    #[cfg(target_arch = "wasm32")]
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = match value {
            Some(value) => root.set_attribute(name, value),
            None => root.remove_attribute(name),
        };
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (name, value);
}

/// The last second of a day picked in a date field ("2026-12-04"), in this computer's time
/// zone; `None` if the text is not a date.
pub fn end_of_local_day(date: &str) -> Option<i64> {
    let utc_end = tallschool_shared::dates::parse_due(date).filter(|_| date.contains('-'))?;
    #[cfg(target_arch = "wasm32")]
    {
        // Minutes to add to local time to get UTC, on that day (summer time included).
        let minutes =
            js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(utc_end as f64 * 1000.0)).get_timezone_offset();
        return Some(utc_end + (minutes * 60.0) as i64);
    }
    #[cfg(not(target_arch = "wasm32"))]
    Some(utc_end)
}

/// Wait `ms` milliseconds without blocking the page.
pub async fn sleep(ms: i32) {
    #[cfg(target_arch = "wasm32")]
    {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = ms;
}

/// The text the person has selected, trimmed; `None` when nothing is.
pub fn selected_text() -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        let selection = web_sys::window()?.get_selection().ok()??;
        let text = String::from(selection.to_string()).trim().to_owned();
        return (!text.is_empty()).then_some(text);
    }
    #[cfg(not(target_arch = "wasm32"))]
    None
}

/// The first index in `0..len` where `past(i)` holds, for a `past` that is false and then true
/// (blocks in document order: below the top edge from some block on). `len` if none.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code, reason = "only the page's code calls it"))]
pub fn first_past(len: u32, mut past: impl FnMut(u32) -> bool) -> u32 {
    let (mut low, mut high) = (0, len);
    while low < high {
        let mid = low + (high - low) / 2;
        if past(mid) { high = mid } else { low = mid + 1 }
    }
    low
}

/// The start offset (`data-offset`) of the first block under `selector` still visible at the
/// top of the scrolling element `scroller`. Blocks are in document order, so a binary search
/// reads a few of them per scroll event, not all (a novel has thousands).
pub fn first_visible_offset(scroller: &str, selector: &str) -> Option<u64> {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast as _;
        let document = web_sys::window()?.document()?;
        let top = document.get_element_by_id(scroller)?.get_bounding_client_rect().top();
        let blocks = document.query_selector_all(selector).ok()?;
        let block = |i: u32| blocks.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok());
        // The first block whose bottom is below the top edge is the one being read.
        let found = first_past(blocks.length(), |i| {
            block(i).is_some_and(|b| b.get_bounding_client_rect().bottom() > top + 1.0)
        });
        let at = found.min(blocks.length().saturating_sub(1));
        return block(at)?.get_attribute("data-offset").and_then(|o| o.parse().ok());
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (scroller, selector);
        None
    }
}

/// Scroll `scroller` so that the last block under `selector` starting at or before `offset`
/// is at its top.
pub fn scroll_to_offset(scroller: &str, selector: &str, offset: u64) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast as _;
        let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
        let (Some(scroll), Ok(blocks)) = (document.get_element_by_id(scroller), document.query_selector_all(selector))
        else {
            return;
        };
        let mut target = None;
        for i in 0..blocks.length() {
            let Some(block) = blocks.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) else { continue };
            match block.get_attribute("data-offset").and_then(|o| o.parse::<u64>().ok()) {
                Some(start) if start <= offset => target = Some(block),
                _ => break,
            }
        }
        if let Some(block) = target {
            let delta = block.get_bounding_client_rect().top() - scroll.get_bounding_client_rect().top();
            scroll.set_scroll_top(scroll.scroll_top() + delta as i32);
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (scroller, selector, offset);
}

/// Scroll the element with id `id` into view (once it is on screen).
pub async fn reveal(id: &str) {
    sleep(0).await;
    #[cfg(target_arch = "wasm32")]
    if let Some(element) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id)) {
        element.scroll_into_view_with_bool(false);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = id;
}

/// The page's `<video>` or `<audio>` element with id `id`.
#[cfg(target_arch = "wasm32")]
fn media(id: &str) -> Option<web_sys::HtmlMediaElement> {
    use wasm_bindgen::JsCast as _;
    web_sys::window()?.document()?.get_element_by_id(id)?.dyn_into().ok()
}

/// Where the media element `id` is playing, in seconds (0 outside a browser).
pub fn media_time(id: &str) -> f64 {
    #[cfg(target_arch = "wasm32")]
    return media(id).map_or(0.0, |m| m.current_time());
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = id;
        0.0
    }
}

/// Move the media element `id` to `seconds`.
pub fn set_media_time(id: &str, seconds: f64) {
    #[cfg(target_arch = "wasm32")]
    if let Some(m) = media(id) {
        m.set_current_time(seconds);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (id, seconds);
}

/// Play (`true`) or pause the media element `id`.
pub fn set_media_playing(id: &str, playing: bool) {
    #[cfg(target_arch = "wasm32")]
    if let Some(m) = media(id) {
        if playing {
            // Refused (no user gesture) or interrupted plays simply leave it paused.
            let _ = m.play();
        } else {
            let _ = m.pause();
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (id, playing);
}

pub fn set_media_rate(id: &str, rate: f64) {
    #[cfg(target_arch = "wasm32")]
    if let Some(m) = media(id) {
        m.set_playback_rate(rate);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (id, rate);
}

/// The media element's length in seconds, once known.
pub fn media_duration(id: &str) -> Option<f64> {
    #[cfg(target_arch = "wasm32")]
    return media(id).map(|m| m.duration()).filter(|d| d.is_finite() && *d > 0.0);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = id;
        None
    }
}

/// A page address for a file the person picked (a preview before it is uploaded).
pub fn object_url(file: &dioxus::html::FileData) -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    return web_sys::Url::create_object_url_with_blob(file.inner().downcast_ref::<web_sys::File>()?).ok();
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = file;
        None
    }
}

/// Focus the element with id `id` (once it is on screen).
pub async fn focus(id: &str) {
    sleep(0).await;
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast as _;
        if let Some(element) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = id;
}

#[cfg(test)]
mod tests {
    use super::first_past;

    #[test]
    fn the_first_block_below_the_edge_is_found_by_halving() {
        let bottoms = [10, 20, 30, 40, 50];
        let mut reads = 0;
        let found = first_past(5, |i| {
            reads += 1;
            bottoms[i as usize] > 25
        });
        assert_eq!(found, 2);
        assert!(reads <= 3, "{reads} blocks read");
        assert_eq!(first_past(5, |_| false), 5, "scrolled past the end: none");
        assert_eq!(first_past(5, |_| true), 0);
        assert_eq!(first_past(0, |_| true), 0);
    }
}

/// Whether the page's `window` has a property (the Tauri shell's `__TAURI__`).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub fn window_has(name: &str) -> bool {
    #[cfg(target_arch = "wasm32")]
    return web_sys::window().and_then(|w| js_sys::Reflect::has(&w, &name.into()).ok()).unwrap_or(false);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = name;
        false
    }
}

/// How much this site stores in the browser and how much it may (`navigator.storage.estimate`),
/// and whether the browser promised to keep it (`persisted`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BrowserStorage {
    pub used: u64,
    pub quota: u64,
    pub persistent: bool,
}

/// This site's storage in the browser, if the browser says.
pub async fn browser_storage() -> Option<BrowserStorage> {
    #[cfg(target_arch = "wasm32")]
    {
        let storage = storage_manager()?;
        let estimate = call_promise(&storage, "estimate").await?;
        let number = |key: &str| js_sys::Reflect::get(&estimate, &key.into()).ok().and_then(|v| v.as_f64());
        let persistent = call_promise(&storage, "persisted").await.is_some_and(|v| v.is_truthy());
        return Some(BrowserStorage {
            used: number("usage").unwrap_or(0.0) as u64,
            quota: number("quota").unwrap_or(0.0) as u64,
            persistent,
        });
    }
    #[cfg(not(target_arch = "wasm32"))]
    None
}

/// Ask the browser to keep this site's data even when space runs low; whether it will.
pub async fn ask_persistent_storage() -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(storage) = storage_manager() else { return false };
        return call_promise(&storage, "persist").await.is_some_and(|v| v.is_truthy());
    }
    #[cfg(not(target_arch = "wasm32"))]
    false
}

#[cfg(target_arch = "wasm32")]
fn storage_manager() -> Option<wasm_bindgen::JsValue> {
    let navigator = js_sys::Reflect::get(&web_sys::window()?.into(), &"navigator".into()).ok()?;
    js_sys::Reflect::get(&navigator, &"storage".into()).ok().filter(|s| !s.is_undefined())
}

/// Call `object.method()`, which returns a promise, and wait for its value.
#[cfg(target_arch = "wasm32")]
async fn call_promise(object: &wasm_bindgen::JsValue, method: &str) -> Option<wasm_bindgen::JsValue> {
    use wasm_bindgen::JsCast as _;
    let function: js_sys::Function = js_sys::Reflect::get(object, &method.into()).ok()?.dyn_into().ok()?;
    let promise: js_sys::Promise = function.call0(object).ok()?.dyn_into().ok()?;
    wasm_bindgen_futures::JsFuture::from(promise).await.ok()
}

/// An iPhone or iPad browsing the app in Safari rather than from the Home Screen: Safari
/// deletes a site's data after 7 days without a visit, unless it is added to the Home Screen.
pub fn ios_browser_tab() -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(window) = web_sys::window() else { return false };
        let agent = window.navigator().user_agent().unwrap_or_default();
        let apple = ["iPhone", "iPad", "iPod"].iter().any(|device| agent.contains(device));
        let standalone = js_sys::Reflect::get(&window.navigator(), &"standalone".into()).is_ok_and(|v| v.is_truthy());
        return apple && !standalone;
    }
    #[cfg(not(target_arch = "wasm32"))]
    false
}

/// Call `listener` when a new version of the web app is ready (its service worker waits);
/// `start.js` announces it with the page event `tallschool-update`.
pub fn on_update_ready(listener: impl Fn() + 'static) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast as _;
        let Some(window) = web_sys::window() else { return };
        if window_has("__tallschoolUpdateReady") {
            listener();
        }
        let callback = wasm_bindgen::closure::Closure::<dyn Fn()>::new(listener);
        let _ = window.add_event_listener_with_callback("tallschool-update", callback.as_ref().unchecked_ref());
        callback.forget();
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = listener;
}

/// Switch to the waiting version: the page reloads once it has taken over (`start.js`).
pub fn apply_update() {
    #[cfg(target_arch = "wasm32")]
    if let Some(window) = web_sys::window()
        && let Ok(update) = js_sys::Reflect::get(&window, &"__tallschoolUpdate".into())
        && let Ok(update) = wasm_bindgen::JsCast::dyn_into::<js_sys::Function>(update)
    {
        let _ = update.call0(&window);
    }
}
