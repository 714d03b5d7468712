/* On-site prompts (prefero.prompts): watches the triggers this page was told about
 * (#prompt-host's data-* attributes) and asks the server only when one fires — never on a
 * timer of its own beyond the one dwell timeout, never polling. At most one question per
 * trigger per page, and none after a prompt was shown or closed on this page.
 *
 *   data-dwell="30"   seconds on this page
 *   data-scroll="75"  percent of the page read (after the shopper scrolled)
 *   data-exit         leaving (pointer out through the top, or the tab hidden) with
 *                     data-cart="N" > 0 items in the cart
 *   data-return       the first page of a visit: the server checks for a search on an
 *                     earlier one
 *
 * The prompt is a region, not a modal: focus stays where it was; Escape or "Not now"
 * closes it; its two forms post through fetch and show what they did in its place.
 */
(function () {
  "use strict";
  var host = document.getElementById("prompt-host");
  if (!host || !window.fetch) return;
  var csrf = host.getAttribute("data-csrf") || "";
  var cart = parseInt(host.getAttribute("data-cart") || "0", 10) || 0;
  var asked = {};
  var settled = false;  // a prompt was shown (or closed) on this page: ask nothing more

  function post(url, fields) {
    var body = new URLSearchParams(fields || {});
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: body,
      headers: {"X-CSRF-Token": csrf, "X-Prompt": "fragment"}
    });
  }

  function close() {
    host.innerHTML = "";
    settled = true;
  }

  function ask(trigger, fields) {
    if (settled || asked[trigger]) return;
    asked[trigger] = true;
    var all = {trigger: trigger, back: location.pathname + location.search};
    Object.keys(fields || {}).forEach(function (k) { all[k] = String(fields[k]); });
    post("/prompts/ask", all).then(function (response) {
      if (response.status !== 200) return null;
      return response.text();
    }).then(function (html) {
      if (!html || settled) return;
      settled = true;
      host.innerHTML = html;
    }).catch(function () { /* a prompt is never worth an error */ });
  }

  // Dwell: one timeout for this page.
  var dwell = parseInt(host.getAttribute("data-dwell") || "0", 10);
  if (dwell > 0) {
    setTimeout(function () { ask("dwell", {dwell: dwell}); }, dwell * 1000);
  }

  // Scroll depth: measured on the shopper's own scrolling only.
  var depth = parseInt(host.getAttribute("data-scroll") || "0", 10);
  if (depth > 0) {
    var onScroll = function () {
      var page = document.documentElement;
      var seen = (window.scrollY + window.innerHeight) / Math.max(page.scrollHeight, 1) * 100;
      if (seen >= depth) {
        window.removeEventListener("scroll", onScroll);
        ask("scroll", {scroll: Math.min(100, Math.round(seen))});
      }
    };
    window.addEventListener("scroll", onScroll, {passive: true});
  }

  // Leaving with a full cart: the pointer leaves through the top of the window (towards the
  // tabs or the address bar), or the tab is hidden.
  if (host.hasAttribute("data-exit") && cart > 0) {
    document.addEventListener("mouseout", function (event) {
      if (!event.relatedTarget && event.clientY <= 0) ask("cart_exit");
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") ask("cart_exit");
    });
  }

  if (host.hasAttribute("data-return")) ask("return_after_search");

  host.addEventListener("click", function (event) {
    var target = event.target;
    if (target instanceof Element && target.closest("[data-prompt-close]")) close();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && host.firstElementChild) close();
  });
  host.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-prompt-form")) return;
    event.preventDefault();
    var fields = {};
    new FormData(form).forEach(function (value, key) { fields[key] = String(value); });
    post(form.getAttribute("action"), fields).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html === null) { form.submit(); return; }
      host.innerHTML = html;
      settled = true;
    }).catch(function () { form.submit(); });
  });
})();
