"""The client: open auctions with your key, stream answers, follow auctions, verify jobs."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional

import blake3
import httpx
from solana.rpc.api import Client as RpcClient
from solana.rpc.commitment import Confirmed
from solana.rpc.types import TxOpts
from solders.keypair import Keypair
from solders.message import Message as TxMessage
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, create_account
from solders.transaction import Transaction

from .auction import (
    AUCTION_PROGRAM,
    REQUEST_LEN,
    Request,
    cancel_instruction,
    follow_message,
    request_instruction,
)

_TOKENS_DOMAIN = b"ambient-pol/tokens/v1"
_TOKENS_DOMAIN_LEN = len(_TOKENS_DOMAIN)


class AmbientError(Exception):
    """The node refused, or answered what the API does not promise."""

    def __init__(self, message: str, status: int = 0, code: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass
class Message:
    """A chat message."""

    role: str
    content: str

    @staticmethod
    def user(content: str) -> "Message":
        return Message("user", content)

    @staticmethod
    def system(content: str) -> "Message":
        return Message("system", content)

    @staticmethod
    def assistant(content: str) -> "Message":
        return Message("assistant", content)


@dataclass
class Job:
    """An auction this client opened."""

    auction: Pubkey
    messages: list[Message]
    prompt_tokens: int
    max_price: int
    signature: str


@dataclass
class Event:
    """A piece of a streamed answer: ``text``, or at the end the ``receipt``."""

    text: str = ""
    receipt: Optional[dict] = None
    live_tokens: int = 0


@dataclass
class Verification:
    """What :meth:`Client.verify` found."""

    state: str
    committee: str
    prompt: list[int] = field(default_factory=list)
    output: list[int] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """A committee majority found the work valid."""
        return self.committee == "valid"


def until_final(r: Request) -> bool:
    """A predicate for :meth:`Client.wait`: the auction is over."""
    return r.is_final


def _error(r: httpx.Response) -> AmbientError:
    try:
        e = r.json().get("error", {})
    except ValueError:
        e = {}
    return AmbientError(
        f"the node refused ({r.status_code}, {e.get('code')}): {e.get('message', r.text)}",
        r.status_code,
        e.get("code") or "",
    )


def _tokens(blob: bytes) -> list[int]:
    """The tokens in a tokens blob (domain, u64 count, u32 tokens, little endian)."""
    head = _TOKENS_DOMAIN_LEN + 8
    if len(blob) < head or not blob.startswith(_TOKENS_DOMAIN):
        raise AmbientError("not a tokens blob")
    n = int.from_bytes(blob[_TOKENS_DOMAIN_LEN:head], "little")
    body = blob[head:]
    if len(body) != 4 * n:
        raise AmbientError("not a tokens blob: its length disagrees with its count")
    return [int.from_bytes(body[4 * i : 4 * i + 4], "little") for i in range(n)]


class Client:
    """A client of one node, paying with its own key."""

    def __init__(self, rpc_url: str, api_url: str, payer: Keypair, timeout: float = 300.0):
        self.rpc = RpcClient(rpc_url, commitment=Confirmed)
        self.api_url = api_url.rstrip("/")
        self.payer = payer
        self.http = httpx.Client(timeout=timeout)

    def _post(self, path: str, body: dict) -> httpx.Response:
        r = self.http.post(f"{self.api_url}{path}", json=body)
        if r.status_code >= 400:
            raise _error(r)
        return r

    def model(self) -> str:
        """The network model's name."""
        r = self.http.get(f"{self.api_url}/v1/models")
        if r.status_code >= 400:
            raise _error(r)
        return r.json()["data"][0]["id"]

    def request(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 128,
        temperature: float = 0.0,
        top_k: int = 0,
        top_p: float = 1.0,
        seed: Optional[int] = None,
        max_price: Optional[int] = None,
    ) -> Job:
        """Opens an auction for ``messages``: the node stores the prompt, this client signs and
        sends the request (escrowing the price from its key) and waits until it is confirmed."""
        prompt = self._post(
            "/v1/prompts",
            {"messages": [m.__dict__ for m in messages], "max_tokens": max_tokens},
        ).json()
        s = prompt["suggested"]
        price = max_price if max_price is not None else s["max_price"]
        account = Keypair()
        rent = self.rpc.get_minimum_balance_for_rent_exemption(REQUEST_LEN).value
        create = create_account(
            CreateAccountParams(
                from_pubkey=self.payer.pubkey(),
                to_pubkey=account.pubkey(),
                lamports=rent + price,
                space=REQUEST_LEN,
                owner=AUCTION_PROGRAM,
            )
        )
        ix = request_instruction(
            self.payer.pubkey(),
            account.pubkey(),
            model_id=bytes.fromhex(prompt["model_id"]),
            prompt_hash=bytes.fromhex(prompt["prompt_hash"]),
            max_tokens=max_tokens,
            temperature=temperature,
            top_k=top_k,
            top_p=top_p,
            seed=seed if seed is not None else time.time_ns() & (2**64 - 1),
            max_price=price,
            bid_slots=s["bid_slots"],
            reveal_slots=s["reveal_slots"],
            deadline_slots=s["deadline_slots"],
            prompt_tokens=prompt["prompt_tokens"],
        )
        blockhash = self.rpc.get_latest_blockhash().value.blockhash
        msg = TxMessage.new_with_blockhash([create, ix], self.payer.pubkey(), blockhash)
        tx = Transaction([self.payer, account], msg, blockhash)
        sig = self.rpc.send_transaction(tx, opts=TxOpts(preflight_commitment=Confirmed)).value
        self.rpc.confirm_transaction(sig, commitment=Confirmed)
        return Job(account.pubkey(), list(messages), prompt["prompt_tokens"], price, str(sig))

    def stream(self, job: Job) -> Iterator[Event]:
        """The winning miner's answer as it is generated, then the receipt. Raises
        :class:`AmbientError` (403) for anyone but the requester."""
        signature = self.payer.sign_message(follow_message(job.auction))
        body = {
            "model": self.model(),
            "messages": [m.__dict__ for m in job.messages],
            "stream": True,
            "ambient": {"request": str(job.auction), "signature": str(signature)},
        }
        with self.http.stream("POST", f"{self.api_url}/v1/chat/completions", json=body) as r:
            if r.status_code >= 400:
                r.read()
                raise _error(r)
            for line in r.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                chunk = json.loads(data)
                if "error" in chunk:
                    e = chunk["error"]
                    raise AmbientError(e.get("message", ""), 200, e.get("code") or "")
                delta = chunk["choices"][0]["delta"].get("content")
                if delta:
                    yield Event(text=delta)
                extra = chunk.get("ambient") or {}
                if "receipt" in extra:
                    yield Event(receipt=extra["receipt"], live_tokens=extra.get("live_tokens", 0))

    def status(self, auction: Pubkey) -> Optional[Request]:
        """The auction's request account now, or ``None``."""
        acc = self.rpc.get_account_info(auction).value
        if acc is None:
            return None
        if acc.owner != AUCTION_PROGRAM:
            raise AmbientError(f"{auction} is not an auction account")
        return Request.decode(bytes(acc.data))

    def wait(
        self,
        auction: Pubkey,
        done: Callable[[Request], bool] = until_final,
        timeout: float = 240.0,
    ) -> Request:
        """Follows the auction until ``done`` holds for it."""
        end = time.monotonic() + timeout
        while True:
            r = self.status(auction)
            if r is not None and done(r):
                return r
            if time.monotonic() > end:
                raise AmbientError(f"auction {auction} did not settle in {timeout} s")
            time.sleep(0.2)

    def close(self, auction: Pubkey) -> str:
        """Closes a finished auction this client opened: the rent (and the whole escrow of an
        unfilled auction) comes back to the payer. Raises :class:`AmbientError` while it is under
        way, while a bid on it is open, or if another key opened it."""
        r = self.status(auction)
        me = self.payer.pubkey()
        if r is None:
            raise AmbientError(f"no auction at {auction} (already closed?)")
        if r.requester != me:
            raise AmbientError(f"auction {auction}: another key opened it")
        if not r.is_final:
            raise AmbientError(f"auction {auction} is not over ({r.state})")
        if r.open_bids:
            raise AmbientError(f"auction {auction}: {r.open_bids} bid(s) on it are still open")
        blockhash = self.rpc.get_latest_blockhash().value.blockhash
        msg = TxMessage.new_with_blockhash([cancel_instruction(me, auction, me)], me, blockhash)
        tx = Transaction([self.payer], msg, blockhash)
        sig = self.rpc.send_transaction(tx, opts=TxOpts(preflight_commitment=Confirmed)).value
        self.rpc.confirm_transaction(sig, commitment=Confirmed)
        return str(sig)

    def receipt(self, auction: Pubkey) -> dict:
        """The node's receipt of the job (``GET /v1/receipts/{id}``)."""
        r = self.http.get(f"{self.api_url}/v1/receipts/{auction}")
        if r.status_code >= 400:
            raise _error(r)
        return r.json()

    def _blob_tokens(self, digest: bytes, what: str) -> list[int]:
        r = self.http.get(f"{self.api_url}/v1/blobs/{digest.hex()}")
        if r.status_code == 404:
            raise AmbientError(f"the {what} blob is not in the blob store")
        if r.status_code >= 400:
            raise _error(r)
        if blake3.blake3(r.content).digest() != digest:
            raise AmbientError(f"the {what} blob does not hash to the chain's record")
        return _tokens(r.content)

    def verify(self, auction: Pubkey) -> Verification:
        """Checks the job against the chain's record: the prompt and output blobs must hash to the
        recorded hashes and hold the recorded number of tokens; the committee's verdict is read
        from the chain. (Recomputing the logits needs the engine: ``ambient receipt verify``.)"""
        r = self.status(auction)
        if r is None:
            raise AmbientError(f"no auction at {auction}")
        if r.token_count == 0:
            raise AmbientError(f"auction {auction} has no delivery to verify ({r.state})")
        prompt = self._blob_tokens(r.prompt_hash, "prompt")
        output = self._blob_tokens(r.output_hash, "output")
        if len(output) != r.token_count:
            raise AmbientError(
                f"the output blob has {len(output)} tokens, the chain records {r.token_count}"
            )
        return Verification(r.state, r.verification, prompt, output)
