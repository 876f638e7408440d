//! The web app's engine, in a dedicated browser worker (`client/web`): requests and answers as
//! the contract's [`ToWorker`] / [`FromWorker`] messages through `postMessage`. The media cache
//! is in the Origin Private File System, which the window reads itself (a file there becomes a
//! `blob:` address); picked files go to the worker as the browser's own `File` objects.

use super::*;

/// The engine in a browser worker.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub struct WorkerEngine {
    #[cfg(target_arch = "wasm32")]
    inner: Rc<web::Inner>,
}

impl WorkerEngine {
    /// The worker the page started (`window.__TALLSCHOOL_ENGINE__ = {worker, early}`: the
    /// worker, and what it said before the screens were running), else a new one.
    #[cfg(target_arch = "wasm32")]
    pub fn attach() -> WorkerEngine {
        WorkerEngine { inner: web::Inner::attach() }
    }
}

#[cfg(target_arch = "wasm32")]
mod web {
    use std::cell::{Cell, RefCell};
    use std::collections::HashMap;
    use std::rc::Rc;

    use futures_channel::oneshot;
    use tallschool_contract::worker::{FromWorker, ToWorker};
    use tallschool_contract::{Error, Event, Request, Response};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::JsFuture;

    use super::super::{Availability, protocol};

    type Reply = oneshot::Sender<Result<Response, Error>>;
    type Listeners<T> = RefCell<Vec<Rc<dyn Fn(T)>>>;

    pub struct Inner {
        worker: Option<web_sys::Worker>,
        next_id: Cell<u64>,
        replies: RefCell<HashMap<u64, Reply>>,
        listeners: Listeners<Event>,
        watchers: Listeners<Availability>,
        availability: RefCell<Availability>,
        /// Addresses made for cached files, by path (made once per file and page).
        urls: RefCell<HashMap<String, String>>,
    }

    impl Inner {
        pub fn attach() -> Rc<Inner> {
            let started = web_sys::window()
                .and_then(|w| js_sys::Reflect::get(&w, &"__TALLSCHOOL_ENGINE__".into()).ok())
                .filter(|v| v.is_object());
            let field = |name: &str| started.as_ref().and_then(|s| js_sys::Reflect::get(s, &name.into()).ok());
            let early: Vec<String> = field("early")
                .map(|e| js_sys::Array::from(&e).iter().filter_map(|m| m.as_string()).collect())
                .unwrap_or_default();
            let worker = match field("worker").and_then(|w| w.dyn_into::<web_sys::Worker>().ok()) {
                Some(worker) => Ok(worker),
                None => {
                    let options = web_sys::WorkerOptions::new();
                    options.set_type(web_sys::WorkerType::Module);
                    web_sys::Worker::new_with_options("engine-worker.js", &options)
                }
            };
            let failed = worker.as_ref().err().map(|e| format!("the engine could not start: {e:?}"));
            let inner = Rc::new(Inner {
                worker: worker.ok(),
                next_id: Cell::new(1),
                replies: RefCell::default(),
                listeners: RefCell::default(),
                watchers: RefCell::default(),
                availability: RefCell::new(failed.map_or(Availability::Starting, Availability::Failed)),
                urls: RefCell::default(),
            });
            if let Some(worker) = &inner.worker {
                let weak = Rc::downgrade(&inner);
                let on_message =
                    Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |message: web_sys::MessageEvent| {
                        if let (Some(inner), Some(text)) = (weak.upgrade(), message.data().as_string()) {
                            inner.receive(&text);
                        }
                    });
                worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
                on_message.forget();
                let weak = Rc::downgrade(&inner);
                let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |error: web_sys::ErrorEvent| {
                    if let Some(inner) = weak.upgrade() {
                        inner.fail(format!("the engine stopped: {}", error.message()));
                    }
                });
                worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
                on_error.forget();
            }
            // What the worker said before the screens listened, in order.
            for text in early {
                inner.receive(&text);
            }
            inner
        }

        fn receive(&self, text: &str) {
            match serde_json::from_str::<FromWorker>(text) {
                Ok(FromWorker::Answer { id, result }) => {
                    if let Some(reply) = self.replies.borrow_mut().remove(&id) {
                        let _ = reply.send(result);
                    }
                }
                Ok(FromWorker::Event { event }) => {
                    let listeners = self.listeners.borrow().clone();
                    for listener in listeners {
                        listener(event.clone());
                    }
                }
                Ok(FromWorker::Ready) => {
                    // When the engine could answer (the benchmark reads where an opening's time goes).
                    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
                        let _ = performance.mark("tallschool-engine-ready");
                    }
                    self.set(Availability::Ready)
                }
                Ok(FromWorker::OpenElsewhere) => self.set(Availability::OpenElsewhere),
                Ok(FromWorker::Failed { message }) => self.fail(message),
                Err(error) => web_sys::console::error_1(&format!("TallSchool: unreadable answer: {error}").into()),
            }
        }

        fn set(&self, now: Availability) {
            *self.availability.borrow_mut() = now.clone();
            let watchers = self.watchers.borrow().clone();
            for watcher in watchers {
                watcher(now.clone());
            }
        }

        /// The engine cannot run: every waiting request fails, and every later one.
        fn fail(&self, message: String) {
            for (_, reply) in self.replies.borrow_mut().drain() {
                let _ = reply.send(Err(protocol(message.clone())));
            }
            self.set(Availability::Failed(message));
        }

        fn send(&self, message: &ToWorker) -> Result<(), Error> {
            let text = serde_json::to_string(message).map_err(|e| protocol(e.to_string()))?;
            let worker = self.worker.as_ref().ok_or_else(|| protocol("the engine is not running".to_owned()))?;
            worker.post_message(&text.into()).map_err(|_| protocol("the engine is not running".to_owned()))
        }

        pub async fn call(&self, request: Request) -> Result<Response, Error> {
            if let Availability::Failed(message) = &*self.availability.borrow() {
                return Err(protocol(message.clone()));
            }
            let id = self.next_id.get();
            self.next_id.set(id + 1);
            let (reply, answer) = oneshot::channel();
            self.replies.borrow_mut().insert(id, reply);
            if let Err(error) = self.send(&ToWorker::Call { id, request }) {
                self.replies.borrow_mut().remove(&id);
                return Err(error);
            }
            answer.await.unwrap_or_else(|_| Err(protocol("the engine stopped".to_owned())))
        }

        pub fn subscribe(&self, listener: Rc<dyn Fn(Event)>) {
            self.listeners.borrow_mut().push(listener);
        }

        pub fn watch(&self, watcher: Rc<dyn Fn(Availability)>) {
            let now = self.availability.borrow().clone();
            self.watchers.borrow_mut().push(watcher.clone());
            watcher(now);
        }

        /// A file the person picked, handed to the worker under `name`.
        pub fn pick(&self, name: &str, file: &web_sys::File) -> Result<(), Error> {
            let message = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&message, &"pick".into(), &name.into());
            let _ = js_sys::Reflect::set(&message, &"file".into(), file);
            let worker = self.worker.as_ref().ok_or_else(|| protocol("the engine is not running".to_owned()))?;
            worker.post_message(&message).map_err(|_| protocol("the picked file could not be handed over".to_owned()))
        }

        pub fn release(&self, name: &str) {
            let _ = self.send(&ToWorker::Release { name: name.to_owned() });
        }

        /// A `blob:` address for a file of the media cache in OPFS (made once per file).
        pub async fn file_url(&self, path: &str) -> Result<String, Error> {
            if let Some(url) = self.urls.borrow().get(path) {
                return Ok(url.clone());
            }
            let missing = || protocol("that file is not on this device (yet)".to_owned());
            let path_buf = std::path::Path::new(path);
            let (Some(folder), Some(name)) = (path_buf.parent(), path_buf.file_name().and_then(|n| n.to_str())) else {
                return Err(missing());
            };
            let window = web_sys::window().ok_or_else(missing)?;
            let mut handle: web_sys::FileSystemDirectoryHandle =
                JsFuture::from(window.navigator().storage().get_directory())
                    .await
                    .map_err(|_| missing())?
                    .unchecked_into();
            for part in folder.iter().filter_map(|p| p.to_str()).filter(|p| !p.is_empty() && *p != "/") {
                handle =
                    JsFuture::from(handle.get_directory_handle(part)).await.map_err(|_| missing())?.unchecked_into();
            }
            let file: web_sys::FileSystemFileHandle =
                JsFuture::from(handle.get_file_handle(name)).await.map_err(|_| missing())?.unchecked_into();
            let file: web_sys::File = JsFuture::from(file.get_file()).await.map_err(|_| missing())?.unchecked_into();
            let url = web_sys::Url::create_object_url_with_blob(&file).map_err(|_| missing())?;
            self.urls.borrow_mut().insert(path.to_owned(), url.clone());
            Ok(url)
        }
    }

    /// Hand `bytes` to the browser as a download named `name`.
    pub fn download(name: &str, bytes: &[u8]) -> Result<(), Error> {
        let failed = || protocol("the browser would not save the file".to_owned());
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
        let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(|_| failed())?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| failed())?;
        let document = web_sys::window().and_then(|w| w.document()).ok_or_else(failed)?;
        let link: web_sys::HtmlAnchorElement = document.create_element("a").map_err(|_| failed())?.unchecked_into();
        link.set_href(&url);
        link.set_download(name);
        link.click();
        // The browser has taken the file once the click is handled.
        let revoke = Closure::once_into_js(move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        });
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000);
        }
        Ok(())
    }
}

impl Engine for WorkerEngine {
    #[cfg(target_arch = "wasm32")]
    fn call(&self, request: Request) -> Answer {
        let inner = self.inner.clone();
        Box::pin(async move { inner.call(request).await })
    }

    #[cfg(target_arch = "wasm32")]
    fn subscribe(&self, listener: Rc<dyn Fn(Event)>) {
        self.inner.subscribe(listener);
    }

    #[cfg(target_arch = "wasm32")]
    fn watch_availability(&self, listener: Rc<dyn Fn(Availability)>) {
        self.inner.watch(listener);
    }

    /// The web app talks to the server that serves it.
    #[cfg(target_arch = "wasm32")]
    fn fixed_server(&self) -> Option<String> {
        web_sys::window().and_then(|w| w.location().origin().ok())
    }

    #[cfg(target_arch = "wasm32")]
    fn file_url(&self, path: &str) -> Done<String> {
        let (inner, path) = (self.inner.clone(), path.to_owned());
        Box::pin(async move { inner.file_url(&path).await })
    }

    #[cfg(target_arch = "wasm32")]
    fn stage_file(&self, file: FileData, progress: Progress) -> Done<String> {
        let inner = self.inner.clone();
        Box::pin(async move {
            let Some(file) = file.inner().downcast_ref::<web_sys::File>().cloned() else {
                return Err(protocol("the picked file cannot be read".to_owned()));
            };
            let name = format!("{:016x}", (js_sys::Math::random() * 9.0e15) as u64);
            inner.pick(&name, &file)?;
            // The worker reads the browser's own copy: nothing to wait for.
            let size = file.size() as u64;
            progress(size, size);
            Ok(tallschool_contract::worker::picked_path(&name))
        })
    }

    #[cfg(target_arch = "wasm32")]
    fn release_file(&self, path: &str) {
        self.inner.release(path.rsplit('/').next().unwrap_or(path));
    }

    #[cfg(target_arch = "wasm32")]
    fn save_file(&self, name: &str, bytes: Vec<u8>) -> Done<String> {
        let name = name.to_owned();
        Box::pin(async move {
            web::download(&name, &bytes)?;
            Ok(name)
        })
    }

    // Natively (the screens' unit tests) there is no browser to run a worker in.
    #[cfg(not(target_arch = "wasm32"))]
    fn call(&self, _: Request) -> Answer {
        Box::pin(async { Err(protocol("the web engine runs only in a browser".to_owned())) })
    }
    #[cfg(not(target_arch = "wasm32"))]
    fn subscribe(&self, _: Rc<dyn Fn(Event)>) {}
    #[cfg(not(target_arch = "wasm32"))]
    fn file_url(&self, path: &str) -> Done<String> {
        let path = path.to_owned();
        Box::pin(async move { Ok(path) })
    }
    #[cfg(not(target_arch = "wasm32"))]
    fn stage_file(&self, _: FileData, _: Progress) -> Done<String> {
        Box::pin(async { Err(protocol("files are picked only in a browser".to_owned())) })
    }
    #[cfg(not(target_arch = "wasm32"))]
    fn release_file(&self, _: &str) {}
    #[cfg(not(target_arch = "wasm32"))]
    fn save_file(&self, _: &str, _: Vec<u8>) -> Done<String> {
        Box::pin(async { Err(protocol("files are saved only in a browser".to_owned())) })
    }
}
