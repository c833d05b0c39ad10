// Switchboard agent desktop. Plain script, no framework, no build step. Every string that can come from a
// caller, the CRM or an offer rule is put on the page with textContent, never parsed as HTML.
"use strict";

(() => {
  const SUBPROTOCOL = "switchboard.agent.v1";
  const CLOSE_AUTH = 4401;
  const SESSION_KEY = "switchboard.agent.session";
  const DISPOSITIONS = [
    ["resolved", "Resolved"],
    ["follow-up", "Follow-up needed"],
    ["escalated", "Escalated"],
    ["callback", "Callback scheduled"],
    ["no-action", "No action"],
  ];
  const STATE_WORDS = {
    offline: "Offline",
    available: "Available",
    ringing: "Ringing",
    oncall: "On a call",
    wrapup: "Wrap-up",
    paused: "Paused",
  };

  const $ = (id) => document.getElementById(id);

  /** Builds an element; strings among the children become text nodes. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "text") node.textContent = String(v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      node.append(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return node;
  }

  let session = readSession();
  let ws = null;
  let attempt = 0;
  let reconnectTimer = null;
  let wrapTimer = null;
  let seq = 0;
  const pending = new Map();
  const cards = new Map();
  const announced = new Set();

  function readSession() {
    try {
      const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
      return s && typeof s.token === "string" && s.expiresAt > Date.now() ? s : null;
    } catch {
      return null;
    }
  }

  // ---- login ----------------------------------------------------------------------------------------

  async function login(ev) {
    ev.preventDefault();
    const error = $("login-error");
    error.textContent = "";
    const agentId = $("agent-id").value.trim();
    const password = $("password").value;
    if (!agentId || !password) {
      error.textContent = "Enter your agent ID and password.";
      return;
    }
    let res;
    try {
      res = await fetch("/api/agent/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ agentId, password }),
      });
    } catch {
      error.textContent = "The server cannot be reached. Try again.";
      return;
    }
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      error.textContent = body.error || `Login failed (${res.status}).`;
      return;
    }
    $("password").value = "";
    session = { token: body.token, agent: body.agent, expiresAt: body.expiresAt };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
    showDesk();
    connect();
  }

  function logout(message) {
    session = null;
    sessionStorage.removeItem(SESSION_KEY);
    clearTimeout(reconnectTimer);
    if (ws) {
      const old = ws;
      ws = null;
      old.close(1000, "logout");
    }
    for (const c of cards.values()) c.remove();
    cards.clear();
    announced.clear();
    setConn("Not connected", "");
    $("desk-view").hidden = true;
    $("logout").hidden = true;
    $("whoami").hidden = true;
    $("login-view").hidden = false;
    $("login-error").textContent = message || "";
    $("agent-id").focus();
  }

  function showDesk() {
    $("login-view").hidden = true;
    $("desk-view").hidden = false;
    $("logout").hidden = false;
    const who = $("whoami");
    who.hidden = false;
    who.textContent = `${session.agent.name} (${session.agent.id})`;
  }

  // ---- connection -----------------------------------------------------------------------------------

  function setConn(text, cls) {
    const c = $("conn");
    c.textContent = text;
    c.className = `conn ${cls}`;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    if (!session) return;
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/agent/ws`;
    setConn(attempt ? "Reconnecting…" : "Connecting…", "");
    const socket = new WebSocket(url, SUBPROTOCOL);
    ws = socket;
    // the token goes in the first message, never in the URL (URLs end up in logs)
    socket.addEventListener("open", () => socket.send(JSON.stringify({ type: "auth", token: session.token })));
    socket.addEventListener("message", (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      onMessage(msg);
    });
    socket.addEventListener("close", (ev) => {
      if (ws !== socket) return; // replaced or logged out
      ws = null;
      for (const p of pending.values()) p.error("The connection dropped before the server answered. Try again.");
      pending.clear();
      if (ev.code === CLOSE_AUTH) {
        logout("Your session has ended. Please log in again.");
        return;
      }
      // capped exponential backoff with jitter, so a restarted daemon is not hit by every desk at once
      const delay = Math.min(15000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt += 1;
      setConn(`Disconnected; reconnecting in ${Math.ceil(delay / 1000)} s`, "down");
      reconnectTimer = setTimeout(connect, delay);
    });
  }

  function request(msg, onOk, onError) {
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      onError("Not connected to the server; wait for the connection to come back.");
      return;
    }
    const id = `r${++seq}`;
    pending.set(id, { ok: onOk, error: onError });
    ws.send(JSON.stringify({ ...msg, id }));
  }

  function onMessage(msg) {
    switch (msg.type) {
      case "welcome":
        attempt = 0;
        setConn("Connected", "up");
        // the server sends every call still on this desk right after: start from a clean slate
        for (const c of cards.values()) c.remove();
        cards.clear();
        updateEmpty();
        if (msg.status) showStatus(msg.status);
        break;
      case "pop":
        showPop(msg.pop);
        break;
      case "popCleared":
        removeCard(msg.callId);
        break;
      case "status":
        showStatus(msg);
        break;
      case "ok":
      case "error": {
        const p = msg.id ? pending.get(msg.id) : undefined;
        if (p) {
          pending.delete(msg.id);
          if (msg.type === "ok") p.ok();
          else p.error(msg.message);
        } else if (msg.type === "error") {
          $("state-error").textContent = msg.message;
        }
        break;
      }
    }
  }

  // ---- state ----------------------------------------------------------------------------------------

  function showStatus(s) {
    $("state-current").textContent = STATE_WORDS[s.state] || s.state;
    $("state-reason").textContent = s.reason ? `(${s.reason})` : "";
    clearInterval(wrapTimer);
    const wrap = $("wrapup");
    if (s.state === "wrapup" && s.wrapUpUntil) {
      const tick = () => {
        const left = Math.max(0, Math.ceil((s.wrapUpUntil - Date.now()) / 1000));
        wrap.textContent = left > 0 ? `Wrap-up: ${left} s left` : "Wrap-up over";
        if (left === 0) clearInterval(wrapTimer);
      };
      wrap.hidden = false;
      tick();
      wrapTimer = setInterval(tick, 1000);
    } else {
      wrap.hidden = true;
      wrap.textContent = "";
    }
  }

  function setState(state) {
    const error = $("state-error");
    error.textContent = "";
    const msg = state === "paused" ? { type: "state", state, reason: $("pause-reason").value } : { type: "state", state };
    request(msg, () => {}, (m) => (error.textContent = m));
  }

  // ---- the pop --------------------------------------------------------------------------------------

  const fmtWait = (s) => (s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`);
  const fmtWhen = (iso) => {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
  };
  const money = (v, cur) => `${Number(v).toFixed(2)} ${cur}`;

  function facts(rows) {
    const dl = el("dl", { class: "facts" });
    for (const [label, value] of rows) {
      if (value === null || value === undefined || value === "") continue;
      dl.append(el("dt", { text: label }), el("dd", {}, value));
    }
    return dl;
  }

  function customerRows(c) {
    if (!c) return [["Customer", "Not recognised"]];
    const products = c.products.length
      ? el(
          "ul",
          {},
          ...c.products.map((p) =>
            el(
              "li",
              {},
              `${p.name}${p.version ? ` ${p.version}` : ""}`,
              p.outdated ? el("span", { class: "outdated", text: ` (outdated; ${p.currentVersion} is current)` }) : null,
              p.warrantyEnds ? `; warranty ends ${p.warrantyEnds}` : null,
            ),
          ),
        )
      : null;
    return [
      ["Customer", `${c.name} (${c.id})`],
      ["Tier", c.tier],
      ["Account", c.accountNumber],
      ["Express subscription", c.express ? "yes" : null],
      ["Prepaid balance", c.prepaid ? money(c.prepaid.balance, c.prepaid.currency) : null],
      ["Contract ends", c.contractEnds],
      ["Products", products],
    ];
  }

  function offerBlock(pop, offer, index) {
    const titleId = `offer-${pop.callId}-${index}`.replace(/[^A-Za-z0-9_-]/g, "_");
    const result = el("p", { class: "done", role: "status" });
    const amount = el("input", { type: "number", min: "0", step: "0.01", value: String(offer.value), id: `${titleId}-amount` });
    const record = (outcome, button) => {
      result.className = "done";
      result.textContent = "Sending…";
      const msg = { type: "outcome", callId: pop.callId, offerId: offer.id, outcome };
      if (outcome === "sold") {
        const value = Number(amount.value);
        if (!Number.isFinite(value) || value < 0) {
          result.className = "error";
          result.textContent = "Enter the amount sold.";
          amount.focus();
          return;
        }
        msg.amount = value;
      }
      request(
        msg,
        () => {
          result.textContent = outcome === "sold" ? `Recorded: sold for ${money(msg.amount, offer.currency)}` : `Recorded: ${outcome}`;
          button.setAttribute("aria-pressed", "true");
        },
        (m) => {
          result.className = "error";
          result.textContent = m;
        },
      );
    };
    const button = (label, outcome) => {
      const b = el("button", { type: "button", "aria-describedby": titleId, "data-outcome": outcome, text: label });
      b.addEventListener("click", () => record(outcome, b));
      return b;
    };
    return el(
      "section",
      { class: "offer", "aria-labelledby": titleId },
      el("h5", { id: titleId }, offer.title, el("span", { class: "value", text: ` · ${money(offer.value, offer.currency)} · ${offer.kind === "lead-to-sales" ? "lead for sales" : "sell in call"}` })),
      offer.facts.length ? el("ul", { class: "offer-facts" }, ...offer.facts.map((f) => el("li", { text: f }))) : null,
      offer.pitch ? el("p", { class: "pitch", text: offer.pitch }) : null,
      el(
        "div",
        { class: "actions" },
        button("Interested", "interested"),
        el("label", { for: amount.id, text: `Amount (${offer.currency})` }),
        amount,
        button("Sold", "sold"),
        button("Declined", "declined"),
      ),
      result,
    );
  }

  function dispositionForm(pop) {
    const base = `disp-${pop.callId}`.replace(/[^A-Za-z0-9_-]/g, "_");
    const select = el("select", { id: `${base}-code`, required: true }, ...DISPOSITIONS.map(([v, t]) => el("option", { value: v, text: t })));
    const notes = el("textarea", { id: `${base}-notes`, rows: "3", maxlength: "4000" });
    const result = el("p", { class: "done", role: "status" });
    const form = el(
      "form",
      { class: "disposition", "aria-label": "Disposition" },
      el("label", { for: select.id, text: "Disposition" }),
      select,
      el("label", { for: notes.id, text: "Notes" }),
      notes,
      el("button", { type: "submit", class: "primary", text: "Save disposition" }),
      result,
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      result.className = "done";
      result.textContent = "Saving…";
      const msg = { type: "disposition", callId: pop.callId, disposition: select.value };
      if (notes.value.trim()) msg.notes = notes.value;
      request(
        msg,
        () => (result.textContent = "Saved"),
        (m) => {
          result.className = "error";
          result.textContent = m;
        },
      );
    });
    return form;
  }

  function showPop(pop) {
    const who = pop.callerName || pop.callerNumber;
    const headingId = `call-${pop.callId}`.replace(/[^A-Za-z0-9_-]/g, "_");
    const card = el(
      "article",
      { class: `card${pop.express ? " express" : ""}`, "aria-labelledby": headingId, "data-call-id": pop.callId },
      el("h3", { id: headingId }, `Call from ${who}`, pop.express ? el("span", { class: "badge", text: `Express · ${pop.laneName}` }) : el("span", { class: "badge plain", text: pop.laneName })),
      facts([
        ["Caller number", pop.callerNumber],
        ["Caller name", pop.callerName],
        ...customerRows(pop.customer),
        ["Queue", pop.queueName],
        ["Lane", pop.laneName],
        ["Reason", pop.reason],
        ["Waited", fmtWait(pop.waitSeconds)],
      ]),
      el("h4", { text: "IVR path" }),
      pop.path.length
        ? el("ol", { class: "path" }, ...pop.path.map((p) => el("li", { text: `${p.label || p.node}${p.choice ? `: ${p.choice}` : ""}` })))
        : el("p", { text: "No IVR steps recorded." }),
      el("h4", { text: "Recent calls" }),
      pop.history.length
        ? el(
            "table",
            {},
            el("thead", {}, el("tr", {}, ...["When", "Disposition", "Agent", "Wait"].map((h) => el("th", { scope: "col", text: h })))),
            el(
              "tbody",
              {},
              ...pop.history.map((h) =>
                el("tr", {}, el("td", { text: fmtWhen(h.at) }), el("td", { text: h.disposition || "" }), el("td", { text: h.agent || "" }), el("td", { text: h.waitSeconds === null ? "" : fmtWait(h.waitSeconds) })),
              ),
            ),
          )
        : el("p", { text: "No earlier calls." }),
      el("h4", { text: "Offers" }),
      pop.offers.length ? el("div", { class: "offers" }, ...pop.offers.map((o, i) => offerBlock(pop, o, i))) : el("p", { text: "No offer fits this caller." }),
      el("h4", { text: "After the call" }),
      dispositionForm(pop),
    );
    const old = cards.get(pop.callId);
    if (old) old.replaceWith(card);
    else $("cards").prepend(card);
    cards.set(pop.callId, card);
    updateEmpty();
    request({ type: "ack", callId: pop.callId }, () => {}, () => {});
    if (!announced.has(pop.callId)) {
      announced.add(pop.callId);
      $("announcer").textContent = `New call from ${who}${pop.express ? ", express lane" : ""}`;
    }
  }

  function removeCard(callId) {
    const card = cards.get(callId);
    if (card) card.remove();
    cards.delete(callId);
    updateEmpty();
  }

  function updateEmpty() {
    $("no-call").hidden = cards.size > 0;
  }

  // ---- start ----------------------------------------------------------------------------------------

  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", () => {
    const done = () => logout("");
    request({ type: "state", state: "offline" }, done, done);
  });
  $("go-available").addEventListener("click", () => setState("available"));
  $("go-paused").addEventListener("click", () => setState("paused"));
  $("go-offline").addEventListener("click", () => setState("offline"));
  if (session) {
    showDesk();
    connect();
  } else {
    $("agent-id").focus();
  }
})();
