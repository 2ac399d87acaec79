"""The Python SDK (``ambient``) against a running ambient-validator --dev: a client with its own
funded key opens an auction, streams the answer, follows the auction to its verdict and verifies
the job against the chain and the blob store; another key cannot follow it."""

import os
import time

import pytest
from solana.rpc.api import Client as RpcClient
from solana.rpc.commitment import Confirmed
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from ambient import AmbientError, Client, Message, Request, follow_message

RPC = os.environ["AMBIENT_RPC_URL"]
API = os.environ["AMBIENT_API_URL"]


def funded(sol: int = 2) -> Client:
    client = Client(RPC, API, Keypair())
    sig = client.rpc.request_airdrop(client.payer.pubkey(), sol * 10**9).value
    client.rpc.confirm_transaction(sig, commitment=Confirmed)
    return client


def test_request_account_layout_rejects_garbage():
    with pytest.raises(ValueError):
        Request.decode(b"\x00" * 10)
    with pytest.raises(ValueError):
        Request.decode(b"\x00" * 704)
    assert follow_message(Pubkey(bytes(32))) == b"ambient-follow:" + bytes(32)


def test_ask_stream_follow_verify():
    client = funded()
    before = client.rpc.get_balance(client.payer.pubkey()).value
    job = client.request([Message.user("Count from one to five, in words.")], max_tokens=24)
    opened = client.status(job.auction)
    assert opened is not None and opened.requester == client.payer.pubkey()
    assert opened.max_tokens == 24 and opened.state in ("open", "awarded")
    assert job.prompt_tokens > 0

    # Someone else cannot follow it.
    with pytest.raises(AmbientError) as refused:
        list(funded().stream(job))
    assert refused.value.status == 403

    text, receipts = "", []
    for event in client.stream(job):
        text += event.text
        if event.receipt:
            receipts.append(event.receipt)
    assert text.strip(), "an answer"
    assert len(receipts) == 1 and receipts[0]["auction"] == str(job.auction)

    settled = client.wait(job.auction)
    assert settled.state == "paid" and settled.verification == "valid"
    v = client.verify(job.auction)
    assert v.valid and len(v.output) == settled.token_count == receipts[0]["token_count"]
    assert client.receipt(job.auction)["verification"] == "valid"
    # Closing it brings the rent back: out exactly the price and three signatures' fees.
    with pytest.raises(AmbientError, match="another key opened it"):
        funded().close(job.auction)
    client.close(job.auction)
    assert client.status(job.auction) is None
    with pytest.raises(AmbientError, match="already closed"):
        client.close(job.auction)
    after = client.rpc.get_balance(client.payer.pubkey()).value
    assert before - after == settled.price + 3 * 5000


def test_bad_input_is_refused_clearly():
    client = funded(1)
    with pytest.raises(AmbientError) as e:
        client.request([Message("robot", "hi")], max_tokens=8)
    assert e.value.status == 400
    with pytest.raises(AmbientError) as e:
        client.request([Message.user("hi")], max_tokens=10**6)
    assert e.value.status == 400
    assert client.status(Keypair().pubkey()) is None
