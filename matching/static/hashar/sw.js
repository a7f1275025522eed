/* The clerk's service worker (served at /sw.js by matching/web/offline.py, which puts
   `self.HASHAR` above this: the version, the static files to keep, the queue script).

   - Static files: from the cache, fetched once per version (a new deploy changes the
     version, and the old cache is dropped).
   - The clerk's pages: from the network, each kept as it was last seen; offline, the kept
     copy, else her dashboard as last seen, else the queue page.
   - The queue: sent on Background Sync ("hashar-queue") where the browser has it; the pages
     also send it when they load and when the connection returns. */
/* global HASHAR, HasharQueue */
"use strict";
importScripts(HASHAR.queue);

var STATIC = "hashar-static-" + HASHAR.version, PAGES = "hashar-pages";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (cache) {
    return cache.addAll(HASHAR.assets);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("hashar-static-") === 0 && name !== STATIC;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function stamped(response) {
  // the time it was kept, so that `keep` can tell a stale copy
  var headers = new Headers(response.headers);
  headers.set("X-Hashar-Kept", String(Date.now()));
  return response.blob().then(function (blob) {
    return new Response(blob, {status: response.status, statusText: response.statusText,
                               headers: headers});
  });
}

function keepPage(request, response) {
  if (!response.ok || response.redirected || response.type !== "basic") return Promise.resolve();
  return stamped(response.clone()).then(function (copy) {
    return caches.open(PAGES).then(function (cache) { return cache.put(request.url, copy); });
  });
}

function fromCache(url) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(url).then(function (found) {
      return found || cache.match(HASHAR.dashboard);
    }).then(function (found) { return found || cache.match(HASHAR.queuePage); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.indexOf(HASHAR.staticPrefix) === 0) {
    event.respondWith(caches.open(STATIC).then(function (cache) {
      return cache.match(request).then(function (found) {
        return found || fetch(request).then(function (response) {
          if (response.ok) cache.put(request, response.clone());
          return response;
        });
      });
    }));
  } else if (request.mode === "navigate" && url.pathname.indexOf(HASHAR.scope) === 0) {
    event.respondWith(fetch(request).then(function (response) {
      event.waitUntil(Promise.resolve(keepPage(request, response)));
      return response;
    }, function () {
      return fromCache(request.url).then(function (found) {
        return found || Response.error();
      });
    }));
  }
});

/* A page asks to keep pages for offline use. The dashboard asks for her projects (`stale`
   null: only those not kept yet, with the entry forms each project page links to); a project
   page asks for its entry forms (`stale` in seconds: also those kept longer ago). On a 2G
   connection nothing is fetched twice without need. */
var LINKED = /href="([^"]+)" data-offline-keep/g;

function keep(urls, stale, depth) {
  return caches.open(PAGES).then(function (cache) {
    return urls.reduce(function (chain, url) {
      return chain.then(function () {
        return cache.match(url).then(function (found) {
          var kept = found && Number(found.headers.get("X-Hashar-Kept"));
          if (found && (!stale || Date.now() - kept < stale * 1000)) return;
          return fetch(url, {credentials: "same-origin", headers: {"X-Hashar-Keep": "1"}})
            .then(function (response) {
              return keepPage(new Request(url), response.clone()).then(function () {
                return depth ? response.text() : "";
              });
            }).then(function (html) {
              var linked = [], match;
              while ((match = LINKED.exec(html || ""))) linked.push(new URL(match[1], url).href);
              return linked.length && keep(linked, null, depth - 1);
            }).catch(function () {});
        });
      });
    }, Promise.resolve());
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.keep) event.waitUntil(keep(data.keep, data.stale, 1));
});

self.addEventListener("sync", function (event) {
  if (event.tag !== "hashar-queue") return;
  // only the entries of the clerk the pages last saw logged in (none known: wait for a page)
  event.waitUntil(HasharQueue.user().then(function (user) {
    return user && HasharQueue.flush({user: user});
  }).then(notify));
});

function notify() {
  return self.clients.matchAll().then(function (clients) {
    clients.forEach(function (client) { client.postMessage({queue: "changed"}); });
  });
}
