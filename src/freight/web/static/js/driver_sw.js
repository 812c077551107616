// The driver view's service worker (served at /app/driver/sw.js, scope /app/driver):
// Workbox from our own /static/vendor, no CDN. Pages are network-first with the cached
// copy when there is no signal; scripts, styles and icons are precached at install and
// kept fresh in the background; the outbox drains on Background Sync when no page is open.
/* global workbox, idb, FreightOutbox */
importScripts("/static/vendor/workbox-sw/workbox-sw.js");
workbox.setConfig({
  debug: false,
  modulePathCb: (name, debug) => `/static/vendor/${name}/${name}.${debug ? "dev" : "prod"}.js`,
});
importScripts("/static/vendor/idb/umd.js", "/static/app/js/outbox_drain.js");

const VERSION = "__ASSETS_VERSION__"; // the server's digest of the static files
const PAGES = "freight-driver-pages"; // pages keep across releases: they are the data
const DATA = "freight-driver-data";
const STATIC = `freight-driver-static-${VERSION}`;
const ASSETS = [
  "/static/app/css/app.css",
  "/static/app/css/driver.css",
  "/static/app/js/api.js",
  "/static/app/js/driver.js",
  "/static/app/js/driver_offers.js",
  "/static/app/js/driver_queue.js",
  "/static/app/js/format.js",
  "/static/app/js/live.js",
  "/static/app/js/messages.js",
  "/static/app/js/outbox.js",
  "/static/app/js/outbox_drain.js",
  "/static/app/js/session.js",
  "/static/app/js/signature.js",
  "/static/app/icons/driver-192.png",
  "/static/app/icons/driver-512.png",
  "/static/vendor/idb/index.js",
  "/static/vendor/socket.io-client/socket.io.esm.min.js",
];
const { registerRoute, setCatchHandler } = workbox.routing;
const { NetworkFirst, StaleWhileRevalidate } = workbox.strategies;
const { ExpirationPlugin } = workbox.expiration;
const { CacheableResponsePlugin } = workbox.cacheableResponse;

// A page that redirected (to sign-in) is not the page asked for: never cache it as such.
const notRedirected = { cacheWillUpdate: async ({ response }) => (response.redirected ? null : response) };
const inScope = (url) => url.origin === self.location.origin &&
  (url.pathname === "/app/driver" || url.pathname.startsWith("/app/driver/"));

registerRoute(
  ({ request, url }) => request.mode === "navigate" && inScope(url),
  new NetworkFirst({
    cacheName: PAGES,
    networkTimeoutSeconds: 6,
    plugins: [
      notRedirected,
      new CacheableResponsePlugin({ statuses: [200] }),
      new ExpirationPlugin({ maxEntries: 60 }),
    ],
  }),
);
// The open loads' threads and the proof images, for reading without signal.
registerRoute(
  ({ request, url }) => request.method === "GET" &&
    (/^\/api\/shipments\/[^/]+\/messages$/.test(url.pathname) || (inScope(url) && request.destination === "image")),
  new NetworkFirst({
    cacheName: DATA,
    networkTimeoutSeconds: 6,
    plugins: [notRedirected, new CacheableResponsePlugin({ statuses: [200] }), new ExpirationPlugin({ maxEntries: 200 })],
  }),
);
registerRoute(
  ({ url }) => url.origin === self.location.origin &&
    (url.pathname.startsWith("/static/app/") || url.pathname.startsWith("/static/vendor/")),
  new StaleWhileRevalidate({ cacheName: STATIC, plugins: [new CacheableResponsePlugin({ statuses: [200] })] }),
);
// A driver page never opened before, with no signal: the loads page, if it was cached.
setCatchHandler(async ({ request }) => {
  if (request.mode !== "navigate") return Response.error();
  return (await caches.match("/app/driver", { cacheName: PAGES })) ??
    new Response("<!doctype html><title>Offline</title><p>No signal, and this page was not saved yet.</p>", {
      headers: { "Content-Type": "text/html; charset=utf-8" },
    });
});

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(STATIC).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  const keep = new Set([PAGES, DATA, STATIC]);
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("freight-driver-") && !keep.has(name)) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// Background Sync: an open page drains its own outbox (it shows the result); with none
// open, the worker sends what is waiting.
self.addEventListener("sync", (event) => {
  if (event.tag !== FreightOutbox.SYNC_TAG) return;
  event.waitUntil((async () => {
    const pages = await self.clients.matchAll({ type: "window" });
    if (pages.length) {
      pages.forEach((page) => page.postMessage({ type: "outbox-drain" }));
      return;
    }
    const db = await idb.openDB(FreightOutbox.DB, FreightOutbox.DB_VERSION, { upgrade: FreightOutbox.upgrade });
    const result = await FreightOutbox.drain(db, {});
    if (result.stalled) throw new Error("outbox: still no signal"); // the browser retries later
  })());
});
