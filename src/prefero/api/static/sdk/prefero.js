/* Prefero for a shop's own pages: recommendation rows that explain themselves, consent-aware
 * events, and the way into the preference center. No dependencies; served by Prefero at
 * /sdk/prefero.js (docs/sdk.md has the embed snippet).
 *
 * Who may call what. Every /v1 call of Prefero needs an API key or a customer token. An API
 * key is the shop's server-to-server secret and never belongs in a page, so this file works
 * only with a customer token, which the shop's backend asks Prefero for when its customer is
 * signed in (POST /v1/customers/{id}/tokens with its `token` key) and hands to the page. A
 * token reaches only that customer's own data, and only pages of PREFERO_ALLOWED_ORIGINS
 * may read Prefero's answers (CORS).
 *
 * Anonymous visitors (no token): nothing is asked and nothing is sent. Prefero answers no
 * /v1 call without a credential, and nothing personal may leave the browser for a person
 * who has not been identified and asked. Rows are not drawn (whatever the shop put inside the
 * element stays, so it can be a fallback), track() resolves false, openPreferences() opens
 * nothing.
 *
 * Consent. track() reads the customer's consents from Prefero before every send (a
 * withdrawal made anywhere, the preference center included, counts from the next call) and
 * sends only with tracking consent; without it no event leaves the browser. The server checks
 * again in any case. "Not for me" is different: it is the customer telling the shop
 * something, like a setting in the preference center, so it is sent without tracking
 * consent; Prefero then keeps only the "not for me" (the event itself is not linked to the
 * person), see prefero.events.service.ingest.
 *
 * Safety. Everything from the API reaches the page through textContent and attributes,
 * never as HTML. Calls go without cookies (credentials: "omit"): the token is the credential.
 */
(function (window, document) {
  "use strict";

  if (window.Prefero && window.Prefero.version) return; // the tag twice on one page

  var VERSION = "1.0.0";
  var CLASS = "prefero-"; // every class this file sets starts so (docs/sdk.md, "Styling")
  // Events a page may send; purchases and refunds come from the shop's backend, which knows
  // the order (POST /v1/events with its ingest key).
  var TRACKED = ["view", "add_to_cart", "remove_from_cart", "rec_click"];
  var PLACEMENTS = ["home", "product", "cart", "checkout", "search"];
  // An exchange code lives 120 s on the server; one older than this is not worth opening.
  var EXCHANGE_FRESH_MS = 100 * 1000;
  var DEFAULT_UNDO_SECONDS = 10;

  // What the file itself writes. Reasons come from the API already worded in the language
  // sent as Accept-Language (prefero.recommend.wording), so only the frame is here.
  var TEXTS = {
    en: {
      picked: "Picked for you",
      goesWith: "Goes well with this",
      cart: "Goes well with your cart",
      search: "Matching your search",
      popular: "Popular right now",
      different: "Something different",
      why: "Why this?",
      notForMe: "Not for me",
      hidden: "Hidden: {title}",
      undo: "Undo",
      back: "{title} is back.",
      gone: "We will not suggest {title} again.",
      failed: "{title} could not be hidden. Please try again.",
      change: "Change your preferences",
      colours: {one: "{n} colour", other: "{n} colours"},
      sizes: {one: "{n} size", other: "{n} sizes"}
    },
    pl: {
      picked: "Wybrane dla Ciebie",
      goesWith: "Pasuje do tego produktu",
      cart: "Pasuje do Twojego koszyka",
      search: "Pasujące do wyszukiwania",
      popular: "Teraz popularne",
      different: "Coś innego",
      why: "Dlaczego to?",
      notForMe: "Nie dla mnie",
      hidden: "Ukryto: {title}",
      undo: "Cofnij",
      back: "Przywrócono: {title}.",
      gone: "Nie będziemy już proponować: {title}.",
      failed: "Nie udało się ukryć: {title}. Spróbuj ponownie.",
      change: "Zmień swoje preferencje",
      colours: {one: "{n} kolor", few: "{n} kolory", many: "{n} kolorów", other: "{n} koloru"},
      sizes: {one: "{n} rozmiar", few: "{n} rozmiary", many: "{n} rozmiarów",
              other: "{n} rozmiaru"}
    }
  };
  var QUOTES = { en: ["\u201c", "\u201d"], pl: ["\u201e", "\u201d"] };

  // The script's own address, read now: document.currentScript is null once it has run.
  var ownScript = document.currentScript;
  var ownOrigin = ownScript && ownScript.src ? new URL(ownScript.src, document.baseURI).origin : "";

  var state = {
    api: ownOrigin,
    token: null,
    customerId: null,
    expiresAt: 0,
    exchangeUrl: null,
    exchangeAt: 0,
    refresh: null,
    refreshing: null,
    language: "en",
    locale: "en",
    undoMs: DEFAULT_UNDO_SECONDS * 1000,
    productUrl: null,
    images: true,
    stylesheet: true
  };
  var rowCount = 0;
  var queue = []; // track() calls waiting for the next send: [{event, resolve}]
  var sendScheduled = false;
  var pending = {}; // "not for me" waiting for its undo time, by product id

  // --- small helpers -----------------------------------------------------------------------

  function warn(message, detail) {
    if (window.console && console.warn) console.warn("[Prefero] " + message, detail || "");
  }

  function text(key, values) {
    var table = TEXTS[state.language] || TEXTS.en;
    return table[key].replace(/\{(\w+)\}/g, function (_, name) {
      return values && values[name] != null ? String(values[name]) : "";
    });
  }

  // A counted word in the page's language ("3 kolory", "5 kolorów"): Intl's plural rules
  // pick the form, so Polish gets its three.
  function counted(key, n) {
    var forms = (TEXTS[state.language] || TEXTS.en)[key];
    var rule = window.Intl && Intl.PluralRules ? new Intl.PluralRules(state.locale).select(n)
      : (n === 1 ? "one" : "other");
    return (forms[rule] || forms.other).replace("{n}", new Intl.NumberFormat(state.locale)
      .format(n));
  }

  function quoted(title) {
    var marks = QUOTES[state.language] || QUOTES.en;
    return marks[0] + title + marks[1];
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = CLASS + className;
    if (content != null) node.textContent = content;
    return node;
  }

  // RFC 4122 version 4 ids: crypto.randomUUID where the page is a secure context, else the
  // same layout from crypto.getRandomValues (never Math.random: ids must not collide, the
  // server drops a repeated id as a duplicate).
  function eventId() {
    var cryptoApi = window.crypto;
    if (cryptoApi && typeof cryptoApi.randomUUID === "function") return cryptoApi.randomUUID();
    var bytes = new Uint8Array(16);
    cryptoApi.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // The page's language picks the texts (English or Polish) and the language the API words
  // reasons in; the full tag ("pl-PL") formats prices.
  function languageOf(requested) {
    var tag = String(requested || document.documentElement.lang || "en").trim();
    var language = tag.toLowerCase().split(/[-_]/)[0] === "pl" ? "pl" : "en";
    var locale = language;
    try {
      locale = Intl.getCanonicalLocales(tag.replace("_", "-"))[0] || language;
    } catch (_) {
      locale = language;
    }
    return { language: language, locale: locale };
  }

  function money(amount, currency) {
    try {
      return new Intl.NumberFormat(state.locale, { style: "currency", currency: currency })
        .format(amount);
    } catch (_) {
      // An unknown currency code: the amount in the page's number format, without a code
      // nobody reads.
      return new Intl.NumberFormat(state.locale, { minimumFractionDigits: 2 }).format(amount);
    }
  }

  // --- the API -----------------------------------------------------------------------------

  function ApiError(status, detail) {
    this.name = "PreferoError";
    this.status = status;
    this.message = detail || "Prefero answered " + status;
  }
  ApiError.prototype = Object.create(Error.prototype);

  function takeToken(answer) {
    // The shop's backend may pass Prefero's token response through as it is, or name the
    // fields in JavaScript's style.
    if (!answer || typeof answer !== "object") return;
    if (answer.token) state.token = String(answer.token);
    var customer = answer.customerId || answer.customer_id;
    if (customer) state.customerId = String(customer);
    var expires = answer.expiresAt || answer.expires_at;
    state.expiresAt = expires ? Date.parse(expires) || 0 : 0;
    var exchange = answer.exchangeUrl || answer.exchange_url;
    if (exchange) {
      state.exchangeUrl = String(exchange);
      state.exchangeAt = Date.now();
    }
  }

  // One refresh at a time: several calls finding the token expired wait for the same one.
  function refreshToken() {
    if (!state.refresh) return Promise.resolve(false);
    if (!state.refreshing) {
      state.refreshing = Promise.resolve()
        .then(function () { return state.refresh(); })
        .then(function (answer) { takeToken(answer); return Boolean(answer && answer.token); })
        .catch(function (error) { warn("refresh failed", error); return false; })
        .then(function (ok) { state.refreshing = null; return ok; });
    }
    return state.refreshing;
  }

  function call(method, path, options) {
    options = options || {};
    var ready = state.expiresAt && state.expiresAt <= Date.now() ? refreshToken()
      : Promise.resolve(true);
    return ready.then(function () {
      if (!state.token && !options.token) throw new ApiError(0, "no customer token");
      var url = new URL(path, state.api);
      var query = options.query || {};
      Object.keys(query).forEach(function (name) {
        var value = query[name];
        if (value == null) return;
        (Array.isArray(value) ? value : [value]).forEach(function (one) {
          url.searchParams.append(name, String(one));
        });
      });
      var headers = {
        "Accept": "application/json",
        "Accept-Language": state.language,
        // A token given (the one a dismissal was made with) goes first; after a 401 the
        // refreshed one in force.
        "Authorization": "Bearer " + (options.retried ? state.token
          : options.token || state.token)
      };
      var init = { method: method, headers: headers, mode: "cors", credentials: "omit",
                   cache: "no-store", keepalive: Boolean(options.keepalive) };
      if (options.body !== undefined) {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(options.body);
      }
      return fetch(url.toString(), init).then(function (response) {
        if (response.status === 401 && !options.retried && state.refresh) {
          return refreshToken().then(function (ok) {
            if (!ok) throw new ApiError(401, "the customer token was refused");
            return call(method, path, Object.assign({}, options, { retried: true }));
          });
        }
        if (!response.ok) {
          return response.json().catch(function () { return {}; }).then(function (problem) {
            throw new ApiError(response.status, problem && problem.detail);
          });
        }
        return response.status === 204 ? null : response.json();
      });
    });
  }

  function sendEvents(events, keepalive, token) {
    return call("POST", "/v1/events", { body: { events: events }, keepalive: keepalive,
                                        token: token });
  }

  /** The customer's consents as {tracking: true, ...}; null for an anonymous visitor or a
   * customer Prefero does not know yet (nothing is sent for either). */
  function consents() {
    if (!state.token || !state.customerId) return Promise.resolve(null);
    return call("GET", "/v1/customers/" + encodeURIComponent(state.customerId) + "/consents")
      .then(function (answer) { return answer && answer.consents ? answer.consents : null; })
      .catch(function (error) {
        if (error.status !== 404) warn("consents could not be read", error.message);
        return null;
      });
  }

  // --- events ------------------------------------------------------------------------------

  function price(value) {
    if (value == null || value === "") return undefined;
    var number = Number(value);
    if (!isFinite(number) || number < 0) throw new TypeError("price must be a number >= 0");
    return number.toFixed(2); // the API stores two decimals; a string keeps them exact
  }

  /** Send one event if the customer's consent allows; resolves true once Prefero stored it.
   *
   *   Prefero.track("view", {productId: "sku-1"});
   *   Prefero.track("add_to_cart", {productId: "sku-1", price: 12.99, quantity: 2});
   *   Prefero.track("rec_click", {productId: "sku-1", placement: "home", reason: "trending"});
   */
  function track(type, data) {
    data = data || {};
    if (TRACKED.indexOf(type) < 0) {
      warn("track() takes " + TRACKED.join(", ") + "; not " + type);
      return Promise.resolve(false);
    }
    if (!data.productId) {
      warn("track() needs a productId");
      return Promise.resolve(false);
    }
    if (!state.token || !state.customerId) return Promise.resolve(false); // anonymous
    var event = {
      event_id: eventId(),
      type: type,
      customer_id: state.customerId,
      product_id: String(data.productId),
      occurred_at: new Date().toISOString()
    };
    try {
      var unit = price(data.price);
      if (unit !== undefined) event.price = unit;
    } catch (error) {
      warn(error.message);
      return Promise.resolve(false);
    }
    if (data.quantity != null) {
      var quantity = Number(data.quantity);
      if (!(quantity >= 1 && Math.floor(quantity) === quantity)) {
        warn("quantity must be a whole number >= 1");
        return Promise.resolve(false);
      }
      event.quantity = quantity;
    }
    if (data.placement) event.placement = String(data.placement);
    // rec_click: the clicked item's first reason code (item.reasons[0].code), for the
    // shop's recommendation statistics (docs/recommendation-stats.md).
    if (data.reason) event.reason = String(data.reason);
    return new Promise(function (resolve) {
      queue.push({ event: event, resolve: resolve });
      // Calls of one task share one consent read and one request.
      if (!sendScheduled) {
        sendScheduled = true;
        setTimeout(sendQueued, 0);
      }
    });
  }

  function sendQueued() {
    sendScheduled = false;
    var batch = queue;
    queue = [];
    var settle = function (ok) { batch.forEach(function (item) { item.resolve(ok); }); };
    consents().then(function (given) {
      if (!given || given.tracking !== true) return false; // nothing leaves the browser
      return sendEvents(batch.map(function (item) { return item.event; }))
        .then(function () { return true; });
    }).catch(function (error) {
      warn("events not sent", error.message);
      return false;
    }).then(settle);
  }

  // --- "Not for me" ------------------------------------------------------------------------
  //
  // The card goes at once and "Hidden: … Undo" takes its place; the dismissal is sent when
  // the undo time is over (paused while the customer is back on Undo), when the page is left
  // or hidden, or on Prefero.flush(). Prefero's API has no call that takes one dismissal
  // back, so an undo that works must happen before anything is sent.

  // The customer is the one who clicked, kept with the entry: a page that signs another
  // customer in before the undo time runs out never files it under them (their token
  // could not: the API refuses another customer's id).
  function dismissalEvent(productId, placement, customerId) {
    var event = { event_id: eventId(), type: "rec_dismiss", customer_id: customerId,
                  product_id: productId, occurred_at: new Date().toISOString() };
    if (placement) event.placement = placement;
    return event;
  }

  function commit(productIds, keepalive) {
    var entries = productIds.map(function (id) { return pending[id]; }).filter(Boolean);
    if (!entries.length) return Promise.resolve(0);
    entries.forEach(function (entry) {
      clearTimeout(entry.timer);
      delete pending[entry.productId];
    });
    // One request per customer who clicked, each with the token they had then.
    var byToken = {};
    entries.forEach(function (entry) {
      (byToken[entry.token] = byToken[entry.token] || []).push(entry);
    });
    return Promise.all(Object.keys(byToken).map(function (token) {
      var group = byToken[token];
      var events = group.map(function (entry) {
        return dismissalEvent(entry.productId, entry.placement, entry.customerId);
      });
      return sendEvents(events, keepalive, token).then(function () {
        group.forEach(function (entry) { entry.done(true); });
        return group.length;
      }, function (error) {
        warn("the dismissal was not recorded", error.message);
        group.forEach(function (entry) { entry.done(false); });
        return 0;
      });
    })).then(function (sent) {
      return sent.reduce(function (sum, n) { return sum + n; }, 0);
    });
  }

  /** Send every "Not for me" still waiting for its undo time now; resolves to how many. */
  function flush(keepalive) {
    return commit(Object.keys(pending), Boolean(keepalive));
  }

  function startTimer(entry) {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(function () { commit([entry.productId], false); }, state.undoMs);
  }

  function dismiss(row, card, item) {
    var title = item.title;
    var notice = el("li", "card " + CLASS + "card--hidden");
    notice.setAttribute("data-product-id", item.product_id);
    notice.appendChild(el("p", "hidden-text", text("hidden", { title: quoted(title) })));
    var undo = el("button", "button", text("undo"));
    undo.type = "button";
    notice.appendChild(undo);
    card.replaceWith(notice);
    undo.focus();
    row.announce(text("hidden", { title: quoted(title) }));

    var entry = {
      productId: item.product_id,
      placement: row.placement,
      customerId: state.customerId,
      token: state.token,
      timer: 0,
      done: function (ok) {
        if (!ok) {
          if (notice.isConnected) notice.replaceWith(card);
          row.announce(text("failed", { title: quoted(title) }));
          return;
        }
        var hadFocus = notice.contains(document.activeElement);
        notice.remove();
        if (hadFocus) row.focusTitle();
        row.announce(text("gone", { title: quoted(title) }));
      }
    };
    pending[item.product_id] = entry;
    startTimer(entry);
    // The undo time does not run out while the customer comes back to it (the focus this
    // function gave it above does not count: the listener comes after).
    undo.addEventListener("focus", function () { clearTimeout(entry.timer); });
    undo.addEventListener("blur", function () { if (pending[entry.productId]) startTimer(entry); });
    undo.addEventListener("click", function () {
      clearTimeout(entry.timer);
      delete pending[entry.productId];
      notice.replaceWith(card);
      var again = card.querySelector("." + CLASS + "card__dismiss");
      if (again) again.focus();
      row.announce(text("back", { title: quoted(title) }));
    });
  }

  // Leaving the page sends what is waiting; keepalive lets the request outlive the page.
  window.addEventListener("pagehide", function () { flush(true); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flush(true);
  });

  // --- the row -----------------------------------------------------------------------------

  function heading(result, options) {
    if (options.title) return String(options.title);
    var basis = result.basis;
    if (basis === "declared" || basis === "behaviour") return text("picked");
    if (basis === "search") return text("search");
    if (basis === "exploration") return text("different");
    if (basis === "context") {
      return options.placement === "product" ? text("goesWith") : text("cart");
    }
    return text("popular");
  }

  function productHref(item) {
    var target = state.productUrl;
    if (!target) return null;
    var href = typeof target === "function" ? target(item)
      : String(target).replace("{product_id}", encodeURIComponent(item.product_id));
    if (!href) return null;
    // Only web addresses: a "javascript:" link built from an id would run on click.
    try {
      var url = new URL(String(href), document.baseURI);
      return url.protocol === "http:" || url.protocol === "https:" ? url.toString() : null;
    } catch (_) {
      return null;
    }
  }

  function card(row, item) {
    var id = row.id + "-" + row.cards++;
    var node = el("li", "card");
    node.setAttribute("data-product-id", item.product_id);

    if (state.images) {
      var picture = el("img", "card__image");
      picture.alt = ""; // the title next to it says what it is
      picture.loading = "lazy";
      picture.decoding = "async";
      picture.src = new URL("/img/products/" + encodeURIComponent(item.product_id),
                            state.api).toString();
      picture.addEventListener("error", function () { picture.hidden = true; });
      node.appendChild(picture);
    }

    var title = el("h3", "card__title");
    title.id = id + "-title";
    var href = productHref(item);
    if (href) {
      var link = el("a", "card__link", item.title);
      link.href = href;
      title.appendChild(link);
    } else {
      title.textContent = item.title;
    }
    node.appendChild(title);
    node.appendChild(el("p", "card__price", money(item.price, item.currency)));
    // One card per model: say how many colours and sizes it also comes in.
    var family = item.variants;
    if (family) {
      var offered = [];
      if (family.colors && family.colors.length > 1) offered.push(counted("colours", family.colors.length));
      if (family.sizes && family.sizes.length > 1) offered.push(counted("sizes", family.sizes.length));
      if (offered.length) node.appendChild(el("p", "card__variants", offered.join(" \u00b7 ")));
    }

    var reasons = (item.reasons || []).map(function (reason) { return reason.text; })
      .filter(Boolean);
    if (reasons.length) node.appendChild(el("p", "card__reason", reasons[0]));

    var actions = el("div", "card__actions");
    var why = el("button", "card__why", text("why"));
    why.type = "button";
    why.setAttribute("aria-expanded", "false");
    why.setAttribute("aria-controls", id + "-why");
    why.setAttribute("aria-describedby", title.id);
    var dismissButton = el("button", "card__dismiss", text("notForMe"));
    dismissButton.type = "button";
    dismissButton.setAttribute("aria-describedby", title.id);
    actions.appendChild(why);
    actions.appendChild(dismissButton);
    node.appendChild(actions);

    var panel = el("div", "card__why-panel");
    panel.id = id + "-why";
    panel.hidden = true;
    var list = el("ul", "card__reasons");
    reasons.forEach(function (reason) { list.appendChild(el("li", "card__reason-item", reason)); });
    panel.appendChild(list);
    if (state.exchangeUrl || state.refresh) { // else the preference center cannot open
      var change = el("button", "card__change", text("change"));
      change.type = "button";
      change.addEventListener("click", function () { openPreferences(); });
      panel.appendChild(change);
    }
    node.appendChild(panel);

    why.addEventListener("click", function () {
      var open = why.getAttribute("aria-expanded") !== "true";
      why.setAttribute("aria-expanded", String(open));
      panel.hidden = !open;
    });
    dismissButton.addEventListener("click", function () { dismiss(row, node, item); });
    return node;
  }

  function optionsOf(element, given) {
    var data = element.dataset || {};
    var options = Object.assign({}, given || {});
    if (options.placement == null) options.placement = data.placement || "home";
    if (options.n == null && data.n) options.n = Number(data.n);
    if (options.productId == null && data.productId) options.productId = data.productId;
    if (options.cart == null && data.cart) {
      options.cart = data.cart.split(",").map(function (id) { return id.trim(); })
        .filter(Boolean);
    }
    if (options.title == null && data.title) options.title = data.title;
    return options;
  }

  /** Draw a recommendation row into ``element``; resolves to the product ids shown (an
   * empty list when nothing was drawn: anonymous, no items, or an error, which is logged).
   *
   *   Prefero.row(document.querySelector("#also"), {placement: "product", productId: "sku-1",
   *                                                 n: 4});
   */
  function row(element, given) {
    if (!element || element.nodeType !== 1) {
      return Promise.reject(new TypeError("Prefero.row needs an element"));
    }
    var options = optionsOf(element, given);
    if (PLACEMENTS.indexOf(options.placement) < 0) {
      warn("unknown placement " + options.placement + "; one of " + PLACEMENTS.join(", "));
      return Promise.resolve([]);
    }
    if (!state.token) {
      element.setAttribute("data-prefero-state", "anonymous");
      return Promise.resolve([]);
    }
    element.setAttribute("data-prefero-state", "loading");
    return call("GET", "/v1/recommendations", { query: {
      placement: options.placement,
      n: options.n || 8,
      product_id: options.productId,
      cart: options.cart
    } }).then(function (result) {
      var items = (result && result.items) || [];
      if (!items.length) {
        element.setAttribute("data-prefero-state", "empty");
        return [];
      }
      draw(element, result, options);
      element.setAttribute("data-prefero-state", "ready");
      return items.map(function (item) { return item.product_id; });
    }, function (error) {
      element.setAttribute("data-prefero-state", "error");
      warn("recommendations could not be loaded", error.message);
      return [];
    });
  }

  function draw(element, result, options) {
    var id = CLASS + "row-" + ++rowCount;
    var section = el("section", "row");
    section.setAttribute("aria-labelledby", id + "-title");
    section.setAttribute("lang", state.language);
    var title = el("h2", "row__title", heading(result, options));
    title.id = id + "-title";
    title.tabIndex = -1; // where the focus goes when the card that held it leaves
    section.appendChild(title);
    var list = el("ul", "row__list");
    section.appendChild(list);
    // Polite: the row says what happened without cutting into what is being read.
    var status = el("p", "visually-hidden");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    section.appendChild(status);

    var row = {
      id: id,
      cards: 0,
      placement: options.placement,
      announce: function (message) {
        // Emptied first, so that the same words twice are announced twice.
        status.textContent = "";
        setTimeout(function () { status.textContent = message; }, 50);
      },
      focusTitle: function () { title.focus(); }
    };
    result.items.forEach(function (item) { list.appendChild(card(row, item)); });
    element.replaceChildren(section);
  }

  // --- the preference center ---------------------------------------------------------------

  // The exchange URL Prefero issues is a path on Prefero; anything that resolves elsewhere
  // (a mistake in the shop's backend, or worse) is not opened.
  function onPrefero(exchange) {
    var url = new URL(exchange, state.api);
    return url.origin === state.api ? url.toString() : null;
  }

  function freshExchange() {
    if (state.exchangeUrl && Date.now() - state.exchangeAt < EXCHANGE_FRESH_MS) {
      return Promise.resolve(state.exchangeUrl);
    }
    return refreshToken().then(function () {
      return state.exchangeUrl && Date.now() - state.exchangeAt < EXCHANGE_FRESH_MS
        ? state.exchangeUrl : null;
    });
  }

  /** Open the preference center in a new window, signed in as the customer; resolves true
   * when it opened. Call it from a click: browsers block windows opened otherwise. Each
   * exchange URL opens once; after that, or after 100 s, ``refresh`` must supply a new one.
   */
  function openPreferences() {
    if (!state.token && !state.refresh) return Promise.resolve(false);
    if (state.exchangeUrl && Date.now() - state.exchangeAt < EXCHANGE_FRESH_MS) {
      var url = onPrefero(state.exchangeUrl);
      state.exchangeUrl = null; // one use only
      if (!url) return Promise.resolve(false);
      // noopener: the preference center gets no handle on the shop's page.
      window.open(url, "_blank", "noopener");
      return Promise.resolve(true);
    }
    // A window opened later than the click would be blocked, so it opens now, empty, while
    // the address comes from the shop's backend.
    var popup = window.open("", "_blank");
    return freshExchange().then(function (exchange) {
      if (!exchange) {
        if (popup) popup.close();
        warn("no exchange URL: give init() a fresh exchangeUrl or a refresh function");
        return false;
      }
      state.exchangeUrl = null;
      var target = onPrefero(exchange);
      if (!target) {
        if (popup) popup.close();
        warn("the exchange URL is not on Prefero (" + state.api + "); not opened");
        return false;
      }
      if (!popup) {
        // Blocked (or no window support): a last try, which works while the click is recent.
        window.open(target, "_blank", "noopener");
        return true;
      }
      popup.opener = null; // as noopener above
      popup.location.replace(target);
      return true;
    });
  }

  // --- start -------------------------------------------------------------------------------

  function addStylesheet() {
    if (!state.stylesheet || document.querySelector("link[data-prefero-css]")) return;
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = typeof state.stylesheet === "string" ? state.stylesheet
      : new URL("/sdk/prefero.css", state.api).toString();
    link.setAttribute("data-prefero-css", "");
    // First in <head>: the shop's own rules come later and win ties (and the defaults are
    // written with :where(), so they weigh nothing against any rule of the shop's).
    document.head.insertBefore(link, document.head.firstChild);
  }

  function whenReady() {
    if (document.readyState !== "loading") return Promise.resolve();
    return new Promise(function (resolve) {
      document.addEventListener("DOMContentLoaded", function () { resolve(); }, { once: true });
    });
  }

  /** Configure the client and draw every ``[data-prefero-row]`` of the page; resolves when
   * they are drawn.
   *
   *   Prefero.init({
   *     api: "https://prefero.shop.example",   // default: where this file came from
   *     token: "...", customerId: "c-42",       // from the shop's backend; none: anonymous
   *     exchangeUrl: "/session/exchange?code=…",
   *     refresh: () => fetch("/prefero-token").then((r) => r.json()),
   *     language: "pl",                         // default: <html lang>
   *   });
   */
  function init(options) {
    options = options || {};
    var next = options.customerId || options.customer_id;
    if (state.customerId && (next ? String(next) : null) !== state.customerId) {
      // Another customer (or none) from now on: what the last one dismissed goes now, with
      // their token, and their rows (their reasons) leave the page, to be drawn anew.
      flush(false);
      var drawn = document.querySelectorAll("[data-prefero-row][data-prefero-state]");
      Array.prototype.forEach.call(drawn, function (element) {
        element.replaceChildren();
        element.removeAttribute("data-prefero-state");
      });
    }
    if (options.api) state.api = new URL(String(options.api), document.baseURI).origin;
    if (!state.api) throw new TypeError("Prefero.init needs api: the address of Prefero");
    state.token = null;
    state.customerId = null;
    state.expiresAt = 0;
    state.exchangeUrl = null;
    takeToken(options);
    if (state.token && !state.customerId) {
      warn("a token without customerId: the page stays anonymous");
      state.token = null;
    }
    state.refresh = typeof options.refresh === "function" ? options.refresh : null;
    var chosen = languageOf(options.language);
    state.language = chosen.language;
    state.locale = chosen.locale;
    if (options.undoSeconds != null) state.undoMs = Math.max(0, Number(options.undoSeconds)) * 1000;
    if (options.productUrl != null) state.productUrl = options.productUrl;
    if (options.images != null) state.images = Boolean(options.images);
    if (options.stylesheet != null) state.stylesheet = options.stylesheet;
    return whenReady().then(function () {
      addStylesheet();
      if (options.autoRender === false) return [];
      // Rows drawn or being drawn stay; anonymous ones are drawn now if a token came.
      var rows = document.querySelectorAll("[data-prefero-row]:not([data-prefero-state=ready])" +
                                           ":not([data-prefero-state=loading])");
      return Promise.all(Array.prototype.map.call(rows, function (element) {
        return row(element);
      }));
    });
  }

  window.Prefero = {
    version: VERSION,
    init: init,
    row: row,
    track: track,
    consents: consents,
    openPreferences: openPreferences,
    flush: function () { return flush(false); }
  };
  // For pages that load this file with async or defer and set up in a listener.
  document.dispatchEvent(new CustomEvent("prefero:ready"));
})(window, document);
