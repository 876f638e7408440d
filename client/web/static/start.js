// Starts the web app: the service worker (the app opens offline; a new version waits until the
// person reloads), the browser's promise to keep the data, the engine's worker, then the screens.
import init from "./tallschool-ui.js";

// The engine's worker starts now, while the screens' code compiles, not after it: both are
// ready sooner. What it says meanwhile waits in `early` for the screens to read.
const worker = new Worker(new URL("./engine-worker.js", import.meta.url), { type: "module" });
const early = [];
worker.onmessage = (message) => early.push(message.data);
window.__TALLSCHOOL_ENGINE__ = { worker, early };

async function startServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  const registration = await navigator.serviceWorker.register("/sw.js", { updateViaCache: "none" });
  let updating = false;
  const announce = () => {
    window.__tallschoolUpdateReady = true;
    window.dispatchEvent(new Event("tallschool-update"));
  };
  // A new version is ready once its worker is installed while this page has one in charge.
  const watch = (worker) => worker && worker.addEventListener("statechange", () => {
    if (worker.state === "installed" && navigator.serviceWorker.controller) announce();
  });
  if (registration.waiting && navigator.serviceWorker.controller) announce();
  watch(registration.installing);
  registration.addEventListener("updatefound", () => watch(registration.installing));
  window.__tallschoolUpdate = () => {
    if (!registration.waiting) return;
    updating = true;
    registration.waiting.postMessage("update");
  };
  // The new version took over: load it whole (never half old, half new).
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (updating) location.reload();
  });
  // An app left open for days still hears of new versions.
  setInterval(() => registration.update().catch(() => {}), 60 * 60 * 1000);
}

startServiceWorker().catch((error) => console.warn("TallSchool: no offline start in this browser", error));
if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
await init({ module_or_path: new URL("./tallschool-ui_bg.wasm", import.meta.url) });
