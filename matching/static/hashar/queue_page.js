/* The queue page (/clerk/queue/): every entry typed on this phone, what waits, what was sent
   and what the server refused and why, with a way to correct or discard it. Drawn from
   IndexedDB by offline.js's events; nothing here talks to the server but through it. */
/* global HasharQueue, HasharOffline */
(function () {
  "use strict";
  var O = HasharOffline, T = O.text, list = document.getElementById("queue-list");

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function when(ms) {
    return new Date(ms).toLocaleString(document.documentElement.lang || undefined,
                                       {dateStyle: "medium", timeStyle: "short"});
  }

  function noteOf(entry) {
    if (entry.user !== O.user) return O.say(T.other_user, {user: entry.user});
    return {login: T.note_login, offline: T.note_offline, server: T.note_server}[entry.note]
      || T.note_waiting;
  }

  function row(entry) {
    var item = el("li", "", "queued " + entry.state);
    var head = el("p");
    head.appendChild(el("strong", T.kinds[entry.kind] || entry.kind));
    head.appendChild(document.createTextNode(" · " + entry.label + " · "));
    head.appendChild(el("span", T.states[entry.state], "state"));
    item.appendChild(head);
    var summary = entry.raw.filter(function (pair) {
      return pair[1] && ["amount", "currency", "reference", "received_on", "expected_on",
                         "reported_on"].indexOf(pair[0]) >= 0;
    }).map(function (pair) { return pair[1]; }).join(" · ");
    if (entry.files.length) summary += " · " + entry.files.map(function (f) { return f.name; }).join(", ");
    item.appendChild(el("p", summary, "muted"));
    item.appendChild(el("p", O.say(T.typed_at, {at: when(entry.created)}), "muted"));
    if (entry.state === "sent") {
      item.appendChild(el("p", O.say(T.sent_at, {at: when(entry.sent)}), "muted"));
    } else if (entry.state === "waiting") {
      item.appendChild(el("p", noteOf(entry)));
    } else {
      var problems = el("ul", "", "errorlist");
      entry.problems.forEach(function (p) { problems.appendChild(el("li", p.detail)); });
      item.appendChild(problems);
    }
    if (entry.state !== "sent") {
      var actions = el("p", "", "actions");
      var correct = el("a", T.correct_button, "button secondary");
      correct.href = entry.form + "#entry=" + encodeURIComponent(entry.key);
      var discard = el("button", T.discard, "secondary");
      discard.type = "button";
      discard.addEventListener("click", function () {
        if (window.confirm(T.discard_confirm)) HasharQueue.remove(entry.key).then(O.refresh);
      });
      actions.appendChild(correct);
      actions.appendChild(discard);
      item.appendChild(actions);
    }
    return item;
  }

  function draw(entries) {
    list.textContent = "";
    var shown = entries.slice().reverse();
    if (!shown.some(function (e) { return e.state !== "sent"; })) {
      list.appendChild(el("li", T.empty, "muted queue-empty"));
    }
    shown.forEach(function (entry) { list.appendChild(row(entry)); });
  }

  document.addEventListener("hashar:queue", function (event) { draw(event.detail); });
  document.getElementById("queue-send").addEventListener("click", function () {
    O.flush().catch(O.refresh);
  });
  document.getElementById("queue-clear").addEventListener("click", function () {
    HasharQueue.all().then(function (entries) {
      return Promise.all(entries.filter(function (e) { return e.state === "sent"; })
        .map(function (e) { return HasharQueue.remove(e.key); }));
    }).then(O.refresh);
  });
  O.refresh();
})();
