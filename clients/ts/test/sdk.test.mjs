// The TypeScript SDK against a running ambient-validator --dev (AMBIENT_RPC_URL, AMBIENT_API_URL):
// a client with its own funded key opens an auction, streams the answer, follows the auction to
// its verdict and verifies the job; another key cannot follow it; bad input is refused clearly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { Keypair, LAMPORTS_PER_SOL } from "@solana/web3.js";
import { AmbientError, Client, decodeRequest, followMessage, untilFinal } from "../src/index.js";

const RPC = process.env.AMBIENT_RPC_URL;
const API = process.env.AMBIENT_API_URL;

async function funded(sol = 2) {
  const client = new Client(RPC, API, Keypair.generate());
  const sig = await client.connection.requestAirdrop(client.payer.publicKey, sol * LAMPORTS_PER_SOL);
  await client.connection.confirmTransaction(sig, "confirmed");
  return client;
}

test("the type declarations check against a typed use of the SDK", () => {
  execFileSync("node_modules/.bin/tsc", ["--noEmit", "-p", "test/tsconfig.json"], { stdio: "pipe" });
});

test("request accounts that are not one are refused", () => {
  assert.throws(() => decodeRequest(Buffer.alloc(10)), AmbientError);
  assert.throws(() => decodeRequest(Buffer.alloc(704)), AmbientError);
  const k = Keypair.generate().publicKey;
  assert.deepEqual(followMessage(k), Buffer.concat([Buffer.from("ambient-follow:"), k.toBuffer()]));
});

test("ask, stream, follow and verify", async () => {
  const client = await funded();
  const before = await client.connection.getBalance(client.payer.publicKey);
  const job = await client.request([{ role: "user", content: "Count from one to five, in words." }], { maxTokens: 24 });
  const opened = await client.status(job.auction);
  assert.ok(opened.requester.equals(client.payer.publicKey));
  assert.equal(opened.maxTokens, 24);
  assert.ok(job.promptTokens > 0);

  // Someone else cannot follow it.
  const stranger = await funded();
  await assert.rejects(async () => { for await (const _ of stranger.stream(job)) { /* nothing */ } },
    (e) => e instanceof AmbientError && e.status === 403);

  let text = "";
  const receipts = [];
  for await (const event of client.stream(job)) {
    if ("text" in event) text += event.text;
    else receipts.push(event.receipt);
  }
  assert.ok(text.trim().length > 0, "an answer");
  assert.equal(receipts.length, 1);
  assert.equal(receipts[0].auction, job.auction.toBase58());

  const settled = await client.wait(job.auction, untilFinal);
  assert.equal(settled.state, "paid");
  assert.equal(settled.verification, "valid");
  const v = await client.verify(job.auction);
  assert.ok(v.valid);
  assert.equal(v.output.length, settled.tokenCount);
  assert.equal(settled.tokenCount, receipts[0].token_count);
  assert.equal((await client.receipt(job.auction)).verification, "valid");
  // Closing it brings the rent back: out exactly the price and three signatures' fees.
  await assert.rejects((await funded()).close(job.auction), /another key opened it/);
  await client.close(job.auction);
  assert.equal(await client.status(job.auction), null);
  await assert.rejects(client.close(job.auction), /already closed/);
  const after = await client.connection.getBalance(client.payer.publicKey);
  assert.equal(BigInt(before - after), settled.price + 15000n);
});

test("bad input is refused clearly", async () => {
  const client = await funded(1);
  await assert.rejects(client.request([{ role: "robot", content: "hi" }], { maxTokens: 8 }),
    (e) => e instanceof AmbientError && e.status === 400);
  await assert.rejects(client.request([{ role: "user", content: "hi" }], { maxTokens: 1_000_000 }),
    (e) => e instanceof AmbientError && e.status === 400);
  assert.equal(await client.status(Keypair.generate().publicKey), null);
});
