"""The official `openai` Python client against an Ambient node's REST API: every answer is a real
auction on chain, served by a miner with Proof of Logits and carrying its receipt."""

import os
import time

import httpx
import openai
import pytest

API = os.environ["AMBIENT_API_URL"]


@pytest.fixture(scope="module")
def client():
    return openai.OpenAI(base_url=API + "/v1", api_key=os.environ["AMBIENT_API_KEY"], timeout=300)


@pytest.fixture(scope="module")
def model(client):
    models = client.models.list().data
    assert len(models) == 1
    return models[0].id


def ask(client, model, **kw):
    return client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "Name a primary colour."}],
        max_tokens=8,
        temperature=0,
        seed=11,
        **kw,
    )


def test_answer_with_receipt_and_verification(client, model):
    r = ask(client, model)
    text = r.choices[0].message.content
    assert text.strip(), r
    assert r.choices[0].finish_reason in ("stop", "length")
    assert 0 < r.usage.completion_tokens <= 8
    receipt = r.model_extra["ambient"]["receipt"]
    assert r.id == "chatcmpl-" + receipt["auction"]
    assert len(receipt["pol_root"]) == 64 and receipt["token_count"] == r.usage.completion_tokens
    assert len(receipt["transactions"]) >= 3  # request, bid, reveal, settle, result ...
    # Verification follows on chain; the receipt endpoint reports it.
    deadline = time.time() + 120
    while True:
        got = httpx.get(f"{API}/v1/receipts/{r.id}", timeout=30).json()
        if got["state"] in ("paid", "slashed"):
            break
        assert time.time() < deadline, got
        time.sleep(0.5)
    assert got["state"] == "paid" and got["verification"] == "valid", got
    assert any(v["vote"] == "valid" for v in got["votes"])
    # request, bid, reveal, settle, result, draw, verdict, finalize
    assert len(got["transactions"]) >= 7, got


def test_streaming_gives_the_same_answer(client, model):
    plain = ask(client, model).choices[0].message.content
    chunks = list(ask(client, model, stream=True))
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == plain
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")
    assert chunks[-1].model_extra["ambient"]["receipt"]["pol_root"]
    # The miner streamed the tokens live, before its result landed on chain.
    assert chunks[-1].model_extra["ambient"]["live_tokens"] > 0
    # Its usage is OpenAI's, total included.
    usage = chunks[-1].model_extra["ambient"]["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0, usage


def test_stop_sequences_usage_and_the_rest_of_the_surface(client, model):
    # Greedy, same seed: the same answer each time, so a stop sequence taken from its middle
    # must cut it right before that sequence's first occurrence.
    plain = ask(client, model).choices[0].message.content
    assert len(plain) >= 2, plain
    stop = plain[len(plain) // 2]
    expected = plain[: plain.find(stop)]
    r = ask(client, model, stop=[stop])
    assert (r.choices[0].message.content, r.choices[0].finish_reason) == (expected, "stop")
    chunks = list(ask(client, model, stop=stop, stream=True, stream_options={"include_usage": True}))
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == expected
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0, chunks[-1]
    assert len({c.created for c in chunks}) == 1 and len({c.id for c in chunks}) == 1
    # Newer models' "developer" messages are the system prompt.
    r = client.chat.completions.create(
        model=model, max_tokens=4, temperature=0,
        messages=[{"role": "developer", "content": "Answer in one word."},
                  {"role": "user", "content": "Name a colour."}])
    assert r.choices[0].message.content.strip()
    assert client.models.retrieve(model).id == model
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("no-such-model")
    # What the network cannot serve is refused by name, never silently dropped.
    for extra in [{"n": 2}, {"logprobs": True}, {"presence_penalty": 1.0},
                  {"tools": [{"type": "function", "function": {"name": "f"}}]}, {"temprature": 0.5}]:
        with pytest.raises(openai.BadRequestError):
            ask(client, model, extra_body=extra)
    r = httpx.post(f"{API}/v1/nothing-here", json={}, timeout=30)
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_url", r.text


def test_the_node_pays_only_for_keys_it_issued(model):
    for key in ["amb-" + "0" * 48, "not-a-key"]:
        stranger = openai.OpenAI(base_url=API + "/v1", api_key=key, timeout=60, max_retries=0)
        with pytest.raises(openai.AuthenticationError) as refused:
            ask(stranger, model)
        assert refused.value.code == "invalid_api_key"


def test_bad_requests_get_openai_errors(client, model):
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(
            model="no-such-model", messages=[{"role": "user", "content": "hi"}]
        )
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model=model, messages=[], max_tokens=4)
    with pytest.raises(openai.BadRequestError):
        ask(client, model, top_p=0)
    r = httpx.get(f"{API}/v1/receipts/not-an-address", timeout=30)
    assert r.status_code == 400 and "error" in r.json()


def test_text_completions_continue_the_prompt_as_it_is(client, model):
    # `/v1/completions`: no chat template; the answer is the prompt's continuation, an auction
    # like any other with its receipt.
    def complete(prompt="The capital of France is", **kw):
        return client.completions.create(
            model=model, prompt=prompt, max_tokens=6, temperature=0, seed=5, **kw)

    r = complete()
    assert r.object == "text_completion" and r.choices[0].text.strip(), r
    assert r.choices[0].finish_reason in ("stop", "length")
    assert 0 < r.usage.completion_tokens <= 6
    assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens
    receipt = r.model_extra["ambient"]["receipt"]
    assert r.id == "cmpl-" + receipt["auction"]
    assert receipt["token_count"] == r.usage.completion_tokens
    assert httpx.get(f"{API}/v1/receipts/{r.id}", timeout=30).json()["auction"] == receipt["auction"]
    # Streamed: the same text, chunk by chunk, one id, then the usage.
    chunks = list(complete(stream=True, stream_options={"include_usage": True}))
    assert "".join(c.choices[0].text for c in chunks if c.choices) == r.choices[0].text
    assert all(c.object == "text_completion" for c in chunks)
    assert len({c.id for c in chunks}) == 1 and chunks[-1].usage.completion_tokens > 0
    # A list of one prompt is the same prompt.
    assert complete(prompt=["The capital of France is"]).choices[0].text == r.choices[0].text
    # What one auction cannot answer is refused by name.
    for extra in [{"echo": True}, {"suffix": " end."}, {"best_of": 2}, {"n": 2}, {"logprobs": 2}]:
        with pytest.raises(openai.BadRequestError):
            complete(**extra)
    for prompt in [["a", "b"], [[1, 2]], ""]:
        with pytest.raises(openai.BadRequestError):
            client.completions.create(model=model, prompt=prompt, max_tokens=4)
