/* The clerk's pages offline: registers the service worker, shows what waits on this phone,
   and turns the pledge, receipt, progress-report and evidence forms into entries of the queue
   (queue.js) sent through the API with their Idempotency-Key: at once when the connection
   holds, later when it returns. A refusal by the server lands on the form's fields, with
   everything typed and chosen (the proof file too) still in place.

   Its texts come translated in the page (#hashar-offline, rendered by Django). */
/* global HasharQueue, HasharPhotos */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("hashar-offline").textContent);
  var T = config.text, Q = HasharQueue;
  var KEEP_PROJECTS = 10;  // her newest projects kept from the dashboard, with their forms

  function say(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, name) { return values[name]; });
  }

  function csrf() {
    var found = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return found ? decodeURIComponent(found[1]) : "";
  }

  /* --- sending, with the upload's progress ----------------------------------------- */
  function xhrSend(entry, progress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", entry.endpoint);
      xhr.setRequestHeader("Idempotency-Key", entry.key);
      xhr.setRequestHeader("X-CSRFToken", csrf() || entry.csrf);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (event) {
        if (progress && event.lengthComputable) progress(event.loaded / event.total);
      };
      xhr.onload = function () {
        var answer = null;
        try { answer = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        resolve({status: xhr.status, answer: answer});
      };
      xhr.onerror = xhr.ontimeout = function () { reject(new Error("network")); };
      xhr.send(Q.body(entry));
    });
  }

  var flushing = null;
  function flush(progress) {
    if (flushing) {  // a sending under way may have read the queue before the newest entry
      return flushing.catch(function () {}).then(function () { return flush(progress); });
    }
    flushing = Q.flush({user: config.user, send: function (entry) {
      return xhrSend(entry, progress && function (part) { progress(entry, part); });
    }}).then(function (entries) { flushing = null; panel(entries); return entries; },
             function (error) { flushing = null; throw error; });
    return flushing;
  }

  function askForSync() {
    if (!navigator.serviceWorker) return;
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.sync && registration.sync.register("hashar-queue");
    }).catch(function () { /* no Background Sync here: the next page load sends it */ });
  }

  /* --- the panel on every clerk page: offline? what waits? ------------------------- */
  function panel(entries) {
    var box = document.getElementById("queue-status");
    if (!box) return;
    var waiting = 0, refused = 0;
    (entries || []).forEach(function (entry) {
      if (entry.user !== config.user) return;
      if (entry.state === "waiting") waiting++;
      if (entry.state === "refused") refused++;
    });
    var parts = [];
    if (!navigator.onLine) parts.push(T.offline);
    if (waiting) parts.push(say(T.waiting, {n: waiting}));
    if (refused) parts.push(say(T.refused_count, {n: refused}));
    box.querySelector(".queue-text").textContent = parts.join(" ");
    box.hidden = !parts.length;
    box.classList.toggle("refused", refused > 0);
    document.dispatchEvent(new CustomEvent("hashar:queue", {detail: entries || []}));
  }

  function refresh() { return Q.all().then(panel); }

  /* --- amounts as the page's language writes them (port of matching/amounts.py) ---- */
  var SPACES = /[ \u00a0\u202f\u2009\u2007]/g;
  function integer(text, separators) {
    if (/^\d+$/.test(text)) return text;
    for (var i = 0; i < separators.length; i++) {
      var sep = separators[i], grouped = new RegExp("^\\d{1,3}(?:" +
        sep.replace(/[.]/, "\\.") + "\\d{3})+$");
      if (text.indexOf(sep) >= 0 && grouped.test(text)) return text.split(sep).join("");
    }
    return null;
  }

  function amount(text) {
    text = (text || "").trim().replace(SPACES, " ");
    if (!text) return "";
    if (/[^\d ,.]/.test(text)) return null;
    var marks = text.replace(/[^,.]/g, ""), whole = text, fraction = "", grouping = " ";
    var kinds = new Set(marks.split(""));
    if (kinds.size === 2) {
      var point = text.charAt(Math.max(text.lastIndexOf(","), text.lastIndexOf(".")));
      if (marks.split(point).length > 2) return null;
      var at = text.lastIndexOf(point);
      whole = text.slice(0, at); fraction = text.slice(at + 1);
      grouping = " " + (point === "." ? "," : ".");
    } else if (marks.length === 1) {
      var parts = text.split(marks);
      if (parts[1].length === 3 && /^\d+$/.test(parts[1]) && marks !== config.group) {
        return null;  // 50,000: fifty thousand, or fifty? Refused, never guessed
      }
      if (marks === config.group) grouping = " " + config.group;
      else { whole = parts[0]; fraction = parts[1]; }
    } else if (marks.length > 1) {
      grouping = " " + marks.charAt(0);
    }
    if (fraction && !/^\d+$/.test(fraction)) return null;
    var digits = integer(whole, grouping);
    if (digits === null) return null;
    return fraction ? digits + "." + fraction : digits;
  }

  /* --- the entry forms ------------------------------------------------------------- */
  function problemsOf(form) {
    form.querySelectorAll(".queued-error").forEach(function (node) { node.remove(); });
    var box = form.querySelector(".queued-problems");
    if (box) box.remove();
    box = document.createElement("div");
    box.className = "problems queued-problems";
    box.setAttribute("role", "alert");
    return box;
  }

  function showProblems(form, problems) {
    var box = problemsOf(form), general = [];
    problems.forEach(function (problem) {
      var name = problem.attr.replace(/^progress\.(\d+)$/, "milestone_$1").replace(/\.\d+$/, "");
      var input = name && form.elements[name];
      if (input && input.length && !input.tagName) input = input[0];
      if (input && input.parentNode) {
        var note = document.createElement("p");
        note.className = "errorlist queued-error";
        note.textContent = problem.detail;
        input.parentNode.insertBefore(note, input);
      } else {
        general.push(problem.detail);
      }
    });
    var lead = document.createElement("p");
    lead.textContent = T.correct;
    box.appendChild(lead);
    general.forEach(function (text) {
      var line = document.createElement("p");
      line.textContent = text;
      box.appendChild(line);
    });
    form.insertBefore(box, form.firstChild);
    box.scrollIntoView();
  }

  function note(form, text, kind) {
    var line = form.querySelector(".queued-note");
    if (!line) {
      line = document.createElement("p");
      line.setAttribute("role", "status");
      form.insertBefore(line, form.querySelector("button[type=submit]"));
    }
    line.className = "message queued-note " + (kind || "info");
    line.textContent = text;
  }

  /* The form's fields as the API takes them; null (with the problems shown) if an amount
     cannot be read. */
  function read(form) {
    var fields = [], raw = [], files = [], wrong = [];
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name || input.name === "csrfmiddlewaretoken" || input.disabled) return;
      if (input.type === "file") {
        Array.prototype.forEach.call(input.files, function (file) {
          files.push({field: input.name, file: file});
        });
        return;
      }
      if ((input.type === "checkbox" || input.type === "radio") && !input.checked) return;
      var value = input.value;
      raw.push([input.name, value]);
      if (input.inputMode === "decimal") {
        value = amount(value);
        if (value === null) { wrong.push({attr: input.name, detail: T.amount}); return; }
      }
      if (value === "") return;
      var name = input.name.replace(/^milestone_(\d+)$/, "progress.$1");
      fields.push([name, value]);
    });
    if (wrong.length) { showProblems(form, wrong); return null; }
    fields.push(["project", form.dataset.project]);
    return {fields: fields, raw: raw, files: files};
  }

  function submit(form, event) {
    event.preventDefault();
    var typed = read(form);
    if (!typed) return;
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    problemsOf(form);
    note(form, typed.files.length ? T.preparing : T.saving);
    Promise.all(typed.files.map(function (item) {
      return HasharPhotos.shrink(item.file).then(function (file) {
        return {field: item.field, name: file.name, type: file.type, blob: file};
      });
    })).then(function (files) {
      var entry = {key: Q.newKey(), user: config.user, kind: form.dataset.queue,
                   label: form.dataset.label, endpoint: form.dataset.endpoint,
                   form: location.pathname, done: form.dataset.done, project: form.dataset.project,
                   fields: typed.fields, raw: typed.raw, files: files, state: "waiting",
                   problems: [], note: "", created: Date.now(), csrf: csrf()};
      var replaces = form.dataset.replaces;
      return Q.put(entry).then(function () {
        return replaces ? Q.remove(replaces) : null;
      }).then(function () {
        delete form.dataset.replaces;
        if (!navigator.onLine) return entry;
        return flush(function (sending, part) {
          var done = Math.round(part * 100) + "\u00a0%";
          if (sending.key === entry.key) note(form, say(T.sending, {p: done}));
        }).then(function () { return Q.get(entry.key); }, function () { return entry; });
      });
    }).then(function (entry) {
      button.disabled = false;
      if (entry.state === "sent") {
        sessionStorage.setItem("hashar-sent", form.dataset.sent || T.sent);
        location.assign(entry.done);
      } else if (entry.state === "refused") {
        // the clerk is here to correct it: the form holds it, the queue need not
        Q.remove(entry.key).then(refresh);
        note(form, "", "hidden");
        showProblems(form, entry.problems);
      } else {
        askForSync();
        kept(form);
        refresh();
      }
    }).catch(function () {
      button.disabled = false;
      note(form, T.failed, "error");
    });
  }

  /* Kept for later: the form is emptied for the next one, the day and currency stay. */
  function kept(form) {
    var stay = ["received_on", "expected_on", "reported_on", "currency", "rate"], values = {};
    stay.forEach(function (name) { if (form.elements[name]) values[name] = form.elements[name].value; });
    form.reset();
    Object.keys(values).forEach(function (name) { form.elements[name].value = values[name]; });
    note(form, T.kept, "success");
  }

  /* "Correct" on the queue page opens the form with #entry=<key>: fill it in again. */
  function refill(form) {
    var match = location.hash.match(/^#entry=(.+)$/);
    if (!match) return;
    Q.get(decodeURIComponent(match[1])).then(function (entry) {
      if (!entry) return;
      entry.raw.forEach(function (pair) {
        var input = form.elements[pair[0]];
        if (input && input.type !== "file") input.value = pair[1];
      });
      var byField = {};
      entry.files.forEach(function (file) {
        (byField[file.field] = byField[file.field] || []).push(
          new File([file.blob], file.name, {type: file.type}));
      });
      Object.keys(byField).forEach(function (name) {
        var transfer = new DataTransfer();
        byField[name].forEach(function (file) { transfer.items.add(file); });
        if (form.elements[name]) form.elements[name].files = transfer.files;
      });
      form.dataset.replaces = entry.key;
      showProblems(form, entry.problems);
    });
  }

  /* --- start ----------------------------------------------------------------------- */
  var sent = sessionStorage.getItem("hashar-sent");
  if (sent) {
    sessionStorage.removeItem("hashar-sent");
    var main = document.getElementById("content"), line = document.createElement("p");
    line.className = "message success";
    line.setAttribute("role", "status");
    line.textContent = sent;
    main.insertBefore(line, main.firstChild);
  }
  document.querySelectorAll("form[data-queue]").forEach(function (form) {
    form.addEventListener("submit", function (event) { submit(form, event); });
    refill(form);
  });
  // logged out, the worker no longer sends her entries (under whoever logs in next), and
  // the pages kept for her are dropped: the next one to use this phone does not read them
  document.querySelectorAll("form[data-logout]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var forget = [Q.user("")];
      if (window.caches) forget.push(caches.delete("hashar-pages"));
      Promise.all(forget).then(function () { form.submit(); }, function () { form.submit(); });
    });
  });
  window.addEventListener("online", function () { flush(); });
  window.addEventListener("offline", refresh);
  Q.user(config.user).then(function () {
    return navigator.onLine ? flush() : refresh();
  }).catch(refresh);

  if (navigator.serviceWorker) {
    // a page loaded before the worker controlled it (the first visit) was not kept on the way;
    // nor was one the worker claimed between its request and this script (it has a controller
    // now, but its navigation never reached the worker: no workerStart)
    var navigation = window.performance && performance.getEntriesByType &&
      performance.getEntriesByType("navigation")[0];
    var loadedByWorker = !!navigator.serviceWorker.controller &&
      (!navigation || navigation.workerStart > 0);
    navigator.serviceWorker.register(config.sw, {scope: config.scope}).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      // the dashboard keeps her projects once; a project page refreshes its forms hourly
      var links = document.querySelectorAll("[data-offline-keep]");
      var keep = Array.prototype.map.call(links, function (link) { return link.href; });
      var stale = links.length && links[0].dataset.offlineKeep === "missing" ? null : 3600;
      if (stale === null) keep = keep.slice(0, KEEP_PROJECTS);
      if (!navigator.onLine || !registration.active) return;
      registration.active.postMessage({
        keep: loadedByWorker ? config.keep : config.keep.concat([location.href]), stale: null});
      if (keep.length) registration.active.postMessage({keep: keep, stale: stale});
    }).catch(function () { /* no worker (private window?): pages work online as before */ });
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.queue) refresh();
    });
  }
  window.HasharOffline = {flush: flush, refresh: refresh, say: say, text: T, user: config.user};
})();
