// A typed use of the SDK, checked by `tsc --noEmit` (test/sdk.test.mjs runs it).
import { Keypair } from "@solana/web3.js";
import { AmbientError, Client, untilFinal, type Job, type StreamEvent } from "../src/index.js";

export async function ask(rpc: string, api: string): Promise<boolean> {
  const client = new Client(rpc, api, Keypair.generate());
  const job: Job = await client.request([{ role: "user", content: "Hi" }], { maxTokens: 8, temperature: 0 });
  for await (const e of client.stream(job)) {
    const event: StreamEvent = e;
    if ("text" in event) process.stdout.write(event.text);
    else console.log(event.receipt.pol_root, event.liveTokens);
  }
  const settled = await client.wait(job.auction, untilFinal, 60_000);
  const price: bigint = settled.price;
  try {
    const valid = (await client.verify(job.auction)).valid;
    const closed: string = await client.close(job.auction);
    return valid && price >= 0n && closed.length > 0;
  } catch (e) {
    if (e instanceof AmbientError) console.error(e.status, e.code);
    return false;
  }
}
