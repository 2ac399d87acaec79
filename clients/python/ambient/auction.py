"""The query auction's client interface: ids, the Request instruction, the request account."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from solders.instruction import AccountMeta, Instruction
from solders.pubkey import Pubkey

AUCTION_PROGRAM = Pubkey(b"ambient/query-auction/program/v1")
"""The auction program's id."""
ALLOWED_MODELS = Pubkey(b"ambient/allowed-models/account/1")
"""The registry account listing the models requests may name."""
REQUEST_LEN = 704
"""Size of a request account."""

_VERSION = 1
_TAG_REQUEST = 0
_KIND_REQUEST = 2
_STATES = {
    1: "open",
    2: "awarded",
    3: "unfilled",
    4: "delivered",
    5: "timedout",
    6: "verifying",
    7: "paid",
    8: "slashed",
    9: "voided",
}
# The request account's layout (little endian), as `ambient_sdk::auction::state::Request` writes it.
_LAYOUT = struct.Struct("<BBB32s32s32sIfIfQQQQQQII32sQQ32sQ32s32s32sIQB160sBBQ32s32s")


def follow_message(auction: Pubkey) -> bytes:
    """What the requester signs to have a node relay the answer: only whoever paid gets it."""
    return b"ambient-follow:" + bytes(auction)


def request_instruction(
    requester: Pubkey,
    request: Pubkey,
    *,
    model_id: bytes,
    prompt_hash: bytes,
    max_tokens: int,
    temperature: float,
    top_k: int,
    top_p: float,
    seed: int,
    max_price: int,
    bid_slots: int,
    reveal_slots: int,
    deadline_slots: int,
    prompt_tokens: int,
) -> Instruction:
    """The auction's ``Request`` instruction (the request account must be created first, funded
    with its rent-exempt minimum plus ``max_price``). ``prompt_tokens`` is the prompt's length:
    the miner's result must report the same."""
    if len(model_id) != 32 or len(prompt_hash) != 32:
        raise ValueError("model_id and prompt_hash are 32 bytes")
    data = struct.pack(
        "<BB32s32sIfIfQQQQQI",
        _VERSION,
        _TAG_REQUEST,
        model_id,
        prompt_hash,
        max_tokens,
        temperature,
        top_k,
        top_p,
        seed,
        max_price,
        bid_slots,
        reveal_slots,
        deadline_slots,
        prompt_tokens,
    )
    return Instruction(
        AUCTION_PROGRAM,
        data,
        [
            AccountMeta(requester, is_signer=True, is_writable=False),
            AccountMeta(request, is_signer=True, is_writable=True),
            AccountMeta(ALLOWED_MODELS, is_signer=False, is_writable=False),
        ],
    )


_TAG_CANCEL = 1


def cancel_instruction(requester: Pubkey, request: Pubkey, destination: Pubkey) -> Instruction:
    """The auction's ``Cancel``: closes a finished (or bid-less) request; what it holds goes to
    ``destination``."""
    return Instruction(
        AUCTION_PROGRAM,
        struct.pack("<BB", _VERSION, _TAG_CANCEL),
        [
            AccountMeta(requester, is_signer=True, is_writable=False),
            AccountMeta(request, is_signer=False, is_writable=True),
            AccountMeta(destination, is_signer=False, is_writable=True),
        ],
    )


# The request's audit outcome (after the fields `_LAYOUT` reads): 2 = not drawn for an audit.
_AUDIT_OFFSET = 652
_AUDIT_SKIPPED = 2


@dataclass
class Request:
    """A request account's fields (what the chain records about an auction)."""

    state: str
    requester: Pubkey
    model_id: bytes
    prompt_hash: bytes
    max_tokens: int
    temperature: float
    top_k: int
    top_p: float
    seed: int
    max_price: int
    created_slot: int
    bid_end: int
    reveal_end: int
    deadline: int
    price: int
    pol_root: bytes
    pol_chain: bytes
    output_hash: bytes
    token_count: int
    delivered_slot: int
    committee: list[Pubkey]
    valid_votes: int
    fraud_votes: int
    winner_miner: Pubkey
    open_bids: int = 0
    audited: bool = True

    @staticmethod
    def decode(data: bytes) -> "Request":
        """Decodes a request account; a malformed one raises ``ValueError``."""
        if len(data) != REQUEST_LEN:
            raise ValueError(f"a request account has {REQUEST_LEN} bytes, not {len(data)}")
        f = _LAYOUT.unpack_from(data)
        kind, version, state = f[0], f[1], f[2]
        if kind != _KIND_REQUEST or version != _VERSION or state not in _STATES:
            raise ValueError("not an initialised request account")
        (requester, model_id, prompt_hash, max_tokens, temperature, top_k, top_p, seed) = f[3:11]
        (max_price, created, bid_end, reveal_end, deadline) = f[11:16]
        # f[16:21]: open bids, revealed, best bid, best price, second price; f[21]: winner bid
        open_bids = f[16]
        price, root, chain, output_hash, token_count, slot = f[22:28]
        n, members, valid, fraud, _deadline, _best_miner, winner_miner = f[28:35]
        committee = [Pubkey(members[32 * i : 32 * i + 32]) for i in range(n)]
        return Request(
            state=_STATES[state],
            requester=Pubkey(requester),
            model_id=model_id,
            prompt_hash=prompt_hash,
            max_tokens=max_tokens,
            temperature=temperature,
            top_k=top_k,
            top_p=top_p,
            seed=seed,
            max_price=max_price,
            created_slot=created,
            bid_end=bid_end,
            reveal_end=reveal_end,
            deadline=deadline,
            price=price,
            pol_root=root,
            pol_chain=chain,
            output_hash=output_hash,
            token_count=token_count,
            delivered_slot=slot,
            committee=committee,
            valid_votes=bin(valid).count("1"),
            fraud_votes=bin(fraud).count("1"),
            winner_miner=Pubkey(winner_miner),
            open_bids=open_bids,
            audited=data[_AUDIT_OFFSET] != _AUDIT_SKIPPED,
        )

    @property
    def verification(self) -> str:
        """``valid``, ``unaudited``, ``fraud``, ``void``, ``pending`` or ``none`` — as the
        chain's programs decide it (only a committee majority pays or slashes; a job no committee
        decides is voided and refunded; a job not drawn for an audit is paid as delivered)."""
        if self.state == "paid":
            return "valid" if self.audited else "unaudited"
        if self.state == "slashed":
            return "fraud"
        if self.state == "voided":
            return "void"
        if self.state in ("delivered", "verifying"):
            return "pending"
        return "none"

    @property
    def is_final(self) -> bool:
        """Whether nothing more will happen to the auction's money."""
        return self.state in ("paid", "slashed", "voided", "timedout", "unfilled")
