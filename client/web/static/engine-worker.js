// TallSchool's engine in a dedicated worker (started by the window as a module worker).
// Messages sent while the engine's code loads wait here and are answered once it runs.
import init, { start } from "./tallschool_web.js";

const early = [];
self.onmessage = (message) => early.push(message.data);
await init({ module_or_path: new URL("./tallschool_web_bg.wasm", import.meta.url) });
start(early);
