// The segl app's service worker: keeps the app's own files for a quick start, and shows segl's
// notifications. The API is never cached: every answer about a login must be fresh.
const CACHE = "segl-app-v2";

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

// A notification from segl (Web Push): its title and text in the phone's language. It names no
// code: the app shows the details once it is opened and unlocked.
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = {}; }
  const languages = (self.navigator.languages || [self.navigator.language || ""]).map((l) => l.toLowerCase());
  const danish = languages.some((l) => l.startsWith("da"));
  const words = (danish ? data.da : data.en) || data.en || data.da ||
    { title: "segl", body: danish ? "Åbn segl-appen." : "Open the segl app." };
  event.waitUntil(self.registration.showNotification(words.title, {
    body: words.body,
    tag: data.event === "login_request" ? "login" : undefined,
    icon: "/static/segl/shield.svg",
    data: { event: data.event }
  }));
});

// Tapping it opens the app (or brings it forward), which then looks for what waits.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
    const open = windows.find((client) => client.url.startsWith(self.registration.scope));
    return open ? open.focus() : self.clients.openWindow(self.registration.scope);
  }));
});
