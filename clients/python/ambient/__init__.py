"""Ambient's Python SDK: verified LLM inference on chain, paid with your own key.

    from ambient import Client, Message
    from solders.keypair import Keypair

    client = Client("http://127.0.0.1:8899", "http://127.0.0.1:8901", Keypair())
    job = client.request([Message.user("Count to five.")], max_tokens=32)
    for event in client.stream(job):
        print(event.text if event.text else f"\\nPoL root {event.receipt['pol_root']}", end="")
    settled = client.wait(job.auction)
    assert client.verify(job.auction).valid

The node tokenizes and stores the prompt (``POST /v1/prompts``); the client builds, signs and
sends the auction's ``Request`` transaction, escrowing the price; the node relays the winning
miner's live answer to the requester only (a signed follow message); ``verify`` checks the
chain's record against the blob store.
"""

from .auction import (
    ALLOWED_MODELS,
    AUCTION_PROGRAM,
    REQUEST_LEN,
    Request,
    follow_message,
    request_instruction,
)
from .client import AmbientError, Client, Event, Job, Message, Verification, until_final

__all__ = [
    "ALLOWED_MODELS",
    "AUCTION_PROGRAM",
    "REQUEST_LEN",
    "AmbientError",
    "Client",
    "Event",
    "Job",
    "Message",
    "Request",
    "Verification",
    "follow_message",
    "request_instruction",
    "until_final",
]
