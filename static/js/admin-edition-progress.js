// Admin, edition being sent: refresh the progress bar every two seconds until sending ends.
(function () {
  var box = document.getElementById("edition-progress");
  if (!box) return;
  function tick() {
    fetch(box.dataset.url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (d) {
      var done = (d.sent || 0) + (d.failed || 0) + (d.skipped || 0);
      var bar = box.querySelector("progress");
      bar.max = d.total || 1; bar.value = done;
      bar.nextSibling.textContent = " " + (d.sent || 0) + " / " + (d.failed || 0) + " / " + d.total;
      if (d.status === "sending") setTimeout(tick, 2000);
    });
  }
  setTimeout(tick, 2000);
})();
