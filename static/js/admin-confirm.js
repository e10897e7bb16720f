// Admin: ask before submitting a form marked data-confirm="Question ?" (no inline onsubmit under the CSP).
// Inputs marked data-select-on-focus select their whole value when focused (share links).
document.addEventListener("submit", function (event) {
  var question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
}, true);
document.addEventListener("focusin", function (event) {
  if (event.target.matches && event.target.matches("[data-select-on-focus]")) event.target.select();
});
