// standardiste — the secretaries' console. The server pushes the whole
// state (server-sent events, /console/events) after every change; this
// script draws it and sends what the secretary does to the JSON API.
"use strict";

const root = document.getElementById("console");
const W = JSON.parse(document.getElementById("words").textContent);
const me = root.dataset.me;
const csrf = root.dataset.csrf;
let state = null;
let card = null; // { uuid, practice_id, caller, view }
let urgentSeen = new Set();

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

async function api(method, path, body) {
  const resp = await fetch(path, {
    method,
    headers: method === "GET" ? {} : { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(data.error || resp.statusText);
  return data;
}

function say(where, text, bad) {
  where.replaceChildren(el("p", { class: bad ? "error" : "notice", role: bad ? "alert" : "status" }, text));
}

function practiceName(id) {
  const p = (state?.practices || []).find((x) => x[0] === id);
  return p ? p[1] : String(id);
}

function waited(since) {
  const s = Math.max(0, Math.round((Date.now() - new Date(since).getTime()) / 1000));
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

function local(iso) {
  return new Date(iso).toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "fr-FR", { weekday: "long", day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" });
}

function beep() {
  try {
    const ctx = new AudioContext();
    const o = ctx.createOscillator();
    o.frequency.value = 880;
    o.connect(ctx.destination);
    o.start();
    o.stop(ctx.currentTime + 0.3);
  } catch (e) { /* no sound without a user gesture: the mark stays */ }
}

// --- her state ---------------------------------------------------------
const buttons = {
  login: document.getElementById("btn-login"),
  pause: document.getElementById("btn-pause"),
  resume: document.getElementById("btn-resume"),
  logout: document.getElementById("btn-logout"),
};
const reason = document.getElementById("pause-reason");
document.getElementById("pause-label").textContent = W.pause_reason;
reason.placeholder = W.pause_reason;
for (const [action, b] of Object.entries(buttons)) {
  b.textContent = W[action];
  b.addEventListener("click", async () => {
    try {
      await api("POST", `/api/agents/${encodeURIComponent(me)}/${action}`, action === "pause" ? { reason: reason.value || null } : undefined);
    } catch (e) {
      say(document.getElementById("link"), `${W.error}: ${e.message}`, true);
      document.getElementById("link").hidden = false;
    }
  });
}

function drawMe() {
  const s = state.me ? state.me.state : { state: "logged_out" };
  let text = W[s.state] || s.state;
  if (s.state === "paused" && s.reason) text += ` (${s.reason})`;
  if (s.state === "wrap_up") text += ` — ${Math.max(0, Math.round((new Date(s.until) - Date.now()) / 1000))} ${W.seconds_left}`;
  document.getElementById("my-state").textContent = text;
  root.dataset.state = s.state;
  const show = { login: s.state === "logged_out", pause: s.state === "available" || s.state === "wrap_up", resume: s.state === "paused", logout: ["available", "paused", "wrap_up"].includes(s.state) };
  for (const [k, b] of Object.entries(buttons)) b.hidden = !show[k];
  reason.hidden = !show.pause;
}

// --- the queue ---------------------------------------------------------
function drawQueue() {
  document.getElementById("queue-title").textContent = W.queue;
  const head = document.querySelector("#queue thead tr");
  head.replaceChildren(...[W.practice, W.reason, W.caller, W.waited, W.position, W.ringing].map((h) => el("th", { scope: "col" }, h)));
  const body = document.querySelector("#queue tbody");
  body.replaceChildren(
    ...state.waiting.map((w) =>
      el(
        "tr",
        { class: w.urgent ? "is-urgent" : "", "data-uuid": w.uuid, "data-urgent": w.urgent ? "1" : "0" },
        el("td", {}, ...(w.urgent ? [el("span", { class: "badge urgent" }, W.urgent), " "] : []), practiceName(w.practice_id)),
        el("td", {}, w.reason),
        el("td", {}, w.caller || W.withheld),
        el("td", { class: "waited", "data-since": w.since }, waited(w.since)),
        el("td", {}, w.position),
        el("td", {}, (w.ringing || []).join(", ")),
      ),
    ),
  );
  document.getElementById("queue-empty").textContent = state.waiting.length ? "" : W.no_waiting;
  const urgent = state.waiting.filter((w) => w.urgent).map((w) => w.uuid);
  if (urgent.some((u) => !urgentSeen.has(u))) beep();
  urgentSeen = new Set(urgent);
}

// --- the call-backs ----------------------------------------------------
function drawCallbacks() {
  document.getElementById("callbacks-title").textContent = W.callbacks;
  const list = document.getElementById("callbacks");
  if (!state.callbacks.length) {
    list.replaceChildren(el("li", { class: "muted" }, W.no_callbacks));
    return;
  }
  list.replaceChildren(
    ...(state.callbacks.some((c) => !c.placed_at) ? [] : [el("li", { class: "muted" }, W.no_callbacks)]),
    ...state.callbacks.map((c) => {
      const out = el("span", {});
      if (c.placed_at) {
        return el("li", { "data-id": c.id, class: "is-done" }, `${practiceName(c.practice_id)} — ${c.caller} — ${W.placed} ${local(c.placed_at)} (${c.placed_by || ""}): ${c.outcome || "…"}`);
      }
      return el(
        "li",
        { "data-id": c.id, class: c.urgent ? "is-urgent" : "" },
        `${practiceName(c.practice_id)} — ${c.caller} — ${c.reason} (${W.asked} ${local(c.requested_at)}) `
          + (c.attempts ? `— ${c.attempts} ${W.attempts}, ${W.last}: ${c.outcome || "…"} ` : "")
          + (c.claimed_by ? `— ${W.calling} ${c.claimed_by} ` : ""),
        el("button", { type: "button", onclick: async () => {
          try { await api("POST", `/api/callbacks/${c.id}/place`, { agent: me }); say(out, "…"); } catch (e) { say(out, `${W.error}: ${e.message}`, true); }
        } }, W.call_back),
        out,
      );
    }),
  );
}

// --- the call's card ---------------------------------------------------
/** Draw the card again with what changed, then say what was done in its
 * note (the new card's: the old one is gone with the redraw). */
async function redrawSaying(text) {
  await openCard(card.uuid);
  say(document.getElementById("card-note"), text);
}

async function openCard(uuid) {
  const view = await api("GET", `/api/calls/${encodeURIComponent(uuid)}`);
  const practice = await api("GET", `/api/console/practices/${view.call.practice_id}`);
  card = { uuid, practice_id: view.call.practice_id, caller: view.call.caller, view, practice };
  drawCard();
}

function drawCard() {
  const section = document.getElementById("card");
  if (!card) { section.hidden = true; return; }
  section.hidden = false;
  const v = card.view;
  document.getElementById("card-title").replaceChildren(...(v.call.urgent ? [el("span", { class: "badge urgent" }, W.urgent), " "] : []), `${W.card} — ${v.instructions.practice}`);
  const h = v.history || { appointments: [], messages: [], calls: [] };
  const note = el("div", { id: "card-note" });
  const appts = h.appointments.map((a) => {
    const li = el("li", { "data-id": a.id, class: a.status === "cancelled" ? "is-cancelled" : "" }, `${local(a.start)} — ${a.patient_name || ""} `);
    if (a.status === "booked" && new Date(a.start) > new Date()) {
      li.append(el("button", { type: "button", class: "danger", onclick: async () => {
        try { await api("POST", "/api/console/cancel", { practice_id: card.practice_id, appointment_id: a.id }); await redrawSaying(W.out_cancelled); } catch (e) { say(note, `${W.error}: ${e.message}`, true); }
      } }, W.cancel));
    }
    return li;
  });
  const movable = h.appointments.filter((a) => a.status === "booked" && new Date(a.start) > new Date());
  const which = el("select", { id: "card-move-which", "aria-label": W.move }, ...movable.map((a) => el("option", { value: a.id }, local(a.start))));
  const doctor = el("select", { id: "card-doctor", "aria-label": W.doctor }, ...card.practice.doctors.map((d) => el("option", { value: d.id }, d.name)));
  const type = el("select", { id: "card-type", "aria-label": W.type });
  const fillTypes = () => type.replaceChildren(...card.practice.types.filter((t) => String(t.doctor_id) === doctor.value).map((t) => el("option", { value: t.id }, `${t.name} (${t.duration_minutes} min)`)));
  doctor.addEventListener("change", fillTypes);
  fillTypes();
  const name = el("input", { id: "card-name", "aria-label": W.patient, placeholder: W.patient });
  const slots = el("ul", { id: "card-slots" });
  const find = el("button", { type: "button", id: "card-find", onclick: async () => {
    try {
      const list = await api("POST", "/api/console/slots", { practice_id: card.practice_id, doctor_id: Number(doctor.value), type_id: Number(type.value) });
      slots.replaceChildren(...list.map((s) => {
        const li = el("li", {}, `${s.label} `, el("button", { type: "button", class: "book", "data-start": s.start, onclick: async () => {
          try {
            await api("POST", "/api/console/book", { practice_id: card.practice_id, doctor_id: Number(doctor.value), type_id: Number(type.value), start: s.start, name: name.value, phone: card.caller });
            await redrawSaying(W.booked);
          } catch (e) { say(note, `${W.error}: ${e.message}`, true); }
        } }, W.book));
        if (movable.length) {
          li.append(" ", el("button", { type: "button", class: "move", onclick: async () => {
            try {
              await api("POST", "/api/console/move", { practice_id: card.practice_id, appointment_id: Number(which.value), start: s.start });
              await redrawSaying(W.move);
            } catch (e) { say(note, `${W.error}: ${e.message}`, true); }
          } }, W.move));
        }
        return li;
      }));
    } catch (e) { say(note, `${W.error}: ${e.message}`, true); }
  } }, W.find);
  const text = el("textarea", { id: "card-message", rows: 3, "aria-label": W.message_title });
  const send = el("button", { type: "button", id: "card-send", onclick: async () => {
    try { await api("POST", "/api/console/message", { practice_id: card.practice_id, caller: card.caller, text: text.value, urgent: !!v.call.urgent }); text.value = ""; say(note, W.sent); } catch (e) { say(note, `${W.error}: ${e.message}`, true); }
  } }, W.send);
  const outcome = el("select", { id: "card-outcome", "aria-label": W.close_title }, ...["booked", "cancelled", "message", "information", "put_through", "other"].map((o) => el("option", { value: o }, W["out_" + o])));
  const close = el("button", { type: "button", id: "card-close", onclick: async () => {
    try { await api("POST", "/api/console/close", { uuid: card.uuid, practice_id: card.practice_id, outcome: outcome.value }); card = null; drawCard(); } catch (e) { say(note, `${W.error}: ${e.message}`, true); }
  } }, W.close);
  const doctors = v.instructions.doctors.filter((d) => d[1]).map((d) => el("li", {}, `${d[0]}: ${d[1]}`));
  document.getElementById("card-body").replaceChildren(
    el("p", {}, `${W.reason}: ${v.call.reason}`),
    el("p", {}, `${W.caller}: `, v.call.caller ? el("a", { href: `tel:${v.call.caller}` }, v.call.caller) : W.withheld),
    el("h3", {}, W.instructions), el("p", { class: "transcript", id: "card-instructions" }, v.instructions.practice_instructions || W.none),
    el("h3", {}, W.doctor_instructions), el("ul", {}, ...(doctors.length ? doctors : [el("li", {}, W.none)])),
    el("h3", {}, W.appointments), el("ul", { id: "card-appointments" }, ...(appts.length ? appts : [el("li", {}, W.none)])),
    el("h3", {}, W.messages), el("ul", {}, ...(h.messages.length ? h.messages.map((m) => el("li", {}, `${local(m.received_at)} — ${m.transcript || ""}`)) : [el("li", {}, W.none)])),
    el("h3", {}, W.calls), el("ul", {}, ...(h.calls.length ? h.calls.map((c) => el("li", {}, `${local(c[0])} — ${c[1]} ${c[2]}`)) : [el("li", {}, W.none)])),
    note,
    el("h3", {}, W.book_title), el("div", { class: "row" }, doctor, type, name, find, ...(movable.length ? [which] : [])), slots,
    el("h3", {}, W.message_title), text, el("div", { class: "row" }, send),
    el("h3", {}, W.close_title), el("div", { class: "row" }, outcome, close),
  );
}

// --- the stream ----------------------------------------------------------
function draw() {
  drawMe();
  drawQueue();
  drawCallbacks();
  if (state.call && (!card || card.uuid !== state.call)) {
    openCard(state.call).catch((e) => console.warn("card", e));
  }
}

function connect() {
  const link = document.getElementById("link");
  const source = new EventSource("/console/events");
  source.addEventListener("state", (e) => {
    state = JSON.parse(e.data);
    link.hidden = true;
    root.dataset.updated = String(Date.now());
    draw();
  });
  source.onerror = () => {
    link.textContent = W.lost;
    link.hidden = false;
  };
}

setInterval(() => {
  document.querySelectorAll("td.waited").forEach((td) => { td.textContent = waited(td.dataset.since); });
  if (state && state.me && state.me.state.state === "wrap_up") drawMe();
}, 1000);

document.querySelector("title").textContent = `${W.title} — standardiste`;
connect();
