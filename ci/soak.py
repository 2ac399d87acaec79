"""Long soak load and sampler for a running dev node (ci/soak.sh starts the node and this).

Sends steady load for --minutes: a transfer from the faucet to a new key every --transfer-every
seconds (each confirmed) and a chat completion through the OpenAI client every --chat-every
seconds; every --sample-every seconds it records the slot, the finalized slot, the ledger's first
slot (what ledger cleanup left), the node's RSS, the ledger's disk use (blockstore, accounts,
snapshots) and the load so far as a CSV row. At the end
it checks every confirmed transfer's recipient balance and prints a summary. Exit status 1 if any
request went unanswered, the node stopped, or a confirmed transfer was lost.
"""

import argparse
import csv
import json
import os
import sys
import threading
import time

from openai import OpenAI
from solana.rpc.api import Client
from solana.rpc.commitment import Confirmed, Finalized, Processed
from solana.rpc.types import TxOpts
from solders.keypair import Keypair
from solders.message import Message
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction


def du(path):
    """Bytes under `path` (0 if it does not exist)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Load:
    def __init__(self, args):
        self.args = args
        self.rpc = Client(args.rpc, commitment=Confirmed)
        with open(os.path.join(args.ledger, "faucet-keypair.json")) as f:
            self.faucet = Keypair.from_bytes(bytes(json.load(f)))
        self.transfers = []  # (signature, recipient, lamports)
        self.transfer_failures = []
        self.chats = 0
        self.chat_failures = []
        self.chat_seconds = []
        self.stop = threading.Event()

    def confirm(self, sig, timeout=60):
        start = time.time()
        while time.time() - start < timeout:
            st = self.rpc.get_signature_statuses([sig]).value[0]
            if st is not None and st.confirmation_status is not None:
                if st.err is not None:
                    raise RuntimeError(f"{sig} failed: {st.err}")
                if not str(st.confirmation_status).endswith("Processed"):
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{sig} not confirmed within {timeout} s")

    def transfer_loop(self):
        i = 0
        while not self.stop.is_set():
            to = Keypair().pubkey()
            lamports = 1_000_000 + i
            i += 1
            try:
                blockhash = self.rpc.get_latest_blockhash().value.blockhash
                ix = transfer(TransferParams(from_pubkey=self.faucet.pubkey(), to_pubkey=to, lamports=lamports))
                tx = Transaction([self.faucet], Message([ix], self.faucet.pubkey()), blockhash)
                sig = self.rpc.send_transaction(tx, opts=TxOpts(skip_preflight=True)).value
                self.confirm(sig)
                self.transfers.append((sig, to, lamports))
            except Exception as e:  # noqa: BLE001 - every failure is recorded and fails the soak
                self.transfer_failures.append(f"{time.strftime('%H:%M:%S')} {e}")
            self.stop.wait(self.args.transfer_every)

    def chat_loop(self):
        key = open(os.path.join(self.args.ledger, "dev-api-key")).read().strip()
        client = OpenAI(base_url=f"{self.args.api}/v1", api_key=key, timeout=120, max_retries=0)
        while not self.stop.is_set():
            start = time.time()
            try:
                r = client.chat.completions.create(
                    model="SmolLM2-135M-Instruct.Q4_1",
                    messages=[{"role": "user", "content": "Name three colours."}],
                    max_tokens=32,
                )
                if not r.choices[0].message.content:
                    raise RuntimeError("empty answer")
                self.chats += 1
                self.chat_seconds.append(time.time() - start)
            except Exception as e:  # noqa: BLE001
                self.chat_failures.append(f"{time.strftime('%H:%M:%S')} {e}")
            self.stop.wait(max(0.0, self.args.chat_every - (time.time() - start)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rpc", default="http://127.0.0.1:8899")
    p.add_argument("--api", default="http://127.0.0.1:8901")
    p.add_argument("--ledger", required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--minutes", type=float, default=120)
    p.add_argument("--transfer-every", type=float, default=1.0)
    p.add_argument("--chat-every", type=float, default=20.0)
    p.add_argument("--sample-every", type=float, default=60.0)
    p.add_argument("--csv", required=True)
    args = p.parse_args()

    load = Load(args)
    threads = [threading.Thread(target=load.transfer_loop), threading.Thread(target=load.chat_loop)]
    for t in threads:
        t.start()
    start = time.time()
    alive = True
    with open(args.csv, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["minute", "slot", "finalized", "first_slot", "rss_mib", "blockstore_mib", "accounts_mib",
                      "snapshots_mib", "transfers", "chats", "failures"])
        while time.time() - start < args.minutes * 60:
            try:
                slot = load.rpc.get_slot(Processed).value
                final = load.rpc.get_slot(Finalized).value
                first = load.rpc.get_first_available_block().value
                rss = rss_kib(args.pid)
            except Exception as e:  # noqa: BLE001
                print(f"node unreachable: {e}", file=sys.stderr)
                alive = False
                break
            mib = lambda b: round(b / 2**20, 1)  # noqa: E731
            row = [round((time.time() - start) / 60, 1), slot, final, first, round(rss / 1024, 1),
                   mib(du(os.path.join(args.ledger, "rocksdb"))),
                   mib(du(os.path.join(args.ledger, "accounts"))),
                   mib(du(os.path.join(args.ledger, "snapshots"))),
                   len(load.transfers), load.chats,
                   len(load.transfer_failures) + len(load.chat_failures)]
            out.writerow(row)
            f.flush()
            print(",".join(map(str, row)), flush=True)
            time.sleep(args.sample_every)
    load.stop.set()
    for t in threads:
        t.join()

    lost = []
    if alive:
        for sig, to, lamports in load.transfers:
            if load.rpc.get_balance(to).value != lamports:
                lost.append(str(sig))
    mean_chat = sum(load.chat_seconds) / max(1, len(load.chat_seconds))
    print(json.dumps({
        "minutes": round((time.time() - start) / 60, 1),
        "node_alive": alive,
        "transfers_confirmed": len(load.transfers),
        "transfer_failures": load.transfer_failures[:20],
        "chats_answered": load.chats,
        "chat_mean_seconds": round(mean_chat, 2),
        "chat_failures": load.chat_failures[:20],
        "confirmed_transfers_lost": lost[:20],
    }, indent=2))
    ok = alive and not lost and not load.transfer_failures and not load.chat_failures
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
