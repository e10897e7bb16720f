// Focal point picker of the image library admin: click the picture, or focus it and use the arrow
// keys (Shift for steps of 10); the two number inputs stay the source of truth and work without this.
(function () {
  "use strict";
  function clamp(value) { return Math.max(0, Math.min(100, Math.round(value))); }

  function setUp(picker) {
    var form = picker.closest("form");
    var inputX = form && form.querySelector('[data-focal-axis="x"]');
    var inputY = form && form.querySelector('[data-focal-axis="y"]');
    var marker = picker.querySelector(".focal-marker");
    var image = picker.querySelector("img");
    if (!inputX || !inputY || !marker || !image) { return; }

    function show() {
      marker.style.left = clamp(inputX.value) + "%";
      marker.style.top = clamp(inputY.value) + "%";
    }
    function set(x, y) {
      inputX.value = clamp(x);
      inputY.value = clamp(y);
      show();
    }
    image.addEventListener("click", function (event) {
      var box = image.getBoundingClientRect();
      set(((event.clientX - box.left) / box.width) * 100, ((event.clientY - box.top) / box.height) * 100);
    });
    picker.addEventListener("keydown", function (event) {
      var step = event.shiftKey ? 10 : 1;
      var moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      var move = moves[event.key];
      if (!move) { return; }
      event.preventDefault();
      set(Number(inputX.value) + move[0], Number(inputY.value) + move[1]);
    });
    inputX.addEventListener("input", show);
    inputY.addEventListener("input", show);
    show();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".focal-picker").forEach(setUp);
  });
})();
