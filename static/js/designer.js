/* Mail Architect designer: small enhancements on top of htmx. Every page works without it.
   No inline script anywhere (the Content-Security-Policy forbids it): this file only.

   - htmx swaps in 400, 409 and 422 answers: they carry a form with its errors, or a
     refusal that says why, and belong on the page like any other answer.
   - Focus follows the work: into a form that was loaded in place, onto the first field
     with an error, and back to the item that was saved.
   - Copy buttons (hidden until this script runs) copy a file or a link. */
(function () {
  "use strict";

  function configureHtmx() {
    if (!window.htmx) return;
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "(400|409|422)", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
      { code: "...", swap: false },
    ];
    // Nothing here has a style attribute (the CSP forbids them); settling one would be
    // refused by the browser and reported as a CSP violation.
    window.htmx.config.attributesToSettle = ["class", "width", "height"];
  }

  function focusable(element) {
    if (!element) return null;
    if (!element.matches("a, button, input, select, textarea, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    return element;
  }

  function focusForm(container) {
    var form = container.matches("form.part-form")
      ? container
      : container.querySelector("form.part-form");
    if (!form) return false;
    var target =
      form.querySelector("[aria-invalid='true']") ||
      form.querySelector(".form-errors") ||
      form.querySelector("input:not([type='hidden']), select, textarea");
    if (target) focusable(target).focus();
    return true;
  }

  function focusItem(id) {
    var element = id && document.getElementById(id);
    if (!element) return;
    var inner = element.querySelector("[data-focus]");
    focusable(inner || element).focus();
  }

  function copyText(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var text = "value" in source && source.tagName === "INPUT" ? source.value : source.textContent;
    var label = button.textContent;
    var done = function () {
      button.textContent = "Copied";
      window.setTimeout(function () {
        button.textContent = label;
      }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {
        selectText(source);
      });
    } else {
      selectText(source);
    }
  }

  function selectText(source) {
    // Without the clipboard API (plain HTTP), select the text so that Ctrl+C copies it.
    if (source.select) {
      source.select();
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function showCopyButtons(root) {
    root.querySelectorAll("[data-copy][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }

  configureHtmx();

  document.addEventListener("DOMContentLoaded", function () {
    configureHtmx();
    showCopyButtons(document);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (button) copyText(button);
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    showCopyButtons(document);
    var target = event.detail && event.detail.target;
    // After an outerHTML swap the target is the element that was replaced: find its successor.
    if (target && !target.isConnected && target.id) target = document.getElementById(target.id);
    if (target && target.nodeType === 1) focusForm(target);
  });

  // Sent by the server after an accepted change (trigger_client_event, after settle).
  document.addEventListener("design-changed", function (event) {
    var detail = event.detail || {};
    if (detail.focus) focusItem(detail.focus);
    window.dispatchEvent(new CustomEvent("designer:changed", { detail: detail }));
  });
})();
