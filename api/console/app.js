// The node console: live status, auction book and LStake from /v1/console/events (server-sent
// events), and a chat playground on /v1/chat/completions that follows each answer's receipt
// until the verifiers' verdict is on chain. No framework, no build step.
"use strict";

const $ = (id) => document.getElementById(id);
const LAMPORTS_PER_SOL = 1e9;

const state = {
  node: null,
  auctions: new Map(), // address -> auction, the latest book
  mine: new Map(), // address -> receipt view of this page's answers
  messages: [], // the conversation sent with each question
};

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function short(key) {
  return key && key.length > 12 ? `${key.slice(0, 4)}…${key.slice(-4)}` : key || "—";
}

function keyCell(key) {
  const me = state.node && key === state.node.identity;
  return el("span", { class: "key", title: key, text: me ? `${short(key)} (this node)` : short(key) });
}

function sol(lamports) {
  if (lamports === null || lamports === undefined) return "—";
  return (lamports / LAMPORTS_PER_SOL).toFixed(4);
}

// The words the console uses for where a verification stands.
function verdict(verification, auctionState) {
  switch (verification) {
    case "valid": return "verified";
    case "fraud": return "slashed";
    case "pending": return "pending";
    case "void": return "voided, refunded";
    default:
      if (auctionState === "timedout") return "timed out";
      if (auctionState === "unfilled") return "unfilled";
      return "in auction";
  }
}

function badge(text, cls) {
  return el("span", { class: `badge ${cls}`, text });
}

// ---- live status -------------------------------------------------------------------------

function showNode(n) {
  state.node = n;
  $("identity").replaceChildren(el("span", { class: "key", title: n.identity, text: short(n.identity) }));
  $("roles").textContent = n.roles.join(", ") || "—";
  $("slot").textContent = n.slot;
  $("root").textContent = n.root;
  $("epoch").textContent = `${n.epoch} (${n.slot_index}/${n.slots_in_epoch})`;
  $("tps").textContent = n.tps.toFixed(1);
  $("transactions").textContent = n.transactions;
  $("peers").textContent = n.peers;
  $("model").textContent = n.model ? `model: ${n.model}` : "this node serves no model";
  $("send").disabled = !n.model || state.busy;
  $("upcoming").replaceChildren(...n.upcoming_leaders.map((l) => el("li", {
    class: l.leader === n.identity ? "me" : null, title: l.leader, text: `${l.slot}: ${short(l.leader)}`,
  })));
}

function showAuctions(list) {
  state.auctions = new Map(list.map((a) => [a.address, a]));
  const rows = list.map((a) => {
    const bids = a.bids.length
      ? a.bids.map((b) => (b.price === null ? "sealed" : sol(b.price))).join(", ")
      : `${a.revealed} revealed`;
    const slot = state.node ? state.node.slot : 0;
    const waiting = a.state === "open" || a.state === "awarded";
    const deadline = !waiting ? "—" : a.deadline > slot ? `in ${a.deadline - slot} slots` : "passed";
    const v = verdict(a.verification, a.state);
    return el("tr", { class: state.mine.has(a.address) ? "mine" : null, "data-auction": a.address },
      el("td", {}, keyCell(a.address)),
      el("td", {}, badge(a.state, a.state)),
      el("td", { text: bids }),
      el("td", {}, a.winner ? keyCell(a.winner) : "—"),
      el("td", { text: sol(a.price) }),
      el("td", { text: `${a.tokens}/${a.max_tokens}` }),
      el("td", { text: deadline, title: `bids until ${a.bid_end}, reveals until ${a.reveal_end}` }),
      el("td", { "data-testid": "book-verification" }, badge(v, v.split(",")[0].replace(" ", ""))));
  });
  $("auctions").replaceChildren(...(rows.length ? rows : [
    el("tr", { class: "empty" }, el("td", { colspan: "8", text: "No auctions yet." }))]));
  for (const [address, view] of state.mine) {
    const a = state.auctions.get(address);
    if (a) view.update(a.verification, a.state);
  }
}

function showStake(s) {
  $("stake-epoch").textContent = `table of epoch ${s.table_epoch}, schedule of epoch ${s.schedule_epoch}`;
  const max = Math.max(1e-12, ...s.entries.map((e) => e.lstake));
  $("lstake").replaceChildren(...s.entries.map((e) => el("tr", { "data-identity": e.identity },
    el("td", {}, keyCell(e.identity)),
    el("td", {}, el("div", { text: `${(e.lstake * 100).toFixed(2)} %` }),
      el("div", { class: "bar", style: `width:${(100 * e.lstake) / max}%` })),
    el("td", { text: e.leader_slots }))));
}

function connect() {
  const events = new EventSource("/v1/console/events");
  const on = (name, f) => events.addEventListener(name, (e) => {
    $("live").classList.remove("off");
    f(JSON.parse(e.data));
  });
  on("node", showNode);
  on("auctions", showAuctions);
  on("lstake", showStake);
  events.onerror = () => $("live").classList.add("off");
}

// ---- chat --------------------------------------------------------------------------------

// The receipt under an answer, kept up to date until the verifiers decide.
function receiptView(box, receipt) {
  const status = el("span", { "data-testid": "receipt-status" });
  const rows = [
    ["status", status],
    ["auction", el("span", { "data-testid": "receipt-auction", text: receipt.auction })],
    ["miner", receipt.miner],
    ["price", `${sol(receipt.price)} SOL`],
    ["tokens", String(receipt.token_count)],
    ["PoL root", receipt.pol_root],
    ["output hash", receipt.output_hash],
    ["transactions", String(receipt.transactions.length)],
  ];
  const dl = el("dl", { class: "receipt", "data-testid": "receipt" });
  for (const [k, v] of rows) dl.append(el("dt", { text: k }), el("dd", {}, v));
  box.append(dl);
  const view = {
    verification: null,
    update(verification, auctionState) {
      if (verification === view.verification) return;
      view.verification = verification;
      const v = verdict(verification, auctionState);
      status.replaceChildren(badge(v, v.split(",")[0].replace(" ", "")));
      status.dataset.verification = verification;
    },
  };
  view.update(receipt.verification, receipt.state);
  state.mine.set(receipt.auction, view);
  follow(receipt.auction, view);
}

// Auctions beyond the book's newest are followed through their receipt.
async function follow(address, view) {
  while (view.verification === "pending" || view.verification === "none") {
    await new Promise((r) => setTimeout(r, 2000));
    if (state.auctions.has(address)) continue; // the live book keeps it current
    try {
      const r = await fetch(`/v1/receipts/${address}`);
      if (r.ok) {
        const receipt = await r.json();
        view.update(receipt.verification, receipt.state);
      }
    } catch (_) { /* the next round tries again */ }
  }
}

function bubble(role, text) {
  const box = el("div", { class: `msg ${role}`, "data-testid": `msg-${role}` });
  const body = el("div", { class: "body", text });
  box.append(body);
  $("conversation").append(box);
  box.scrollIntoView({ block: "end" });
  return { box, body };
}

// Reads a server-sent-event body, calling `onData` with each event's data.
async function readEvents(response, onData) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = block.split("\n").filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).replace(/^ /, "")).join("\n");
      if (data && onData(data) === false) return;
    }
  }
}

async function ask(question) {
  state.messages.push({ role: "user", content: question });
  bubble("user", question);
  const { box, body } = bubble("assistant", "");
  const meta = el("div", { class: "meta", "data-testid": "answer-meta", text: "opening an auction…" });
  box.prepend(meta);
  const request = {
    model: state.node && state.node.model,
    messages: state.messages,
    max_tokens: Number($("max-tokens").value) || 64,
    temperature: Number($("temperature").value) || 0,
    stream: true,
  };
  let text = "";
  let failed = null;
  const key = $("api-key").value.trim();
  localStorage.setItem("ambient-api-key", key);
  const headers = { "content-type": "application/json" };
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch("/v1/chat/completions", {
    method: "POST",
    headers,
    body: JSON.stringify(request),
  });
  if (!response.ok) {
    const e = await response.json().catch(() => ({}));
    failed = (e.error && e.error.message) || `HTTP ${response.status}`;
  } else {
    await readEvents(response, (data) => {
      if (data === "[DONE]") return false;
      const chunk = JSON.parse(data);
      if (chunk.error) {
        failed = chunk.error.message;
        return false;
      }
      const address = chunk.id && chunk.id.replace(/^chatcmpl-/, "");
      const delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta;
      if (delta && delta.content) {
        text += delta.content;
        body.textContent = text;
        meta.textContent = `auction ${short(address)} · streaming from the winning miner`;
      } else if (!text) {
        meta.textContent = `auction ${short(address)} · waiting for bids`;
      }
      if (chunk.ambient && chunk.ambient.receipt) {
        const r = chunk.ambient.receipt;
        meta.textContent = `auction ${short(r.auction)} · ${r.token_count} tokens` +
          ` (${chunk.ambient.live_tokens} streamed live)`;
        receiptView(box, r);
      }
      box.scrollIntoView({ block: "end" });
      return true;
    });
  }
  if (failed) {
    box.classList.add("error");
    meta.textContent = "no answer";
    body.textContent = failed;
    state.messages.pop();
  } else {
    state.messages.push({ role: "assistant", content: text });
  }
}

function setupChat() {
  $("api-key").value = localStorage.getItem("ambient-api-key") || "";
  $("ask").addEventListener("submit", async (e) => {
    e.preventDefault();
    const question = $("prompt").value.trim();
    if (!question || state.busy) return;
    state.busy = true;
    $("send").disabled = true;
    $("prompt").value = "";
    try {
      await ask(question);
    } catch (err) {
      bubble("error", `The request failed: ${err}`);
    } finally {
      state.busy = false;
      $("send").disabled = !(state.node && state.node.model);
    }
  });
  $("prompt").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      $("ask").requestSubmit();
    }
  });
  $("clear").addEventListener("click", () => {
    state.messages = [];
    $("conversation").replaceChildren();
  });
}

setupChat();
connect();
