// Live coverage: poll the direct's JSON endpoint with its ETag; announce new entries with a button
// instead of shifting the text being read; apply corrections, pins, deletions and the end in place.
// Without this script the page is complete and a reload shows the latest entries.
(function () {
  "use strict";
  var root = document.querySelector("[data-live-poll]");
  if (!root || !window.fetch) return;
  var url = root.getAttribute("data-live-poll");
  var interval = Math.max(1, parseInt(root.getAttribute("data-interval"), 10) || 20) * 1000;
  var list = root.querySelector("[data-live-entries]");
  var button = root.querySelector("[data-live-new]");
  var etag = null;
  var pending = [];
  var timer = null;

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function entryIn(container, id) {
    return container.querySelector('.live-entry[data-id="' + id + '"]');
  }

  function place(node) {
    // Newest first: before the first entry older than this one (posted earlier, or in the same
    // instant with a smaller id — the server's order).
    var ts = parseFloat(node.getAttribute("data-ts"));
    var id = parseInt(node.getAttribute("data-id"), 10);
    var entries = list.querySelectorAll(".live-entry");
    for (var i = 0; i < entries.length; i++) {
      var other = parseFloat(entries[i].getAttribute("data-ts"));
      if (other < ts || (other === ts && parseInt(entries[i].getAttribute("data-id"), 10) < id)) {
        list.insertBefore(node, entries[i]);
        return;
      }
    }
    list.appendChild(node);
  }

  function announce() {
    if (!pending.length) {
      button.hidden = true;
      return;
    }
    var label = pending.length === 1 ? root.getAttribute("data-label-one") : root.getAttribute("data-label-many");
    button.textContent = label.replace("%s", String(pending.length));
    button.hidden = false;
  }

  function showPending() {
    var empty = list.querySelector(".live-empty");
    if (empty) empty.remove();
    pending.forEach(function (item) {
      if (!entryIn(list, item.id)) place(fragment(item.html));
    });
    pending = [];
    announce();
    var first = list.querySelector(".live-entry");
    if (first) {
      first.setAttribute("tabindex", "-1");
      first.focus({ preventScroll: true });
      first.scrollIntoView({ block: "start" });
    }
  }

  function replaceIfChanged(selector, html) {
    var box = root.querySelector(selector);
    if (box && box.innerHTML.trim() !== html.trim()) box.innerHTML = html;
  }

  function apply(data) {
    replaceIfChanged("[data-live-status]", data.status_html);
    replaceIfChanged("[data-live-summary]", data.summary_html);
    replaceIfChanged("[data-live-pinned]", data.pinned_html);
    if (data.pinned !== null) {
      var moved = entryIn(list, data.pinned);
      if (moved) moved.remove();
    }
    var known = {};
    pending.forEach(function (item) { known[item.id] = true; });
    data.entries.forEach(function (item) {
      var node = entryIn(list, item.id);
      if (node) {
        if (node.getAttribute("data-rev") !== String(item.rev)) node.replaceWith(fragment(item.html));
      } else if (!known[item.id] && !entryIn(root, item.id)) {
        pending.push(item);
      } else if (known[item.id]) {
        pending = pending.map(function (p) { return p.id === item.id ? item : p; });
      }
    });
    announce();
    if (data.state !== "live") stop();
  }

  function poll() {
    var headers = { Accept: "application/json" };
    if (etag) headers["If-None-Match"] = etag;
    fetch(url, { headers: headers, cache: "no-cache", credentials: "omit" })
      .then(function (response) {
        if (response.status === 304) return null;
        if (!response.ok) throw new Error(response.status);
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (data) { if (data) apply(data); })
      .catch(function () { /* offline or server busy: the next poll tries again */ })
      .then(schedule);
  }

  function schedule() {
    if (timer !== false) timer = window.setTimeout(poll, interval);
  }

  function stop() {
    if (timer) window.clearTimeout(timer);
    timer = false;
  }

  button.addEventListener("click", showPending);
  // The page may come from a cache older than the latest entries: check at once, then every interval.
  poll();
})();
