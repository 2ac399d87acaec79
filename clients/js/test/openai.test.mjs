// The official `openai` Node client against an Ambient node's REST API: every answer is a real
// auction on chain, served by a miner with Proof of Logits and carrying its receipt.
// AMBIENT_API_URL and AMBIENT_API_KEY name the node and a key it issued (the Rust test in
// validator/tests/clients.rs starts one and runs this directory).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const api = process.env.AMBIENT_API_URL;
const key = process.env.AMBIENT_API_KEY;
assert.ok(api && key, 'AMBIENT_API_URL and AMBIENT_API_KEY must name a running ambient-validator');
const client = new OpenAI({ baseURL: `${api}/v1`, apiKey: key, timeout: 300_000 });

let model;
async function networkModel() {
  if (!model) {
    const models = [];
    for await (const m of client.models.list()) models.push(m);
    assert.equal(models.length, 1, JSON.stringify(models));
    model = models[0].id;
  }
  return model;
}

async function ask(extra = {}) {
  return client.chat.completions.create({
    model: await networkModel(),
    messages: [{ role: 'user', content: 'Name a primary colour.' }],
    max_tokens: 8,
    temperature: 0,
    seed: 11,
    ...extra,
  });
}

async function collect(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}

test('an answer carries its receipt and is verified on chain', async () => {
  const r = await ask();
  const text = r.choices[0].message.content;
  assert.ok(text.trim(), JSON.stringify(r));
  assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason));
  assert.ok(r.usage.completion_tokens > 0 && r.usage.completion_tokens <= 8);
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  const receipt = r.ambient.receipt;
  assert.equal(r.id, `chatcmpl-${receipt.auction}`);
  assert.equal(receipt.pol_root.length, 64);
  assert.equal(receipt.token_count, r.usage.completion_tokens);
  // Verification follows on chain; the receipt endpoint reports it.
  const deadline = Date.now() + 120_000;
  let got;
  for (;;) {
    got = await (await fetch(`${api}/v1/receipts/${r.id}`)).json();
    if (got.state === 'paid' || got.state === 'slashed') break;
    assert.ok(Date.now() < deadline, JSON.stringify(got));
    await new Promise((done) => setTimeout(done, 500));
  }
  assert.equal(got.state, 'paid', JSON.stringify(got));
  assert.equal(got.verification, 'valid', JSON.stringify(got));
  assert.ok(got.votes.some((v) => v.vote === 'valid'), JSON.stringify(got));
});

test('a stream gives the same answer, cut by a stop sequence, then its usage', async () => {
  // Greedy, same seed: the same answer each time.
  const plain = (await ask()).choices[0].message.content;
  const chunks = await collect(await ask({ stream: true }));
  const streamed = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
  assert.equal(streamed, plain);
  assert.ok(chunks.at(-1).ambient.receipt.pol_root);
  // A stop sequence from the middle of the answer cuts it right before its first occurrence.
  assert.ok(plain.length >= 2, plain);
  const stop = plain[Math.floor(plain.length / 2)];
  const expected = plain.slice(0, plain.indexOf(stop));
  const cut = await collect(
    await ask({ stop: [stop], stream: true, stream_options: { include_usage: true } }),
  );
  assert.equal(cut.map((c) => c.choices[0]?.delta?.content ?? '').join(''), expected);
  const last = cut.at(-1);
  assert.deepEqual(last.choices, []);
  assert.ok(last.usage.completion_tokens > 0, JSON.stringify(last));
  assert.equal(new Set(cut.map((c) => c.id)).size, 1);
  assert.equal(new Set(cut.map((c) => c.created)).size, 1);
  const finish = cut.map((c) => c.choices[0]?.finish_reason).filter(Boolean);
  assert.deepEqual(finish, ['stop']);
});

test('a text completion continues the prompt, with its receipt', async () => {
  const r = await client.completions.create({
    model: await networkModel(),
    prompt: 'The capital of France is',
    max_tokens: 6,
    temperature: 0,
    seed: 5,
  });
  assert.equal(r.object, 'text_completion');
  assert.ok(r.choices[0].text.trim(), JSON.stringify(r));
  assert.equal(r.id, `cmpl-${r.ambient.receipt.auction}`);
  assert.equal(r.ambient.receipt.token_count, r.usage.completion_tokens);
});

test('refusals are the errors the client knows', async () => {
  const stranger = new OpenAI({ baseURL: `${api}/v1`, apiKey: `amb-${'0'.repeat(48)}`, maxRetries: 0 });
  await assert.rejects(
    stranger.chat.completions.create({
      model: await networkModel(),
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 4,
    }),
    (e) => e instanceof OpenAI.AuthenticationError && e.code === 'invalid_api_key',
  );
  await assert.rejects(client.models.retrieve('no-such-model'), OpenAI.NotFoundError);
  assert.equal((await client.models.retrieve(await networkModel())).id, await networkModel());
  await assert.rejects(ask({ model: 'no-such-model' }), OpenAI.NotFoundError);
  // What the network cannot serve is refused by name, never silently dropped.
  for (const extra of [{ n: 2 }, { logprobs: true }, { temprature: 0.5 }]) {
    await assert.rejects(ask(extra), OpenAI.BadRequestError, JSON.stringify(extra));
  }
  await assert.rejects(ask({ messages: [] }), OpenAI.BadRequestError);
});
