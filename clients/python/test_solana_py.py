"""Drives a running ambient-validator with the unmodified solana-py / solders clients.

AMBIENT_RPC_URL and AMBIENT_WS_URL name the node (validator/tests/solana_py.rs starts one and
runs this file with pytest).
"""

import asyncio
import os
import time

import pytest
from solana.rpc.api import Client
from solana.rpc.commitment import Confirmed, Finalized, Processed
from solana.rpc.types import TxOpts
from solana.rpc.websocket_api import connect
from solders.keypair import Keypair
from solders.message import Message
from solders.system_program import TransferParams, transfer
from solders.transaction import Transaction

RPC = os.environ.get("AMBIENT_RPC_URL")
WS = os.environ.get("AMBIENT_WS_URL")
pytestmark = pytest.mark.skipif(not RPC, reason="AMBIENT_RPC_URL names no validator")
LAMPORTS_PER_SOL = 1_000_000_000


def wait_for(client, sig, commitment, timeout=120):
    start = time.time()
    while time.time() - start < timeout:
        st = client.get_signature_statuses([sig], search_transaction_history=True).value[0]
        if st is not None:
            assert st.err is None, st.err
            level = str(st.confirmation_status)
            order = ["Processed", "Confirmed", "Finalized"]
            want = {Processed: "Processed", Confirmed: "Confirmed", Finalized: "Finalized"}[commitment]
            if any(level.endswith(l) for l in order[order.index(want):]):
                return st
        time.sleep(0.1)
    raise AssertionError(f"{sig} did not reach {commitment}")


def airdrop(client, to, lamports):
    sig = client.request_airdrop(to, lamports).value
    wait_for(client, sig, Confirmed)
    return sig


def funded_transfer(client):
    """A signed 0.001 SOL transfer to a new account from a new payer given 1 SOL by the faucet."""
    payer = Keypair()
    airdrop(client, payer.pubkey(), LAMPORTS_PER_SOL)
    blockhash = client.get_latest_blockhash().value.blockhash
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Keypair().pubkey(), lamports=1_000_000))
    return Transaction([payer], Message([ix], payer.pubkey()), blockhash)


def test_version_and_blockhashes():
    client = Client(RPC, commitment=Confirmed)
    assert client.get_version().value.solana_core
    for c in (Processed, Confirmed, Finalized):
        bh = client.get_latest_blockhash(commitment=c).value
        assert bh.last_valid_block_height > 0
    assert client.get_slot(Processed).value >= client.get_slot(Confirmed).value >= client.get_slot(Finalized).value


def test_airdrop_transfer_history():
    client = Client(RPC, commitment=Confirmed)
    alice = Keypair()
    bob = Keypair().pubkey()
    airdrop(client, alice.pubkey(), 2 * LAMPORTS_PER_SOL)
    assert client.get_balance(alice.pubkey()).value == 2 * LAMPORTS_PER_SOL

    blockhash = client.get_latest_blockhash().value.blockhash
    ix = transfer(TransferParams(from_pubkey=alice.pubkey(), to_pubkey=bob, lamports=3_000_000))
    tx = Transaction([alice], Message([ix], alice.pubkey()), blockhash)
    sig = client.send_transaction(tx, opts=TxOpts(preflight_commitment=Confirmed)).value
    st = wait_for(client, sig, Confirmed)
    assert client.get_balance(bob).value == 3_000_000

    got = client.get_transaction(sig, commitment=Confirmed, max_supported_transaction_version=0).value
    assert got.slot == st.slot
    assert got.transaction.meta.fee == 5000

    # getBlock answers at finalized (solana-py sends no commitment): wait for the root.
    wait_for(client, sig, Finalized)
    assert client.get_balance(bob, commitment=Finalized).value == 3_000_000
    block = client.get_block(st.slot, max_supported_transaction_version=0).value
    assert any(t.transaction.signatures[0] == sig for t in block.transactions)


def test_signature_subscribe():
    client = Client(RPC, commitment=Confirmed)
    tx = funded_transfer(client)

    async def run():
        async with connect(WS) as ws:
            sig = client.send_transaction(tx).value
            await ws.signature_subscribe(sig, commitment=Confirmed)
            first = await asyncio.wait_for(ws.recv(), 60)  # subscription id
            note = await asyncio.wait_for(ws.recv(), 60)
            return first, note

    _, note = asyncio.run(run())
    assert note[0].result.value.err is None


def test_bad_signature_is_refused():
    client = Client(RPC, commitment=Confirmed)
    tx = funded_transfer(client)
    raw = bytearray(bytes(tx))
    raw[10] ^= 0xFF
    with pytest.raises(Exception, match="(?i)signature"):
        client.send_raw_transaction(bytes(raw))
