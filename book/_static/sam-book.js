/* Boxes that scroll sideways (a wide figure, table or formula on a phone, a long line
 * of code) can be reached and scrolled from the keyboard: each gets tabindex="0"
 * while it scrolls (axe: scrollable-region-focusable), and loses it when a wider
 * window fits it. Checked again when fonts or images arrive, the window is resized or
 * a dropdown or hidden cell is opened. */
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
      var focusable = box.hasAttribute("tabindex") && box.tabIndex >= 0;
      if (scrolls && !focusable) {
        /* remember a tabindex set by another script (the theme sets -1) */
        box.setAttribute("data-sam-scrolls", box.getAttribute("tabindex") || "");
        box.setAttribute("tabindex", "0");
      } else if (!scrolls && box.hasAttribute("data-sam-scrolls")) {
        var previous = box.getAttribute("data-sam-scrolls");
        if (previous) {
          box.setAttribute("tabindex", previous);
        } else {
          box.removeAttribute("tabindex");
        }
        box.removeAttribute("data-sam-scrolls");
      }
    });
  }

  var pending = null;
  function later() {
    /* at most one run per 150 ms, however often the page changes */
    if (pending === null) {
      pending = setTimeout(function () {
        pending = null;
        mark();
      }, 150);
    }
  }

  window.addEventListener("load", function () {
    mark();
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(mark);
    }
  });
  window.addEventListener("resize", later);
  document.addEventListener("load", later, true); /* images, as they arrive */
  /* content shown by opening a dropdown or a hidden cell (a class or open changes) */
  new MutationObserver(later).observe(document.documentElement, {
    subtree: true,
    attributes: true,
    attributeFilter: ["class", "open"],
  });
  if (document.fonts) {
    /* a web font that arrives late (code, icons) can make a line wider */
    document.fonts.ready.then(later);
    document.fonts.addEventListener("loadingdone", later);
  }
})();
