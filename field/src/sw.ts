/**
 * The service worker: keeps the app's files (no participant data: the
 * records live encrypted in IndexedDB) in the Cache Storage, so that after
 * one online visit the app opens with no network, also after a restart.
 * Each build has its own cache, named by its version; a new server's
 * build is fetched on the next online start, installed beside the old one,
 * and takes over at once (the data it reads is untouched).
 */

/// <reference lib="webworker" />

declare const __VERSION__: string;
declare const __FILES__: string[];

const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = `alongside-field-${__VERSION__}`;
const scope = new URL("./", sw.location.href);
const shell = ["./", ...__FILES__].map((f) => new URL(f, scope).href);

sw.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(shell.map((url) => new Request(url, { cache: "reload" })));
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("alongside-field-") && name !== CACHE) await caches.delete(name);
      }
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || !shell.includes(url.origin + url.pathname)) return;
  // The app's own files: from this build's cache, else the network.
  event.respondWith(
    (async () => (await caches.match(url.origin + url.pathname, { cacheName: CACHE })) ?? fetch(event.request))(),
  );
});

export {};
