/* Mail Architect designer: small enhancements on top of htmx. Every page works without it.
   No inline script anywhere (the Content-Security-Policy forbids it): this file only.

   - htmx swaps in 400, 409 and 422 answers: they carry a form with its errors, or a
     refusal that says why, and belong on the page like any other answer. So do 413 (over
     the storage cap) and 429 (too many requests): the server puts their notice at the top
     of the form that was sent, and the one notice replaces any earlier one.
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
      { code: "(400|409|413|422|429)", swap: true, error: false },
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
    root.querySelectorAll("[data-copy][hidden], [data-zoom][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }

  // After Cancel, focus goes back where the form was opened from.
  var pendingFocus = null;

  function cancelForm(link) {
    var form = link.closest("form");
    var home = form && form.parentElement && form.parentElement.closest("[id]");
    pendingFocus = home ? home.id : null;
  }

  function zoom(button) {
    var figure = document.getElementById(button.getAttribute("data-zoom"));
    if (!figure) return;
    var full = figure.classList.toggle("diagram--full");
    button.setAttribute("aria-pressed", full ? "true" : "false");
    button.textContent = full ? "Fit to the panel" : "Show at full size";
  }

  configureHtmx();

  document.addEventListener("DOMContentLoaded", function () {
    configureHtmx();
    showCopyButtons(document);
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    var button = event.target.closest("button[data-copy]");
    if (button) copyText(button);
    var zoomButton = event.target.closest("button[data-zoom]");
    if (zoomButton) zoom(zoomButton);
    var cancel = event.target.closest("a[data-cancel]");
    if (cancel) cancelForm(cancel);
  });

  // Escape in a form opened in place cancels it, as its Cancel link would.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !event.target.closest) return;
    var form = event.target.closest("form.part-form");
    var cancel = form && form.querySelector("a[data-cancel][hx-get]");
    if (cancel) {
      event.preventDefault();
      cancel.click();
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    showCopyButtons(document);
    var target = event.detail && event.detail.target;
    // After an outerHTML swap the target is the element that was replaced: find its successor.
    if (target && !target.isConnected && target.id) target = document.getElementById(target.id);
    if (target && target.nodeType === 1) focusForm(target);
    if (pendingFocus) {
      focusItem(pendingFocus);
      pendingFocus = null;
    }
  });

  // A refusal (413, 429) is put in place beside the form: one at a time, not a pile.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail && event.detail.xhr && event.detail.xhr.status;
    if (status !== 413 && status !== 429) return;
    document.querySelectorAll("[data-refusal]").forEach(function (notice) {
      notice.remove();
    });
  });

  // Sent by the server after an accepted change (trigger_client_event, after settle).
  document.addEventListener("design-changed", function (event) {
    var detail = event.detail || {};
    if (detail.focus) focusItem(detail.focus);
    window.dispatchEvent(new CustomEvent("designer:changed", { detail: detail }));
  });
})();
