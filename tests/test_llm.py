"""LLM clients (local SmolLM2 and the OpenAI SDK path), the OpenAI-compatible server and `serve-llm`.

Every model here is the real embedded SmolLM2-135M-Instruct, loaded offline once per process.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

os.environ["HF_HUB_OFFLINE"] = "1"  # loading must never reach the hub
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import pytest  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from agentgym.cli import app  # noqa: E402
from agentgym.reward_synth import (  # noqa: E402
    EMBEDDED_MODEL,
    ChatMessage,
    GenerationConfig,
    LLMClient,
    LLMError,
    LLMServer,
    LocalClient,
    OpenAIClient,
    embedded_model_path,
    extract_code,
    make_client,
    normalize_messages,
)
from agentgym.reward_synth.llm import cache_dir  # noqa: E402

CHAT = [{"role": "system", "content": "You are a helpful assistant who answers briefly."},
        {"role": "user", "content": "Name a color of the sky."}]
SHORT = GenerationConfig(max_tokens=24, seed=0)


# ------------------------------------------------------------------------------------------ extract_code


def test_extract_code_takes_the_python_block_with_compute_reward_from_prose():
    reply = """Sure! Here is a helper first:

```python
def helper(x):
    return x * 2
```

And the reward:

```python
import numpy as np

def compute_reward(state, action, next_state, info):
    speed = float(next_state["x"] - state["x"])
    return speed, {"speed": speed}
```
This rewards forward speed."""
    code = extract_code(reply)
    assert code.startswith("import numpy as np\n\ndef compute_reward(")
    assert code.endswith('return speed, {"speed": speed}')
    assert "helper" not in code and "```" not in code and "This rewards" not in code


def test_extract_code_prefers_the_block_defining_compute_reward_then_python_then_any():
    untagged = "```\ndef compute_reward(s, a, n, i):\n    return 1.0, {}\n```"
    assert extract_code("```python\nx = 1\n```\n" + untagged) == "def compute_reward(s, a, n, i):\n    return 1.0, {}"
    assert extract_code("```bash\nls\n```\n```py\nx = 1\n```") == "x = 1"
    assert extract_code("Run this:\n```bash\nls -la\n```") == "ls -la"


def test_extract_code_handles_truncated_indented_and_unfenced_replies():
    truncated = "Here:\n```python\ndef compute_reward(s, a, n, i):\n    return 0.5, {'a': 0.5}"
    assert extract_code(truncated) == "def compute_reward(s, a, n, i):\n    return 0.5, {'a': 0.5}"
    indented = "1. The code:\n   ```python\n   def compute_reward(s, a, n, i):\n       return 0.0, {}\n   ```"
    assert extract_code(indented) == "def compute_reward(s, a, n, i):\n    return 0.0, {}"
    unfenced = "The reward is:\nimport math\ndef compute_reward(s, a, n, i):\n    return 0.0, {}"
    assert extract_code(unfenced) == "import math\ndef compute_reward(s, a, n, i):\n    return 0.0, {}"


@pytest.mark.parametrize("reply", ["", "I cannot write that.", "```\n\n```", "Use `compute_reward` inline."])
def test_extract_code_returns_none_without_code(reply):
    assert extract_code(reply) is None


# ------------------------------------------------------------------------------- specs, messages, config


def test_make_client_parses_specs_without_loading_anything(monkeypatch):
    monkeypatch.delenv("AGENTGYM_LLM", raising=False)
    for spec in (None, "local", "local:smollm2", " LOCAL:SmolLM2 "):
        client = make_client(spec)
        assert isinstance(client, LocalClient) and client.name == f"local:{EMBEDDED_MODEL}"
        assert isinstance(client, LLMClient)
    remote = make_client("openai:my-model@http://127.0.0.1:9999/v1/")
    assert isinstance(remote, OpenAIClient) and remote.model == "my-model"
    assert remote.url == "http://127.0.0.1:9999/v1" and remote.name == "openai:my-model@http://127.0.0.1:9999/v1"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert make_client("openai:gpt-4o").name == "openai:gpt-4o"
    monkeypatch.setenv("AGENTGYM_LLM", "openai:from-env@http://localhost:1/v1")
    assert make_client().name == "openai:from-env@http://localhost:1/v1"
    assert make_client(remote) is remote


@pytest.mark.parametrize("spec, message", [
    ("", "unknown LLM spec"),
    ("gpt-4o", "unknown LLM spec 'gpt-4o'"),
    ("anthropic:claude", "unknown LLM spec"),
    ("local:", "names no model"),
    ("openai:m@ftp://host/v1", "must be an http(s):// base URL"),
])
def test_make_client_rejects_bad_specs_and_lists_the_forms(spec, message):
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        make_client(spec)
    assert "openai:<model>@<base_url>" in str(info.value) or "e.g. openai:my-model@http://" in str(info.value)


def test_local_client_rejects_missing_paths_before_loading(tmp_path):
    with pytest.raises(LLMError, match="no such model file or folder"):
        LocalClient(str(tmp_path / "missing.gguf"))
    (tmp_path / "weights.bin").write_text("x")
    with pytest.raises(LLMError, match="not a .gguf"):
        LocalClient(str(tmp_path / "weights.bin"))
    with pytest.raises(LLMError, match="no config.json and no .gguf"):
        LocalClient(str(tmp_path))


def test_openai_client_needs_a_key_or_a_server(monkeypatch):
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AGENTGYM_LLM_MODEL", "OPENAI_MODEL"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(LLMError, match="OPENAI_API_KEY.*OPENAI_BASE_URL"):
        OpenAIClient(model="gpt-4o")
    local = OpenAIClient(base_url="http://127.0.0.1:8000/v1")  # no key needed; model asked from the server
    assert local._client.api_key == "not-needed" and local.model is None
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:8001/v1")
    monkeypatch.setenv("AGENTGYM_LLM_MODEL", "env-model")
    assert OpenAIClient().name == "openai:env-model@http://localhost:8001/v1"


def test_messages_accept_dicts_and_chat_messages_and_reject_bad_ones():
    assert normalize_messages([ChatMessage("system", "s"), {"role": "developer", "content": "d"}]) == [
        {"role": "system", "content": "s"}, {"role": "system", "content": "d"}]
    for bad, match in (([], "empty"), ("hi", "list"), ([{"role": "robot", "content": "x"}], "role"),
                       ([{"role": "user"}], "content must be a string"),
                       ([{"role": "user", "content": [{"type": "image_url"}]}], "only text parts")):
        with pytest.raises(ValueError, match=match):
            normalize_messages(bad)


def test_generation_config_validates():
    assert GenerationConfig() == GenerationConfig(temperature=0.7, top_p=0.95, max_tokens=512, seed=None)
    for kwargs in ({"temperature": -0.1}, {"temperature": 3}, {"top_p": 0}, {"max_tokens": 0}, {"seed": 1.5}):
        with pytest.raises(ValueError):
            GenerationConfig(**kwargs)


def test_importing_reward_synth_loads_no_torch():
    code = "import sys, agentgym.reward_synth; print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ------------------------------------------------------------------------------------ the local model


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("agentgym-cache")


@pytest.fixture(scope="module")
def local(model_cache) -> LocalClient:
    client = LocalClient()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AGENTGYM_CACHE_DIR", str(model_cache))  # convert the GGUF afresh, into a temporary cache
        client.load()
    return client


@pytest.mark.slow
def test_local_client_samples_n_reproducible_replies(local):
    first = local.complete(CHAT, n=2, config=SHORT)
    assert len(first) == 2 and all(isinstance(t, str) and t.strip() for t in first)
    assert all("helpful assistant" not in t and "<|im_start|>" not in t for t in first)  # only the new text
    assert local.complete(CHAT, n=2, config=SHORT) == first
    # A fresh client of the same model shares the loaded weights and gives the same samples.
    assert LocalClient("smollm2").load() is local.load()
    several = local.complete(CHAT, n=3, config=GenerationConfig(max_tokens=12, temperature=1.0, seed=1))
    assert len(set(several)) > 1  # independent samples, not copies


@pytest.mark.slow
def test_local_client_greedy_is_deterministic_and_reports_tokens(local):
    greedy = GenerationConfig(temperature=0.0, max_tokens=12)
    replies = local.complete([ChatMessage("user", "What is 2 + 2?")], n=3, config=greedy)
    assert len(replies) == 3 and replies[0].strip() and len(set(replies)) == 1
    assert local.complete([{"role": "user", "content": "What is 2 + 2?"}], config=greedy) == replies[:1]
    detailed = local.generate(CHAT, n=1, config=GenerationConfig(temperature=0.0, max_tokens=4))[0]
    assert detailed.finish_reason == "length" and detailed.completion_tokens == 4 and detailed.prompt_tokens > 10


@pytest.mark.slow
def test_a_converted_gguf_is_cached_on_disk_and_loads_the_same_model(local, model_cache, monkeypatch):
    from agentgym.reward_synth.llm import _LoadedModel

    monkeypatch.setenv("AGENTGYM_CACHE_DIR", str(model_cache))
    source, gguf = str(embedded_model_path().parent), embedded_model_path().name
    if not any(model_cache.glob("models/*/config.json")):  # `local` came from another module's load
        assert not _LoadedModel(source, gguf, "cpu", "auto").from_cache
    [folder] = model_cache.glob("models/SmolLM2-135M-Instruct.Q4_1-*")
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {p.name for p in folder.iterdir()}
    cached = _LoadedModel(source, gguf, "cpu", "auto")
    assert cached.from_cache and cached.model is not local.load().model
    greedy = GenerationConfig(temperature=0.0, max_tokens=16)
    assert cached.generate(normalize_messages(CHAT), 1, greedy) == local.generate(CHAT, config=greedy)
    monkeypatch.setenv("AGENTGYM_CACHE_DIR", "off")
    assert cache_dir() is None


@pytest.mark.slow
def test_local_client_leaves_the_global_rng_alone(local):
    import torch

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    local.complete(CHAT, config=SHORT)
    assert torch.equal(torch.rand(3), expected)


# --------------------------------------------------------------------------- the server and the SDK path


@pytest.fixture(scope="module")
def server(local):
    with LLMServer(local, port=0, max_n=4) as srv:
        yield srv


def _request(url: str, body: dict | bytes | None = None, method: str | None = None) -> tuple[int, dict]:
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_openai_sdk_gets_n_completions_from_the_server(server, local):
    assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/v1")
    client = OpenAIClient(base_url=server.url, model=EMBEDDED_MODEL)
    replies = client.complete(CHAT, n=2, config=SHORT)
    assert len(replies) == 2 and all(r.strip() for r in replies)
    assert replies == local.complete(CHAT, n=2, config=SHORT)  # the server passes the seed through
    # No model named: the client asks the server which one it has.
    assert OpenAIClient(base_url=server.url).complete(CHAT, config=SHORT) == local.complete(CHAT, config=SHORT)


@pytest.mark.slow
def test_openai_client_asks_again_when_the_server_returns_fewer_choices(server):
    client = OpenAIClient(base_url=server.url, model=EMBEDDED_MODEL)
    config = GenerationConfig(max_tokens=8, temperature=1.0, seed=3)
    replies = client.complete(CHAT, n=5, config=config)  # max_n=4: two calls, the second seeded 3 + 4
    assert len(replies) == 5 and all(r.strip() for r in replies)
    assert len(set(replies)) > 1 and client.complete(CHAT, n=5, config=config) == replies


@pytest.mark.slow
def test_server_answers_a_proper_chat_completion_and_lists_its_model(server):
    import openai

    sdk = openai.OpenAI(base_url=server.url, api_key="not-needed")
    assert [m.id for m in sdk.models.list()] == [EMBEDDED_MODEL]
    status, body = _request(server.url + "/chat/completions",
                            {"model": "any", "messages": CHAT, "n": 2, "max_tokens": 5, "temperature": 0})
    assert status == 200 and body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-")
    assert body["model"] == EMBEDDED_MODEL and isinstance(body["created"], int)
    assert [c["index"] for c in body["choices"]] == [0, 1]
    assert all(c["message"]["role"] == "assistant" and c["message"]["content"] for c in body["choices"])
    assert {c["finish_reason"] for c in body["choices"]} <= {"stop", "length"}
    usage = body["usage"]
    assert usage["prompt_tokens"] > 10 and 2 <= usage["completion_tokens"] <= 10
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert _request(server.url + "/models/" + EMBEDDED_MODEL)[1]["id"] == EMBEDDED_MODEL


@pytest.mark.slow
def test_server_answers_concurrent_requests(server):
    from concurrent.futures import ThreadPoolExecutor

    body = {"model": EMBEDDED_MODEL, "messages": CHAT, "max_tokens": 6, "temperature": 0}
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: _request(server.url + "/chat/completions", body), range(4)))
    assert [status for status, _ in answers] == [200] * 4
    assert len({a["choices"][0]["message"]["content"] for _, a in answers}) == 1  # greedy: the same reply


@pytest.mark.parametrize("body, param, message", [
    ({"model": "m"}, "messages", "messages is required"),
    ({"model": "m", "messages": []}, "messages", "empty"),
    ({"model": "m", "messages": [{"role": "user", "content": 5}]}, "messages", "content must be a string"),
    ({"model": "m", "messages": CHAT, "n": 0}, "n", "n must be an integer >= 1"),
    ({"model": "m", "messages": CHAT, "temperature": 5}, "temperature", "temperature must be in"),
    ({"model": "m", "messages": CHAT, "top_p": 0}, "top_p", "top_p must be in"),
    ({"model": "m", "messages": CHAT, "max_tokens": "10"}, "max_tokens", "max_tokens must be an integer"),
    ({"model": "m", "messages": CHAT, "max_tokens": 10**6}, "max_tokens", "at most"),
    ({"model": "m", "messages": CHAT, "stream": True}, "stream", "stream is not supported"),
    (b"{not json", None, "not valid JSON"),
    ([1, 2], None, "must be a JSON object"),
])
def test_server_answers_bad_requests_with_an_openai_error(body, param, message):
    # Validation happens before generation: a lazy, never-loaded client is enough here.
    with LLMServer(LocalClient(), port=0) as srv:
        status, error = _request(srv.url + "/chat/completions", body)
    assert status == 400
    assert error["error"]["type"] == "invalid_request_error" and error["error"]["param"] == param
    assert message in error["error"]["message"]


def test_server_404s_unknown_paths_and_models():
    with LLMServer(LocalClient(), port=0) as srv:
        base = srv.url.removesuffix("/v1")
        for url, method in ((base + "/v2/chat", "GET"), (base + "/v1/completions", "POST"),
                            (srv.url + "/models/gpt-4o", "GET")):
            status, error = _request(url, {} if method == "POST" else None, method)
            assert status == 404 and error["error"]["message"]
        assert _request(srv.url + "/chat/completions")[0] == 405
        assert _request(base + "/health") == (200, {"status": "ok", "model": EMBEDDED_MODEL})
    with pytest.raises(urllib.error.URLError):  # stopped: the port is closed
        urllib.request.urlopen(srv.url + "/models", timeout=5)


def test_openai_client_names_the_url_when_no_server_runs():
    url = f"http://127.0.0.1:{_free_port()}/v1"
    client = OpenAIClient(base_url=url, model="m", max_retries=0, timeout=5)
    with pytest.raises(LLMError, match=re.escape(f"cannot reach the LLM server at {url}")) as info:
        client.complete(CHAT)
    assert "agentgym serve-llm" in str(info.value)


def test_server_refuses_a_non_loopback_host_unless_allowed():
    for host in ("0.0.0.0", "192.168.1.5", "example.com"):
        with pytest.raises(ValueError, match="no authentication.*allow_remote=True"):
            LLMServer(LocalClient(), host=host)
    for host in ("127.0.0.1", "localhost", "::1"):
        LLMServer(LocalClient(), host=host)  # checks only; binds nothing
    assert LLMServer(LocalClient(), host="::1", port=1234).url == "http://[::1]:1234/v1"
    assert LLMServer(LocalClient(), host="0.0.0.0", allow_remote=True).host == "0.0.0.0"


# --------------------------------------------------------------------------------------------- the CLI

runner = CliRunner()


def test_serve_llm_help_explains_the_options():
    result = runner.invoke(app, ["serve-llm", "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    for needle in ("OpenAI-compatible", "--model", "--host", "--port", "--allow-remote", "no authentication"):
        assert needle in text


def test_serve_llm_refuses_a_remote_host_without_allow_remote():
    result = runner.invoke(app, ["serve-llm", "--host", "0.0.0.0", "--lazy"], terminal_width=200)
    assert result.exit_code == 2
    assert "refusing to serve on '0.0.0.0'" in result.output and "--allow-remote" in result.output


def test_serve_llm_rejects_a_bad_model_spec():
    result = runner.invoke(app, ["serve-llm", "--model", "nonsense", "--lazy"], terminal_width=200)
    assert result.exit_code == 2 and "unknown LLM spec 'nonsense'" in result.output


@pytest.mark.slow
def test_serve_llm_serves_until_ctrl_c():
    cmd = [sys.executable, "-m", "agentgym.cli", "serve-llm", "--port", "0", "--lazy"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"})
    try:
        lines: list[str] = []
        deadline = time.time() + 60
        while time.time() < deadline and not any("Ctrl-C stops" in line for line in lines):
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                pytest.fail(f"serve-llm exited early with {proc.returncode}:\n{''.join(lines)}")
            lines.append(line)
        url = re.search(r"at (http://127\.0\.0\.1:\d+/v1)", "".join(lines)).group(1)
        assert _request(url + "/models")[1]["data"][0]["id"] == EMBEDDED_MODEL
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    banner = "".join(lines) + output
    assert f"export AGENTGYM_LLM='openai:{EMBEDDED_MODEL}@{url}'" in banner and "OPENAI_BASE_URL" in banner
    assert "stopped" in output and "Traceback" not in output
