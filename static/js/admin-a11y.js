// Accessible names the admin's widgets lack (checked by axe-core in tests/e2e/test_desk.py):
// - autocomplete fields (select2): the combobox, its rendered value and its search field carry the
//   label of the field they stand for, so a screen reader announces « Rubrique », not nothing;
// - the filter icons of two-list selectors (filter_horizontal) carry aria-label without a role.
(function () {
  "use strict";
  function labelText(select) {
    var label = select && select.id && document.querySelector('label[for="' + select.id + '"]');
    return label ? label.textContent.replace(/\s*:\s*$/, "").trim() : "";
  }
  function fix() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var text = labelText(select);
      var container = select.nextElementSibling;
      if (!text || !container || !container.classList.contains("select2")) { return; }
      container.querySelectorAll('[role="combobox"], [role="textbox"]').forEach(function (node) {
        if (node.getAttribute("aria-label") !== text) { node.setAttribute("aria-label", text); }
      });
    });
    document.querySelectorAll(".select2-search__field:not([aria-label])").forEach(function (field) {
      var open = document.querySelector(".select2-container--open");
      var select = open && open.previousElementSibling;
      var text = select && select.tagName === "SELECT" ? labelText(select) : "";
      field.setAttribute("aria-label", text ? "Rechercher : " + text : "Rechercher");
    });
    document.querySelectorAll(".help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }
  // select2 and the two-list selectors build their markup after load and on every opening.
  new MutationObserver(function () { window.requestAnimationFrame(fix); })
    .observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", fix);
})();
