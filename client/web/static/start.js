// Starts the web app: the service worker (the app opens offline; a new version waits until the
// person reloads), the browser's promise to keep the data, then the screens. The screens start
// the engine's worker from the address set here.
import init from "./tallschool-ui.js";

window.__TALLSCHOOL_WORKER__ = new URL("./engine-worker.js", import.meta.url).href;

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
