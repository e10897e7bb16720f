// The direct's entry form in the admin: Ctrl+Entrée or one click posts without a reload.
// Without JavaScript the form posts normally and the page comes back with the new entry.
(function () {
  "use strict";
  var form = document.querySelector("[data-live-post]");
  if (!form || !window.fetch || !window.FormData) return;
  var body = form.querySelector("[data-live-body]");
  var button = form.querySelector("[data-live-submit]");
  var status = form.querySelector("[data-live-status]");
  var errors = form.querySelector("[data-live-errors]");
  var entries = document.querySelector("[data-live-admin-entries]");
  var busy = false;

  function showErrors(list) {
    errors.textContent = "";
    list.forEach(function (text) {
      var p = document.createElement("p");
      p.className = "errornote";
      p.textContent = text;
      errors.appendChild(p);
    });
  }

  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) return;
    busy = true;
    button.disabled = true;
    status.textContent = button.getAttribute("data-sending") || "…";
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Requested-With": "fetch", Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        if (!result.ok) {
          showErrors(result.data.errors || []);
          status.textContent = "";
          return;
        }
        showErrors([]);
        entries.innerHTML = result.data.entries_html;
        form.reset();
        form.querySelector("[name=client_token]").value = result.data.client_token;
        status.textContent = result.data.message;
        body.focus();
      })
      .catch(function () {
        // Network or server failure: the text stays in the form and the same token is sent again.
        status.textContent = "";
        showErrors([form.getAttribute("data-offline") || "Envoi impossible, réessayez."]);
      })
      .then(function () {
        busy = false;
        button.disabled = false;
      });
  });
})();
