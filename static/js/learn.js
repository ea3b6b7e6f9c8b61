/* The tutorial's small enhancements. Without JavaScript every hop of a trace is listed and
   every diagram scrolls in its frame; with it, a reader can step through the hops one at a
   time (the diagram fades everything but the current hop) and fit a wide diagram to the
   page. Loaded with defer from a static file: the Content-Security-Policy forbids inline
   script. */
(function () {
  "use strict";

  // Graphviz labels the traced hops ① ② ③ …: U+2460 is ①, up to ⑳.
  function circled(step) {
    return step >= 1 && step <= 20 ? String.fromCharCode(0x245f + step) : String(step);
  }

  // Graphviz gives every node and edge a <title>: "n3" for a node, "n3->n7" for an edge.
  function titleOf(part) {
    var title = part.querySelector("title");
    return title ? title.textContent.trim() : "";
  }

  function button(label) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    return b;
  }

  // Scroll a wide diagram inside its frame so that ``part`` is in the middle of the view.
  function reveal(canvas, part) {
    if (!canvas) return;
    var frame = canvas.getBoundingClientRect();
    var box = part.getBoundingClientRect();
    var calm = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    canvas.scrollTo({
      left: canvas.scrollLeft + box.left - frame.left - (frame.width - box.width) / 2,
      top: canvas.scrollTop + box.top - frame.top - (frame.height - box.height) / 2,
      behavior: calm ? "auto" : "smooth",
    });
  }

  function addFitToggle(figure, tools) {
    var canvas = figure.querySelector(".diagram__canvas");
    var svg = canvas && canvas.querySelector("svg");
    if (!svg) return;
    var fit = button("Fit to width");
    fit.setAttribute("aria-pressed", "false");
    fit.addEventListener("click", function () {
      var on = !canvas.classList.contains("is-fitted");
      canvas.classList.toggle("is-fitted", on);
      fit.setAttribute("aria-pressed", on ? "true" : "false");
    });
    tools.appendChild(fit);
    // Only offer it when the diagram is wider than its frame. A diagram only a little too
    // wide is fitted from the start: shrinking it by a fifth keeps every label readable.
    var natural = svg.width.baseVal.value;
    function update() {
      var wide = natural > canvas.clientWidth + 1;
      fit.hidden = !wide && !canvas.classList.contains("is-fitted");
    }
    if (natural > canvas.clientWidth && natural <= canvas.clientWidth * 1.25) {
      canvas.classList.add("is-fitted");
      fit.setAttribute("aria-pressed", "true");
    }
    update();
    window.addEventListener("resize", update);
  }

  function addStepper(figure, tools) {
    var hops = Array.prototype.slice.call(figure.querySelectorAll(".trace__hop"));
    if (hops.length < 2) return;
    var canvas = figure.querySelector(".diagram__canvas");
    var svg = canvas && canvas.querySelector("svg");
    var parts = svg ? Array.prototype.slice.call(svg.querySelectorAll("g.edge, g.node")) : [];
    var current = 0; // 0: every hop shown at once

    var previous = button("Previous hop");
    var next = button("Step through the hops");
    var all = button("Show all hops");
    var status = document.createElement("span");
    status.className = "diagram__status";
    status.setAttribute("aria-live", "polite");

    function show(step) {
      current = step;
      var stepping = step > 0;
      figure.classList.toggle("is-stepping", stepping);
      hops.forEach(function (hop, i) {
        var here = i + 1 === step;
        hop.classList.toggle("is-current", here);
        if (here) hop.setAttribute("aria-current", "step");
        else hop.removeAttribute("aria-current");
      });
      // The hop's edge carries its number; its two ends stay lit with it. A hop that
      // ends where it starts (delivered or refused on the spot) is numbered on the node.
      var mark = circled(step);
      var lit = {};
      parts.forEach(function (part) {
        if (part.textContent.indexOf(mark) === -1) return;
        lit[titleOf(part)] = true;
        if (part.classList.contains("edge")) {
          titleOf(part).split("->").forEach(function (end) {
            lit[end.split(":")[0]] = true;
          });
        }
      });
      var first = null;
      parts.forEach(function (part) {
        var on = lit[titleOf(part)];
        part.classList.toggle("is-dimmed", stepping && !on);
        if (on && !first && part.classList.contains("edge")) first = part;
      });
      if (stepping && first) reveal(canvas, first);
      previous.hidden = all.hidden = !stepping;
      previous.disabled = step <= 1;
      next.textContent = stepping ? "Next hop" : "Step through the hops";
      next.disabled = step >= hops.length;
      status.textContent = stepping ? "Hop " + step + " of " + hops.length : "";
    }

    previous.addEventListener("click", function () {
      show(Math.max(1, current - 1));
    });
    next.addEventListener("click", function () {
      show(Math.min(hops.length, current + 1));
    });
    all.addEventListener("click", function () {
      show(0);
      next.focus();
    });

    tools.appendChild(previous);
    tools.appendChild(next);
    tools.appendChild(all);
    tools.appendChild(status);
    show(0);
  }

  function enhance(figure) {
    var tools = document.createElement("div");
    tools.className = "diagram__tools";
    if (!figure.querySelector(".diagram__canvas")) return;
    var anchor = figure.querySelector(".diagram__hint") || figure.querySelector(".diagram__canvas");
    anchor.insertAdjacentElement("afterend", tools);
    addFitToggle(figure, tools);
    if (figure.classList.contains("diagram--traced")) addStepper(figure, tools);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("figure.diagram"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
