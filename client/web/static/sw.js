// TallSchool's service worker: the app's files are kept in a cache named after their version,
// so the app opens with no network, and a new version is fetched whole before it is used.
// Requests to the API (/api/) always go to the network: the engine handles being offline.
const VERSION = "__VERSION__";
const CACHE = `tallschool-${VERSION}`;
const FILES = __FILES__;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(FILES.map((path) => new Request(path, { cache: "reload" })))),
  );
  // No skipWaiting here: a new version waits until the page asks for it ("Reload to update").
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith("tallschool-") && name !== CACHE).map((name) => caches.delete(name)),
      ))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "update") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    // The app is the one page at "/"; other pages of the server (an admin's) are not its own.
    if (url.pathname !== "/" && url.pathname !== "/index.html") return;
    event.respondWith(caches.match("/", { cacheName: CACHE }).then((page) => page || fetch(request)));
    return;
  }
  event.respondWith(caches.match(request, { cacheName: CACHE }).then((file) => file || fetch(request)));
});
