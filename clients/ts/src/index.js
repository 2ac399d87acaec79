// Ambient's TypeScript/JavaScript SDK (types in index.d.ts): verified LLM inference on chain,
// paid with your own key. The node tokenizes and stores the prompt (POST /v1/prompts); the client
// builds, signs and sends the auction's Request transaction, escrowing the price; the node relays
// the winning miner's live answer to the requester only (a signed follow message); `verify`
// checks the chain's record against the blob store.
import {
  Connection,
  Keypair,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionInstruction,
  sendAndConfirmTransaction,
} from "@solana/web3.js";
import { blake3 } from "@noble/hashes/blake3";
import { ed25519 } from "@noble/curves/ed25519";
import bs58 from "bs58";

/** The auction program's id. */
export const AUCTION_PROGRAM = new PublicKey(Buffer.from("ambient/query-auction/program/v1"));
/** The registry account listing the models requests may name. */
export const ALLOWED_MODELS = new PublicKey(Buffer.from("ambient/allowed-models/account/1"));
/** Size of a request account. */
export const REQUEST_LEN = 704;

const VERSION = 1;
const KIND_REQUEST = 2;
const STATES = ["", "open", "awarded", "unfilled", "delivered", "timedout", "verifying", "paid", "slashed", "voided"];
const TOKENS_DOMAIN = Buffer.from("ambient-pol/tokens/v1");

/** The node refused, or answered what the API does not promise. */
export class AmbientError extends Error {
  constructor(message, status = 0, code = "") {
    super(message);
    this.name = "AmbientError";
    this.status = status;
    this.code = code;
  }
}

/** What the requester signs to have a node relay the answer: only whoever paid gets it. */
export function followMessage(auction) {
  return Buffer.concat([Buffer.from("ambient-follow:"), auction.toBuffer()]);
}

/** The auction's Request instruction (the request account is created first with its rent-exempt
 * minimum plus `maxPrice`). */
export function requestInstruction(requester, request, p) {
  const data = Buffer.alloc(2 + 32 + 32 + 4 + 4 + 4 + 4 + 8 * 5 + 4);
  let o = 0;
  data.writeUInt8(VERSION, o++);
  data.writeUInt8(0, o++);
  for (const [name, h] of [["modelId", p.modelId], ["promptHash", p.promptHash]]) {
    if (h.length !== 32) throw new AmbientError(`${name} is 32 bytes`);
    Buffer.from(h).copy(data, o);
    o += 32;
  }
  data.writeUInt32LE(p.maxTokens, o); o += 4;
  data.writeFloatLE(p.temperature, o); o += 4;
  data.writeUInt32LE(p.topK, o); o += 4;
  data.writeFloatLE(p.topP, o); o += 4;
  for (const v of [p.seed, p.maxPrice, p.bidSlots, p.revealSlots, p.deadlineSlots]) {
    data.writeBigUInt64LE(BigInt(v), o);
    o += 8;
  }
  data.writeUInt32LE(p.promptTokens, o); o += 4;
  if (o !== data.length) throw new AmbientError("internal: the Request encoding is off");
  return new TransactionInstruction({
    programId: AUCTION_PROGRAM,
    keys: [
      { pubkey: requester, isSigner: true, isWritable: false },
      { pubkey: request, isSigner: true, isWritable: true },
      { pubkey: ALLOWED_MODELS, isSigner: false, isWritable: false },
    ],
    data,
  });
}

/** The auction's Cancel instruction: closes a finished (or bid-less) request; what it holds goes
 * to `destination`. */
export function cancelInstruction(requester, request, destination) {
  return new TransactionInstruction({
    programId: AUCTION_PROGRAM,
    keys: [
      { pubkey: requester, isSigner: true, isWritable: false },
      { pubkey: request, isSigner: false, isWritable: true },
      { pubkey: destination, isSigner: false, isWritable: true },
    ],
    data: Buffer.from([VERSION, 1]),
  });
}

/** Decodes a request account (as `ambient_sdk::auction::state::Request` writes it). */
export function decodeRequest(data) {
  const b = Buffer.from(data);
  if (b.length !== REQUEST_LEN) throw new AmbientError(`a request account has ${REQUEST_LEN} bytes, not ${b.length}`);
  if (b[0] !== KIND_REQUEST || b[1] !== VERSION || !STATES[b[2]]) throw new AmbientError("not an initialised request account");
  let o = 3;
  const key = () => { const k = new PublicKey(b.subarray(o, o + 32)); o += 32; return k; };
  const bytes32 = () => { const x = Buffer.from(b.subarray(o, o + 32)); o += 32; return x; };
  const u32 = () => { const x = b.readUInt32LE(o); o += 4; return x; };
  const f32 = () => { const x = b.readFloatLE(o); o += 4; return x; };
  const u64 = () => { const x = b.readBigUInt64LE(o); o += 8; return x; };
  const u8 = () => b[o++];
  const r = { state: STATES[b[2]] };
  r.requester = key();
  r.modelId = bytes32();
  r.promptHash = bytes32();
  r.maxTokens = u32();
  r.temperature = f32();
  r.topK = u32();
  r.topP = f32();
  r.seed = u64();
  r.maxPrice = u64();
  r.createdSlot = u64();
  r.bidEnd = u64();
  r.revealEnd = u64();
  r.deadline = u64();
  r.openBids = u32();
  u32(); key(); u64(); u64(); key(); // revealed, best bid and prices, winning bid
  r.price = u64();
  r.polRoot = bytes32();
  r.polChain = bytes32();
  r.outputHash = bytes32();
  r.tokenCount = u32();
  r.deliveredSlot = u64();
  const n = u8();
  const members = [];
  for (let i = 0; i < 5; i++) members.push(key());
  r.committee = members.slice(0, n);
  const valid = u8();
  const fraud = u8();
  u64(); key(); // committee deadline, best miner
  r.winnerMiner = key();
  const count = (x) => x.toString(2).split("1").length - 1;
  r.validVotes = count(valid);
  r.fraudVotes = count(fraud);
  r.audited = b[AUDIT_OFFSET] !== AUDIT_SKIPPED;
  r.verification = verification(r);
  return r;
}

// The request's audit outcome (after the committee's fields): 2 = not drawn for an audit.
const AUDIT_OFFSET = 652;
const AUDIT_SKIPPED = 2;

function verification(r) {
  if (r.state === "paid") return r.audited ? "valid" : "unaudited";
  if (r.state === "slashed") return "fraud";
  if (r.state === "voided") return "void";
  if (r.state === "delivered" || r.state === "verifying") return "pending";
  return "none";
}

/** A predicate for `Client.wait`: the auction is over. */
export function untilFinal(r) {
  return ["paid", "slashed", "voided", "timedout", "unfilled"].includes(r.state);
}

function tokensOf(blob) {
  const head = TOKENS_DOMAIN.length + 8;
  if (blob.length < head || !blob.subarray(0, TOKENS_DOMAIN.length).equals(TOKENS_DOMAIN)) {
    throw new AmbientError("not a tokens blob");
  }
  const n = Number(blob.readBigUInt64LE(TOKENS_DOMAIN.length));
  if (blob.length !== head + 4 * n) throw new AmbientError("not a tokens blob: its length disagrees with its count");
  const out = [];
  for (let i = 0; i < n; i++) out.push(blob.readUInt32LE(head + 4 * i));
  return out;
}

async function refusal(r) {
  let e = {};
  try { e = (await r.json()).error || {}; } catch { /* not JSON */ }
  return new AmbientError(`the node refused (${r.status}, ${e.code}): ${e.message}`, r.status, e.code || "");
}

/** A client of one node, paying with its own key. */
export class Client {
  constructor(rpcUrl, apiUrl, payer) {
    this.connection = new Connection(rpcUrl, "confirmed");
    this.apiUrl = apiUrl.replace(/\/+$/, "");
    this.payer = payer;
  }

  async #post(path, body) {
    const r = await fetch(`${this.apiUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!r.ok) throw await refusal(r);
    return r;
  }

  /** The network model's name. */
  async model() {
    const r = await fetch(`${this.apiUrl}/v1/models`);
    if (!r.ok) throw await refusal(r);
    return (await r.json()).data[0].id;
  }

  /** Opens an auction for `messages`: the node stores the prompt, this client signs and sends the
   * request (escrowing the price from its key) and waits until it is confirmed. */
  async request(messages, opts = {}) {
    const maxTokens = opts.maxTokens ?? 128;
    const prompt = await (await this.#post("/v1/prompts", { messages, max_tokens: maxTokens })).json();
    const s = prompt.suggested;
    const maxPrice = opts.maxPrice ?? s.max_price;
    const account = Keypair.generate();
    const rent = await this.connection.getMinimumBalanceForRentExemption(REQUEST_LEN);
    const tx = new Transaction().add(
      SystemProgram.createAccount({
        fromPubkey: this.payer.publicKey,
        newAccountPubkey: account.publicKey,
        lamports: rent + Number(maxPrice),
        space: REQUEST_LEN,
        programId: AUCTION_PROGRAM,
      }),
      requestInstruction(this.payer.publicKey, account.publicKey, {
        modelId: Buffer.from(prompt.model_id, "hex"),
        promptHash: Buffer.from(prompt.prompt_hash, "hex"),
        maxTokens,
        temperature: opts.temperature ?? 0,
        topK: opts.topK ?? 0,
        topP: opts.topP ?? 1,
        seed: opts.seed ?? BigInt(Date.now()) * 1000003n,
        maxPrice,
        bidSlots: s.bid_slots,
        revealSlots: s.reveal_slots,
        deadlineSlots: s.deadline_slots,
        promptTokens: prompt.prompt_tokens,
      }),
    );
    const signature = await sendAndConfirmTransaction(this.connection, tx, [this.payer, account], {
      commitment: "confirmed",
    });
    return { auction: account.publicKey, messages, promptTokens: prompt.prompt_tokens, maxPrice, signature };
  }

  /** The winning miner's answer as it is generated (`{text}`), then `{receipt, liveTokens}`.
   * Throws an AmbientError (403) for anyone but the requester. */
  async *stream(job) {
    const signature = ed25519.sign(followMessage(job.auction), this.payer.secretKey.subarray(0, 32));
    const r = await this.#post("/v1/chat/completions", {
      model: await this.model(),
      messages: job.messages,
      stream: true,
      ambient: { request: job.auction.toBase58(), signature: bs58.encode(Buffer.from(signature)) },
    });
    const decoder = new TextDecoder();
    let buf = "";
    for await (const bytes of r.body) {
      buf += decoder.decode(bytes, { stream: true });
      let cut;
      while ((cut = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const data = block.split("\n").filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).replace(/^ /, "")).join("\n");
        if (!data) continue;
        if (data === "[DONE]") return;
        const chunk = JSON.parse(data);
        if (chunk.error) throw new AmbientError(chunk.error.message, 200, chunk.error.code || "");
        const text = chunk.choices?.[0]?.delta?.content;
        if (text) yield { text };
        if (chunk.ambient?.receipt) yield { receipt: chunk.ambient.receipt, liveTokens: chunk.ambient.live_tokens ?? 0 };
      }
    }
  }

  /** The auction's request account now, or null. */
  async status(auction) {
    const acc = await this.connection.getAccountInfo(auction, "confirmed");
    if (!acc) return null;
    if (!acc.owner.equals(AUCTION_PROGRAM)) throw new AmbientError(`${auction.toBase58()} is not an auction account`);
    return decodeRequest(acc.data);
  }

  /** Follows the auction until `done` holds for it. */
  async wait(auction, done = untilFinal, timeoutMs = 240_000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.status(auction);
      if (r && done(r)) return r;
      if (Date.now() > end) throw new AmbientError(`auction ${auction.toBase58()} did not settle in ${timeoutMs} ms`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }

  /** Closes a finished auction this client opened: the rent (and the whole escrow of an unfilled
   * auction) comes back to the payer. Throws an AmbientError while it is under way, while a bid on
   * it is open, or if another key opened it. */
  async close(auction) {
    const r = await this.status(auction);
    const me = this.payer.publicKey;
    const name = auction.toBase58();
    if (!r) throw new AmbientError(`no auction at ${name} (already closed?)`);
    if (!r.requester.equals(me)) throw new AmbientError(`auction ${name}: another key opened it`);
    if (!untilFinal(r)) throw new AmbientError(`auction ${name} is not over (${r.state})`);
    if (r.openBids > 0) throw new AmbientError(`auction ${name}: ${r.openBids} bid(s) on it are still open`);
    // A blockhash of its own: web3.js's cached one may have served the opening, and waiting for a
    // fresh one stalls on a busy node.
    const { blockhash, lastValidBlockHeight } = await this.connection.getLatestBlockhash("confirmed");
    const tx = new Transaction({ feePayer: me, blockhash, lastValidBlockHeight });
    tx.add(cancelInstruction(me, auction, me));
    tx.sign(this.payer);
    const signature = await this.connection.sendRawTransaction(tx.serialize());
    const status = await this.connection.confirmTransaction({ signature, blockhash, lastValidBlockHeight }, "confirmed");
    if (status.value.err) throw new AmbientError(`closing ${name} failed: ${JSON.stringify(status.value.err)}`);
    return signature;
  }

  /** The node's receipt of the job (GET /v1/receipts/{id}). */
  async receipt(auction) {
    const r = await fetch(`${this.apiUrl}/v1/receipts/${auction.toBase58()}`);
    if (!r.ok) throw await refusal(r);
    return r.json();
  }

  async #blobTokens(digest, what) {
    const r = await fetch(`${this.apiUrl}/v1/blobs/${digest.toString("hex")}`);
    if (r.status === 404) throw new AmbientError(`the ${what} blob is not in the blob store`, 404);
    if (!r.ok) throw await refusal(r);
    const blob = Buffer.from(await r.arrayBuffer());
    if (!Buffer.from(blake3(blob)).equals(digest)) throw new AmbientError(`the ${what} blob does not hash to the chain's record`);
    return tokensOf(blob);
  }

  /** Checks the job against the chain's record: the prompt and output blobs must hash to the
   * recorded hashes and hold the recorded number of tokens; the committee's verdict comes from
   * the chain. (Recomputing the logits needs the engine: `ambient receipt verify`.) */
  async verify(auction) {
    const r = await this.status(auction);
    if (!r) throw new AmbientError(`no auction at ${auction.toBase58()}`);
    if (r.tokenCount === 0) throw new AmbientError(`auction ${auction.toBase58()} has no delivery to verify (${r.state})`);
    const prompt = await this.#blobTokens(r.promptHash, "prompt");
    const output = await this.#blobTokens(r.outputHash, "output");
    if (output.length !== r.tokenCount) throw new AmbientError(`the output blob has ${output.length} tokens, the chain records ${r.tokenCount}`);
    return {
      state: r.state,
      committee: r.verification,
      prompt,
      output,
      valid: r.verification === "valid",
    };
  }
}
