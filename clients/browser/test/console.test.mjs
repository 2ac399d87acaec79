// The node's web console in Debian's chromium, driven by Playwright, against a running
// `ambient-validator --dev` (AMBIENT_API_URL). Screenshots go to AMBIENT_ARTIFACTS.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const api = process.env.AMBIENT_API_URL;
const artifacts = process.env.AMBIENT_ARTIFACTS || "artifacts";
const executablePath = process.env.AMBIENT_CHROMIUM || "/usr/bin/chromium";

let browser;
let page;
const consoleErrors = [];

before(async () => {
  assert.ok(api, "AMBIENT_API_URL names the node's HTTP API");
  mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch({
    executablePath,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
});

after(async () => {
  if (page) await page.screenshot({ path: join(artifacts, "console-final.png"), fullPage: true, timeout: 120_000 });
  if (browser) await browser.close();
});

const text = (id) => page.textContent(`[data-testid=${id}]`);

test("the console loads and updates live", async () => {
  await page.goto(`${api}/`);
  assert.equal(await page.title(), "Ambient node console");
  // The status comes in over the event stream and keeps moving.
  await page.waitForFunction(() => /^\d+$/.test(document.getElementById("slot").textContent));
  const first = Number(await text("slot"));
  await page.waitForFunction(
    (s) => Number(document.getElementById("slot").textContent) > s, first, { timeout: 15_000 });
  assert.equal(await page.getAttribute("[data-testid=live]", "class"), "dot");
  const roles = await text("roles");
  for (const role of ["validator", "miner", "verifier", "chat API"]) {
    assert.ok(roles.includes(role), `roles ${roles} include ${role}`);
  }
  assert.match(await text("model"), /SmolLM2/);
  // The LStake table lists this node, which leads every slot of a one-node cluster.
  const identity = await page.getAttribute("#identity .key", "title");
  const row = page.locator(`[data-testid=lstake-table] tr[data-identity="${identity}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /100\.00 %/);
  const leaders = await page.locator("[data-testid=upcoming-leaders] li").count();
  assert.ok(leaders >= 8, `${leaders} upcoming leaders listed`);
  assert.equal(await page.locator("[data-testid=upcoming-leaders] li.me").count(), leaders);
  await page.screenshot({ path: join(artifacts, "console-loaded.png"), fullPage: true, timeout: 120_000 });
});

test("a chat question gets a streamed answer whose receipt turns verified", async () => {
  // Count how often the answer's text changes while it arrives.
  // ... and every verification status the receipt shows.
  await page.evaluate(() => {
    window.__updates = 0;
    window.__verifications = [];
    const conversation = document.getElementById("conversation");
    new MutationObserver(() => { window.__updates += 1; }).observe(
      conversation, { subtree: true, characterData: true, childList: true });
    new MutationObserver((records) => {
      for (const r of records) window.__verifications.push(r.target.dataset.verification);
    }).observe(conversation, { subtree: true, attributes: true, attributeFilter: ["data-verification"] });
  });
  await page.fill("[data-testid=api-key]", process.env.AMBIENT_API_KEY);
  await page.fill("[data-testid=prompt]", "Count from one to ten, in words.");
  await page.click("[data-testid=send]");
  const answer = page.locator("[data-testid=msg-assistant]").last();
  await answer.waitFor();
  await page.waitForFunction(() => {
    const b = document.querySelector("[data-testid=msg-assistant]:last-child .body");
    return b && b.textContent.trim().length > 0;
  }, null, { timeout: 120_000 });
  const receipt = answer.locator("[data-testid=receipt]");
  try {
    await receipt.waitFor({ timeout: 120_000 });
  } catch (e) {
    // What the page shows instead (an error from the API, or an answer that stopped).
    const shown = await answer.evaluate((m) => `${m.className}: ${m.textContent}`);
    throw new Error(`${e.message}\nthe answer shows: ${shown}`);
  }
  const body = await answer.locator(".body").textContent();
  assert.ok(body.trim().length > 0, "the answer has text");
  assert.ok(!(await answer.getAttribute("class")).includes("error"), `no error: ${body}`);
  const updates = await page.evaluate(() => window.__updates);
  assert.ok(updates > 3, `the answer arrived in pieces (${updates} updates)`);
  const auction = (await answer.locator("[data-testid=receipt-auction]").textContent()).trim();
  assert.match(auction, /^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
  await page.screenshot({ path: join(artifacts, "chat-answered.png"), fullPage: true, timeout: 120_000 });

  // The verifiers' verdict reaches the page through the live book: pending -> verified.
  const status = answer.locator("[data-testid=receipt-status]");
  await page.waitForFunction(
    () => {
      const s = [...document.querySelectorAll("[data-testid=receipt-status]")].pop();
      return s && s.dataset.verification === "valid";
    }, null, { timeout: 180_000 });
  assert.equal((await status.textContent()).trim(), "verified");
  const seen = await page.evaluate(() => window.__verifications);
  assert.deepEqual([seen[0], seen[seen.length - 1]], ["pending", "valid"], `statuses ${seen}`);

  // The auction book shows it, with its winner, price and verdict.
  const row = page.locator(`[data-testid=auction-book] tr[data-auction="${auction}"]`);
  await row.waitFor();
  assert.ok((await row.getAttribute("class") || "").includes("mine"), "the page's own auction is marked");
  const cells = await row.locator("td").allTextContents();
  assert.equal(cells[1], "paid");
  assert.notEqual(cells[3], "—", "a winner");
  assert.ok(Number(cells[4]) > 0, `a price (${cells[4]})`);
  assert.equal(cells[7], "verified");
  await page.screenshot({ path: join(artifacts, "chat-verified.png"), fullPage: true, timeout: 120_000 });
});

test("the page logged no errors", () => {
  assert.deepEqual(consoleErrors, []);
});
