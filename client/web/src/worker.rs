//! The worker's life: take the store's lock, open the store on OPFS, then answer the window's
//! messages and tell it every event, and sync in the background.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use tallschool_client::{Core, background};
use tallschool_contract::worker::{FromWorker, ToWorker};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// Where the device's data lives: a name for SQLite's files (kept by the VFS) and the OPFS
/// folder of the media cache (`/tallschool/media`).
const DATA_DIR: &str = "/tallschool";

/// Every file SQLite may have open at once: the store and the small private files, each with
/// its rollback journal, and room to spare. The pool cannot grow while SQLite runs.
const STORE_FILES: u32 = 12;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(message: &FromWorker) {
    match serde_json::to_string(message) {
        Ok(text) => {
            if let Err(error) = scope().post_message(&text.into()) {
                web_sys::console::error_2(&"TallSchool: a message to the window was lost".into(), &error);
            }
        }
        Err(error) => web_sys::console::error_1(&format!("TallSchool: unsendable message: {error}").into()),
    }
}

/// Messages that arrived before the engine was open, then the engine.
#[derive(Default)]
struct State {
    waiting: RefCell<Vec<JsValue>>,
    running: RefCell<Option<Core>>,
}

/// Start the engine; `early` holds the messages the window sent while this module loaded.
#[wasm_bindgen]
pub async fn start(early: js_sys::Array) {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("TallSchool's engine stopped: {info}").into());
        post(&FromWorker::Failed { message: info.to_string() });
    }));
    let state = Rc::new(State::default());
    state.waiting.borrow_mut().extend(early.iter());
    let receiver = state.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
        receive(&receiver, message.data());
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();

    if let Err(error) = crate::store_lock::take(|| post(&FromWorker::OpenElsewhere)).await {
        // Without Web Locks a second tab fails to open the store below, and says so.
        web_sys::console::warn_2(&"TallSchool: one tab at a time is not guarded".into(), &error);
    }
    let core = match open().await {
        Ok(core) => core,
        Err(message) => {
            post(&FromWorker::Failed { message });
            return;
        }
    };
    core.subscribe(|event| post(&FromWorker::Event { event: event.clone() }));
    let wake = background::waker(&core);
    *state.running.borrow_mut() = Some(core.clone());
    post(&FromWorker::Ready);
    let waiting = std::mem::take(&mut *state.waiting.borrow_mut());
    for message in waiting {
        receive(&state, message);
    }
    // The network is back: what waits goes out now, not at the next try.
    let on_online = Closure::<dyn FnMut()>::new({
        let wake = wake.clone();
        move || wake.now()
    });
    scope().set_ononline(Some(on_online.as_ref().unchecked_ref()));
    on_online.forget();
    wasm_bindgen_futures::spawn_local(background::sync_forever(core, wake));
}

/// Install the VFS (as SQLite's default) and open the store. The pool's files can be held a
/// moment longer by a worker that just closed: a few tries.
async fn open() -> Result<Core, String> {
    let config = sqlite_wasm_vfs::sahpool::OpfsSAHPoolCfgBuilder::new()
        .vfs_name("opfs-sahpool")
        .directory(".tallschool-store")
        .initial_capacity(STORE_FILES)
        .build();
    let mut tries = 0;
    loop {
        match sqlite_wasm_vfs::sahpool::install::<rusqlite::ffi::WasmOsCallback>(&config, true).await {
            Ok(_) => break,
            Err(error) if tries < 10 => {
                tries += 1;
                tracing::info!(%error, "the store's files are busy; trying again");
                tallschool_client::platform::sleep(std::time::Duration::from_millis(200)).await;
            }
            Err(error) => {
                return Err(format!(
                    "this browser's private storage cannot be opened ({error}); is TallSchool open in another tab?"
                ));
            }
        }
    }
    Core::open(Path::new(DATA_DIR)).map_err(|error| format!("the device's store cannot be opened: {error}"))
}

/// One message from the window (a JSON text, or a picked file).
fn receive(state: &Rc<State>, data: JsValue) {
    let Some(core) = state.running.borrow().clone() else {
        state.waiting.borrow_mut().push(data);
        return;
    };
    if let Some(text) = data.as_string() {
        match serde_json::from_str::<ToWorker>(&text) {
            Ok(ToWorker::Call { id, request }) => {
                wasm_bindgen_futures::spawn_local(async move {
                    let result = core.handle(request).await;
                    post(&FromWorker::Answer { id, result });
                });
            }
            Ok(ToWorker::Release { name }) => tallschool_client::platform::picked_files::release(&name),
            Err(error) => web_sys::console::error_1(&format!("TallSchool: unreadable message: {error}").into()),
        }
        return;
    }
    // `{pick: name, file}`: a file the person picked, kept until released.
    let name = js_sys::Reflect::get(&data, &"pick".into()).ok().and_then(|n| n.as_string());
    let file = js_sys::Reflect::get(&data, &"file".into()).ok().and_then(|f| f.dyn_into::<web_sys::File>().ok());
    match (name, file) {
        (Some(name), Some(file)) => {
            tallschool_client::platform::picked_files::keep(&name, file);
        }
        _ => web_sys::console::error_1(&"TallSchool: a message of an unknown kind".into()),
    }
}
