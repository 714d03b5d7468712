/* Prefero pages: the little behaviour they need, in one file.
 *
 * The Content-Security-Policy allows scripts from this site only: no inline handlers
 * (onchange=, oninput=), no hx-on (htmx would need eval). Templates mark elements with
 * data-* attributes instead, and the listeners below sit on the document, so content that
 * htmx swaps in later works without being wired again. Every page works without this file;
 * it only saves clicks and keeps screen readers informed.
 */
(function () {
  "use strict";

  // <select data-autosubmit> or a checkbox with it: a choice submits its form (the language
  // switch, a listing's sort and filters; a button does it for browsers without scripts).
  document.addEventListener("change", function (event) {
    var field = event.target;
    var choosing = field instanceof HTMLSelectElement ||
      (field instanceof HTMLInputElement && field.type === "checkbox");
    if (!choosing || !field.hasAttribute("data-autosubmit")) return;
    if (!field.form) return;
    if (typeof field.form.requestSubmit === "function") field.form.requestSubmit();
    else field.form.submit();
  });

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement)) return;

    // data-mirror="id1 id2": a slider and its number field (and <output>) show one value.
    var mirror = input.getAttribute("data-mirror");
    if (mirror) {
      mirror.split(/\s+/).forEach(function (id) {
        var other = id && document.getElementById(id);
        if (other && "value" in other) other.value = input.value;
      });
    }

    // data-labels (JSON: value -> words) + data-label-output="id": a slider says its value in
    // words, visibly and to assistive technology.
    var outputId = input.getAttribute("data-label-output");
    if (outputId && input.dataset.labels) {
      var labels = {};
      try { labels = JSON.parse(input.dataset.labels); } catch (_) { labels = {}; }
      var words = Object.prototype.hasOwnProperty.call(labels, input.value)
        ? labels[input.value] : input.value;
      input.setAttribute("aria-valuetext", words);
      var output = document.getElementById(outputId);
      if (output) output.textContent = words;
    }
  });

  // img[data-hide-broken]: a missing picture disappears instead of showing a broken icon.
  // "error" does not bubble, so listen in the capture phase; pictures that failed before this
  // deferred script ran are found by scanning.
  function hideIfBroken(img) {
    if (img.complete && img.naturalWidth === 0 && img.getAttribute("src")) img.hidden = true;
  }
  function scanBroken(root) {
    root.querySelectorAll("img[data-hide-broken]").forEach(hideIfBroken);
  }
  document.addEventListener("error", function (event) {
    var img = event.target;
    if (img instanceof HTMLImageElement && img.hasAttribute("data-hide-broken")) img.hidden = true;
  }, true);
  scanBroken(document);

  // [data-focus-after-swap]: after htmx replaces its content, the focus moves to the new
  // content's [data-focus] element, so a screen reader reads the next quiz question and the
  // keyboard continues from it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    var host = target.closest("[data-focus-after-swap]");
    if (!host) return;
    var focus = host.querySelector("[data-focus]");
    if (focus) focus.focus();
    scanBroken(host);
  });

  // htmx shows nothing for a 4xx. A refused CSRF check means this page's token is stale (the
  // session ended or was reset in another tab): reload, so the next click carries a fresh one.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (xhr && xhr.status === 403 && /\/csrf-refused"/.test(xhr.responseText || "")) {
      window.location.reload();
    }
  });

  // The search box's suggestions (templates/storefront/_suggestions.html): a listbox under a
  // combobox. The arrow keys move the active option (aria-activedescendant), Enter follows
  // it, Escape closes the list; the list says how many suggestions it holds (role=status).
  function suggestionBox(input) {
    var box = document.getElementById(input.getAttribute("aria-controls") || "");
    return box;
  }

  function suggestionOptions(input) {
    var box = suggestionBox(input);
    return box ? Array.prototype.slice.call(box.querySelectorAll("[role=option]")) : [];
  }

  function closeSuggestions(input) {
    var box = suggestionBox(input);
    if (box) box.innerHTML = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLElement) || box.id !== "q-suggestions") return;
    var input = document.querySelector("[data-suggest][aria-controls='q-suggestions']");
    if (!input) return;
    input.setAttribute("aria-expanded", suggestionOptions(input).length ? "true" : "false");
    input.removeAttribute("aria-activedescendant");
  });

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-suggest")) return;
    var options = suggestionOptions(input);
    if (event.key === "Escape") {
      closeSuggestions(input);
      return;
    }
    if (!options.length) return;
    var active = options.findIndex(function (option) {
      return option.id === input.getAttribute("aria-activedescendant");
    });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = active < 0 ? (step > 0 ? 0 : options.length - 1)
        : (active + step + options.length) % options.length;
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === next ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", options[next].id);
      options[next].scrollIntoView({block: "nearest"});
    } else if (event.key === "Enter" && active >= 0) {
      var link = options[active].querySelector("a");
      if (link) {
        event.preventDefault();
        window.location.assign(link.href);
      }
    }
  });

  document.addEventListener("focusout", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-suggest")) return;
    var box = suggestionBox(input);
    // A click on a suggestion moves the focus into the list: it must stay to be followed.
    if (box && event.relatedTarget instanceof Node && box.contains(event.relatedTarget)) return;
    window.setTimeout(function () { closeSuggestions(input); }, 150);
  });

  // <details data-fold-narrow>: open where there is room beside the list (and without
  // scripts), folded on a phone so that the products come first.
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.matchMedia("(max-width: 48rem)").matches) return;
    document.querySelectorAll("details[data-fold-narrow]").forEach(function (details) {
      details.open = false;
    });
  });
})();
