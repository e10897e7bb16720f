// Accessible names for the admin's autocomplete widgets (select2): the visible combobox and its search
// field carry the label of the field they stand for, so screen readers announce « Rubrique », not nothing.
(function () {
  "use strict";
  function labelFor(select) {
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    return label ? label.textContent.replace(/\s*:\s*$/, "").trim() : "";
  }
  function name(root) {
    (root || document).querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var text = labelFor(select);
      var container = select.nextElementSibling;
      if (!text || !container) { return; }
      container.querySelectorAll('[role="combobox"]').forEach(function (box) {
        box.setAttribute("aria-label", text);
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { name(); });
  // The search input is created when the dropdown opens.
  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (field.classList && field.classList.contains("select2-search__field") && !field.getAttribute("aria-label")) {
      var open = document.querySelector('select.admin-autocomplete[aria-expanded="true"], .select2-container--open');
      var select = open && open.previousElementSibling;
      var text = select && select.tagName === "SELECT" ? labelFor(select) : "";
      field.setAttribute("aria-label", text ? "Rechercher : " + text : "Rechercher");
    }
  });
  window.setTimeout(name, 500);
})();
