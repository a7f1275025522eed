/* The clerk's queue of entries typed on this phone (pledges, receipts with their proof,
   progress reports with photos), kept in IndexedDB until the server has them.

   Shared by the pages (offline.js) and the service worker (sw.js, Background Sync). Every
   entry carries its own Idempotency-Key, made when it was typed: however many times it is
   sent (a lost answer, the page and the worker both sending, a replay), the API records it
   once and answers the first answer again. Entries leave the queue only as "sent" (kept a
   week, to be seen) or when the clerk discards them. */
(function (scope) {
  "use strict";
  var DB = "hashar-offline", STORE = "entries", META = "meta", WEEK = 7 * 24 * 3600 * 1000;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, {keyPath: "key"});
        request.result.createObjectStore(META);
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(mode, work, name) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name || STORE, mode), result;
        Promise.resolve(work(tx.objectStore(name || STORE))).then(function (r) { result = r; });
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function all() {
    return run("readonly", function (store) {
      return new Promise(function (resolve) {
        var request = store.getAll();
        request.onsuccess = function () {
          resolve(request.result.sort(function (a, b) { return a.created - b.created; }));
        };
      });
    });
  }

  function get(key) {
    return run("readonly", function (store) {
      return new Promise(function (resolve) {
        var request = store.get(key);
        request.onsuccess = function () { resolve(request.result); };
      });
    });
  }

  function put(entry) { return run("readwrite", function (store) { store.put(entry); }); }
  function remove(key) { return run("readwrite", function (store) { store.delete(key); }); }

  /* The user the pages last saw logged in (the worker sends only his entries); "" after
     a log-out. */
  function user(name) {
    if (name !== undefined) {
      return run("readwrite", function (store) { store.put(name, "user"); }, META);
    }
    return run("readonly", function (store) {
      return new Promise(function (resolve) {
        var request = store.get("user");
        request.onsuccess = function () { resolve(request.result || ""); };
      });
    }, META);
  }

  function newKey() {
    return scope.crypto.randomUUID ? scope.crypto.randomUUID()
      : Array.from(scope.crypto.getRandomValues(new Uint8Array(16)), function (b) {
        return (b + 256).toString(16).slice(1);
      }).join("");
  }

  function body(entry) {
    var data = new FormData();
    entry.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    entry.files.forEach(function (file) { data.append(file.field, file.blob, file.name); });
    return data;
  }

  /* What an answer means for the entry: sent, refused (the clerk must correct or discard
     it) or still waiting (no connection, the server busy, logged out: try again later). */
  function outcome(status, answer) {
    var errors = (answer && answer.errors) || [];
    var code = errors.length ? errors[0].code : "";
    var detail = errors.length ? String(errors[0].detail) : "";
    if (status === 201 || status === 200) return {state: "sent", result: answer};
    if (status === 401 || (status === 403 && (code === "not_authenticated"
        || detail.indexOf("CSRF") === 0))) return {state: "waiting", note: "login"};
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      return {state: "refused", problems: errors.map(function (e) {
        return {attr: e.attr || "", detail: String(e.detail)};
      })};
    }
    return {state: "waiting", note: "server"};
  }

  function fetchSend(entry, csrf) {
    return fetch(entry.endpoint, {
      method: "POST", body: body(entry), credentials: "same-origin",
      headers: {"Idempotency-Key": entry.key, "X-CSRFToken": csrf || entry.csrf,
                "Accept": "application/json"}
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (answer) {
        return {status: response.status, answer: answer};
      });
    });
  }

  /* Send what waits, one entry at a time, oldest first. `send(entry)` resolves to
     {status, answer} or rejects when the network fails; `user` limits the sending to the
     entries typed by the user now logged in (another clerk on the same phone does not send
     hers). Returns the entries as they stand after. */
  function flush(options) {
    var send = options.send || function (entry) { return fetchSend(entry, options.csrf); };
    function work() {
      return all().then(function (entries) {
        var chain = Promise.resolve(), stopped = false;
        entries.forEach(function (entry) {
          if (entry.state === "sent" && Date.now() - entry.sent > WEEK) {
            chain = chain.then(function () { return remove(entry.key); });
            return;
          }
          if (entry.state !== "waiting" || (options.user && entry.user !== options.user)) return;
          chain = chain.then(function () {
            if (stopped) return;
            return send(entry).then(function (reply) {
              var next = outcome(reply.status, reply.answer);
              entry.state = next.state;
              entry.note = next.note || "";
              entry.problems = next.problems || [];
              if (next.state === "sent") { entry.sent = Date.now(); entry.result = next.result; }
              if (next.state === "waiting") stopped = true;  // the server will not take more now
              return put(entry);
            }, function () {
              stopped = true;  // no connection: the rest waits too
              entry.note = "offline";
              return put(entry);
            });
          });
        });
        return chain.then(all);
      });
    }
    // one sender at a time across the pages and the worker of this browser
    if (scope.navigator && scope.navigator.locks) {
      return scope.navigator.locks.request("hashar-queue", work);
    }
    return work();
  }

  scope.HasharQueue = {all: all, get: get, put: put, remove: remove, newKey: newKey,
                       flush: flush, body: body, outcome: outcome, user: user};
})(self);
