// The segl app's service worker: keeps the app's own files for a quick start. The API is never
// cached: every answer about a login must be fresh.
const CACHE = "segl-app-v1";

self.addEventListener("install", (event) => { self.skipWaiting(); });
self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((keys) =>
    Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key)))));
  self.clients.claim();
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) { return; }
  if (!url.pathname.startsWith("/static/")) { return; }
  event.respondWith(caches.open(CACHE).then(async (cache) => {
    try {
      const response = await fetch(event.request);
      if (response.ok) { cache.put(event.request, response.clone()); }
      return response;
    } catch (error) {
      const cached = await cache.match(event.request);
      if (cached) { return cached; }
      throw error;
    }
  }));
});
