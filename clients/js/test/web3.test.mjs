// Drives a running ambient-validator with the unmodified @solana/web3.js v1 client.
// AMBIENT_RPC_URL and AMBIENT_WS_URL name the node (the Rust test in validator/tests/web3js.rs
// starts one and runs this file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  SystemProgram,
  Transaction,
  sendAndConfirmTransaction,
} from '@solana/web3.js';

const rpc = process.env.AMBIENT_RPC_URL;
const ws = process.env.AMBIENT_WS_URL;
assert.ok(rpc && ws, 'AMBIENT_RPC_URL and AMBIENT_WS_URL must name a running ambient-validator');
const connection = new Connection(rpc, { commitment: 'confirmed', wsEndpoint: ws });

async function airdrop(to, lamports) {
  const sig = await connection.requestAirdrop(to, lamports);
  const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash('confirmed');
  const res = await connection.confirmTransaction({ signature: sig, blockhash, lastValidBlockHeight }, 'confirmed');
  assert.equal(res.value.err, null);
  return sig;
}

test('getVersion answers like a Solana node', async () => {
  const v = await connection.getVersion();
  assert.ok(v['solana-core'], JSON.stringify(v));
  assert.ok(v.ambient, JSON.stringify(v));
});

test('latest blockhash at processed, confirmed and finalized', async () => {
  const slots = {};
  for (const c of ['processed', 'confirmed', 'finalized']) {
    const bh = await connection.getLatestBlockhash(c);
    assert.equal(typeof bh.blockhash, 'string');
    assert.ok(bh.lastValidBlockHeight > 0);
    slots[c] = await connection.getSlot(c);
  }
  assert.ok(slots.processed >= slots.confirmed, JSON.stringify(slots));
  assert.ok(slots.confirmed >= slots.finalized, JSON.stringify(slots));
});

test('airdrop, transfer, signatureSubscribe, statuses, getTransaction, getBlock', async () => {
  const alice = Keypair.generate();
  const bob = Keypair.generate().publicKey;
  await airdrop(alice.publicKey, 2 * LAMPORTS_PER_SOL);
  assert.equal(await connection.getBalance(alice.publicKey), 2 * LAMPORTS_PER_SOL);

  // signatureSubscribe over the websocket must notify at confirmed.
  const tx = new Transaction().add(
    SystemProgram.transfer({ fromPubkey: alice.publicKey, toPubkey: bob, lamports: 1_500_000 }),
  );
  const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash('confirmed');
  tx.recentBlockhash = blockhash;
  tx.feePayer = alice.publicKey;
  tx.sign(alice);
  const signature = await connection.sendRawTransaction(tx.serialize());
  const subscribed = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('signatureSubscribe timed out')), 60_000);
    connection.onSignature(
      signature,
      (result, ctx) => {
        clearTimeout(timer);
        resolve({ result, ctx });
      },
      'confirmed',
    );
  });
  const { result, ctx } = await subscribed;
  assert.equal(result.err, null);
  assert.ok(ctx.slot > 0);
  const confirmed = await connection.confirmTransaction({ signature, blockhash, lastValidBlockHeight }, 'finalized');
  assert.equal(confirmed.value.err, null);
  assert.equal(await connection.getBalance(bob, 'finalized'), 1_500_000);

  const statuses = await connection.getSignatureStatuses([signature]);
  assert.equal(statuses.value[0].confirmationStatus, 'finalized');
  assert.equal(statuses.value[0].err, null);

  const got = await connection.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
  assert.equal(got.meta.fee, 5000);
  assert.equal(got.meta.err, null);
  assert.equal(got.slot, statuses.value[0].slot);

  const block = await connection.getBlock(got.slot, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
  assert.ok(block.transactions.some((t) => t.transaction.signatures[0] === signature));
  assert.ok(block.blockTime > 0);
});

test('slotSubscribe and rootSubscribe notify as slots advance', async () => {
  const slots = [];
  const roots = [];
  const slotId = connection.onSlotChange((info) => slots.push(info.slot));
  const rootId = connection.onRootChange((root) => roots.push(root));
  const start = Date.now();
  const distinct = (list) => new Set(list).size;
  while ((distinct(slots) < 3 || distinct(roots) < 2) && Date.now() - start < 60_000) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await connection.removeSlotChangeListener(slotId);
  await connection.removeRootChangeListener(rootId);
  assert.ok(distinct(slots) >= 3, `slot notifications: ${slots}`);
  assert.ok(distinct(roots) >= 2, `root notifications: ${roots}`);
  // Agave may notify a slot or a root more than once (as the bank is made and as it is
  // processed; as each new root is set), never backwards.
  for (let i = 1; i < slots.length; i++) assert.ok(slots[i] >= slots[i - 1], `${slots}`);
  for (let i = 1; i < roots.length; i++) assert.ok(roots[i] >= roots[i - 1], `${roots}`);
});

test('sendAndConfirmTransaction round trip', async () => {
  const payer = Keypair.generate();
  await airdrop(payer.publicKey, LAMPORTS_PER_SOL);
  const to = Keypair.generate().publicKey;
  const tx = new Transaction().add(
    SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: 2_000_000 }),
  );
  const sig = await sendAndConfirmTransaction(connection, tx, [payer], { commitment: 'confirmed' });
  assert.equal(typeof sig, 'string');
  assert.equal(await connection.getBalance(to), 2_000_000);
});

test('a transaction with a bad signature is refused', async () => {
  const payer = Keypair.generate();
  await airdrop(payer.publicKey, LAMPORTS_PER_SOL);
  const tx = new Transaction().add(
    SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports: 1_000_000 }),
  );
  tx.recentBlockhash = (await connection.getLatestBlockhash()).blockhash;
  tx.feePayer = payer.publicKey;
  tx.sign(payer);
  const raw = tx.serialize();
  raw[10] ^= 0xff; // corrupt the signature
  await assert.rejects(connection.sendRawTransaction(raw), /signature/i);
});
