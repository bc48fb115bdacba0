/* Boxes that scroll sideways (a wide figure, table or formula on a phone) can be
 * reached and scrolled from the keyboard: each gets tabindex="0" while it scrolls
 * (axe: scrollable-region-focusable), and loses it when a wider window fits it. */
(function () {
  "use strict";
  var BOXES = [
    "article .cell_output",
    "article .cell_output .output",
    "article figure",
    "article .pst-scrollable-table-container",
    "article .sam-anim-frame",
    "article span.math",
    "article div.highlight pre",
  ].join(", ");

  function mark() {
    document.querySelectorAll(BOXES).forEach(function (box) {
      var overflow = getComputedStyle(box).overflowX;
      var scrolls =
        (overflow === "auto" || overflow === "scroll") &&
        box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-sam-scrolls", "");
      } else if (!scrolls && box.hasAttribute("data-sam-scrolls")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-sam-scrolls");
      }
    });
  }

  var pending = null;
  function later() {
    clearTimeout(pending);
    pending = setTimeout(mark, 150);
  }

  window.addEventListener("load", function () {
    mark();
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(mark);
    }
  });
  window.addEventListener("resize", later);
  document.addEventListener("load", later, true); /* images, as they arrive */
})();
