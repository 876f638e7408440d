// Starts the admin dashboard: the same screens' code, which draws the dashboard on /admin. No
// engine worker and no service worker: the dashboard is a client of the server's API only.
import init from "./tallschool-ui.js";

await init({ module_or_path: new URL("./tallschool-ui_bg.wasm", import.meta.url) });
