"""A small OpenAI-compatible chat-completions server for any :class:`~agentgym.reward_synth.llm.LLMClient`.

It lets every OpenAI client (the ``openai`` SDK, :class:`OpenAIClient`, curl, other tools) use a
model that runs here: the embedded SmolLM2, any transformers model, or a trained policy::

    server = LLMServer(LocalClient(), port=0).start()      # port 0: a free port
    client = OpenAIClient(base_url=server.url)             # http://127.0.0.1:<port>/v1
    client.complete([{"role": "user", "content": "Hi"}], n=2)
    server.stop()

Endpoints: ``GET /v1/models``, ``GET /v1/models/<id>``, ``POST /v1/chat/completions`` (messages,
n, temperature, top_p, max_tokens, seed; no streaming), ``GET /health``. Errors are OpenAI-style
JSON (``{"error": {"message", "type", "param", "code"}}``). The server has no authentication, so
it binds loopback addresses only unless told ``allow_remote=True``.

Built on the standard library's ``ThreadingHTTPServer``: one JSON endpoint at LLM speed needs no
web framework, and the in-process model serializes generation anyway.
"""

from __future__ import annotations

import json
import logging
import math
import socket
import threading
import time
import uuid
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agentgym.core.network import check_host as _check_host

from .llm import Completion, GenerationConfig, LLMClient, LLMError, normalize_messages

log = logging.getLogger("agentgym.serve")

_MAX_BODY = 8 * 1024 * 1024  # bytes of a request body


class RequestError(ValueError):
    """A request the server refuses, with the HTTP status and OpenAI error fields to answer with."""

    def __init__(self, message: str, status: int = 400, param: str | None = None, code: str | None = None,
                 kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.param, self.code, self.kind = status, param, code, kind

    def body(self) -> dict[str, Any]:
        return {"error": {"message": str(self), "type": self.kind, "param": self.param, "code": self.code}}


def check_host(host: str, allow_remote: bool = False) -> None:
    """Refuse a non-loopback ``host`` unless ``allow_remote``: the server has no authentication."""
    _check_host(host, allow_remote, risk="run the model on this machine")


def _number(body: Mapping[str, Any], key: str, default: float, low: float, high: float,
            low_open: bool = False) -> float:
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RequestError(f"{key} must be a number, got {value!r}", param=key)
    if value > high or value < low or (low_open and value == low):
        raise RequestError(f"{key} must be in {'(' if low_open else '['}{low:g}, {high:g}], got {value!r}", param=key)
    return float(value)


def _integer(body: Mapping[str, Any], key: str, default: int | None, low: int | None = None) -> int | None:
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or (low is not None and value < low):
        raise RequestError(f"{key} must be an integer{f' >= {low}' if low is not None else ''}, got {value!r}",
                           param=key)
    return value


def parse_chat_request(body: Any, max_tokens_limit: int) -> tuple[list[dict[str, str]], int, GenerationConfig]:
    """Messages, n and generation settings of a chat-completions request body; RequestError if bad."""
    if not isinstance(body, dict):
        raise RequestError("the request body must be a JSON object")
    if body.get("stream"):
        raise RequestError("stream is not supported by this server: send stream=false (or leave it out)",
                           param="stream")
    if "messages" not in body:
        raise RequestError("messages is required", param="messages")
    try:
        messages = normalize_messages(body["messages"])
    except ValueError as exc:
        raise RequestError(str(exc), param="messages") from exc
    n = _integer(body, "n", 1, low=1)
    max_tokens = _integer(body, "max_completion_tokens", None, low=1)
    max_tokens = _integer(body, "max_tokens", max_tokens or GenerationConfig.max_tokens, low=1)
    if max_tokens > max_tokens_limit:
        raise RequestError(f"max_tokens must be at most {max_tokens_limit} on this server, got {max_tokens}",
                           param="max_tokens")
    config = GenerationConfig(temperature=_number(body, "temperature", 1.0, 0.0, 2.0),
                              top_p=_number(body, "top_p", 1.0, 0.0, 1.0, low_open=True),
                              max_tokens=max_tokens, seed=_integer(body, "seed", None))
    return messages, n, config


def _estimate_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4)) if text else 0  # ~4 characters a token in English and code


class LLMServer:
    """An OpenAI-compatible server for ``client`` on ``host:port``; :meth:`start` runs it in a thread.

    ``port=0`` picks a free port (read :attr:`url` after :meth:`start`). ``model_name`` is the id
    the server lists (default: the client's ``model_id``, else its ``name``); requests may name any
    model and get this one. A request's ``n`` above ``max_n`` is answered with ``max_n`` choices,
    as some servers do (:class:`OpenAIClient` asks again for the rest).
    """

    def __init__(self, client: LLMClient, host: str = "127.0.0.1", port: int = 8000, model_name: str | None = None,
                 *, allow_remote: bool = False, max_n: int = 16, max_tokens_limit: int = 4096) -> None:
        check_host(host, allow_remote)
        if max_n < 1 or max_tokens_limit < 1:
            raise ValueError("max_n and max_tokens_limit must be positive")
        self.client, self.host, self.port = client, host, port
        self.model_name = model_name or getattr(client, "model_id", None) or client.name
        self.max_n, self.max_tokens_limit = max_n, max_tokens_limit
        self.created = int(time.time())
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._serving = threading.Event()

    @property
    def url(self) -> str:
        """The base URL clients use, ending in ``/v1`` (the bound port once started)."""
        host = self.host.strip("[]")
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/v1"

    def bind(self) -> LLMServer:
        """Bind the socket (port 0: a free one) without serving yet; OSError if the port is taken."""
        if self._httpd is None:
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            server_class = type("_Server", (_Server,), {"address_family": family})
            self._httpd = server_class((self.host.strip("[]"), self.port), _Handler)
            self._httpd.app = self
            self.port = self._httpd.server_address[1]
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`stop` (from another thread) or Ctrl-C."""
        httpd = self.bind()._httpd
        assert httpd is not None
        self._serving.set()
        try:
            httpd.serve_forever(poll_interval=0.2)
        finally:
            httpd.close()

    def start(self) -> LLMServer:
        """Serve in a background (daemon) thread; returns self once the socket listens."""
        self.bind()
        if self._thread is None:
            self._thread = threading.Thread(target=self.serve_forever, name=f"LLMServer:{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and free the port."""
        httpd, thread = self._httpd, self._thread
        self._httpd, self._thread = None, None
        if httpd is None:
            return
        if self._serving.is_set():
            httpd.shutdown()  # returns once the serving loop has ended
        self._serving.clear()
        if thread is not None:
            thread.join()
        httpd.close()

    def __enter__(self) -> LLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # The API ---------------------------------------------------------------------------------------

    def model_card(self) -> dict[str, Any]:
        return {"id": self.model_name, "object": "model", "created": self.created, "owned_by": "agentgym"}

    def chat_completion(self, body: Any) -> dict[str, Any]:
        """The ChatCompletion JSON answering a request body (RequestError when the request is bad)."""
        messages, n, config = parse_chat_request(body, self.max_tokens_limit)
        n = min(n, self.max_n)
        generate = getattr(self.client, "generate", None)
        try:
            if callable(generate):
                completions: list[Completion] = generate(messages, n=n, config=config)
            else:
                completions = [Completion(text) for text in self.client.complete(messages, n=n, config=config)]
        except ValueError as exc:  # the client refused the input
            raise RequestError(str(exc)) from exc
        except LLMError as exc:
            raise RequestError(f"the model failed: {exc}", status=500, kind="server_error") from exc
        prompt_tokens = next((c.prompt_tokens for c in completions if c.prompt_tokens is not None), None)
        if prompt_tokens is None:
            prompt_tokens = _estimate_tokens("\n".join(m["content"] for m in messages))
        completion_tokens = sum(c.completion_tokens if c.completion_tokens is not None else _estimate_tokens(c.text)
                                for c in completions)
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model_name,
            "system_fingerprint": None,
            "choices": [{"index": i, "message": {"role": "assistant", "content": c.text},
                         "finish_reason": c.finish_reason, "logprobs": None} for i, c in enumerate(completions)],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        }


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer that can close its kept-alive connections, so stopping really stops."""

    app: LLMServer

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        with self._connections_lock:
            self._connections.add(sock)
        return sock, address

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection from %s failed", client_address, exc_info=True)  # e.g. the client hung up

    def close(self) -> None:
        with self._connections_lock:
            connections, self._connections = list(self._connections), set()
        for sock in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the openai SDK reuses connections
    server_version = "agentgym-serve-llm"
    timeout = 120  # seconds an idle kept-alive connection stays open

    @property
    def app(self) -> LLMServer:
        return self.server.app  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, error: RequestError) -> None:
        self._send(error.status, error.body())

    def _path(self) -> str:
        return self.path.split("?", 1)[0].rstrip("/") or "/"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = self._path()
        if path == "/v1/models":
            self._send(200, {"object": "list", "data": [self.app.model_card()]})
        elif path.startswith("/v1/models/"):
            if path[len("/v1/models/"):] == self.app.model_name:
                self._send(200, self.app.model_card())
            else:
                self._error(RequestError(f"model {path[len('/v1/models/'):]!r} not found; this server has "
                                         f"{self.app.model_name!r}", 404, code="model_not_found"))
        elif path in ("/health", "/v1/health"):
            self._send(200, {"status": "ok", "model": self.app.model_name})
        elif path == "/v1/chat/completions":
            self._error(RequestError("use POST for /v1/chat/completions", 405, code="method_not_allowed"))
        else:
            self._not_found(path)

    def do_POST(self) -> None:  # noqa: N802
        path = self._path()
        # Read the body before answering, even an error, so the kept-alive connection stays in sync.
        try:
            body = self._read_json()
        except RequestError as exc:
            self.close_connection = True
            self._error(exc)
            return
        if path != "/v1/chat/completions":
            self._not_found(path)
            return
        try:
            self._send(200, self.app.chat_completion(body))
        except RequestError as exc:
            self._error(exc)
        except Exception as exc:  # answer, log, keep serving
            log.exception("chat completion failed")
            self._error(RequestError(f"internal error: {type(exc).__name__}: {exc}", 500, kind="server_error"))

    def _read_json(self) -> Any:
        length = self.headers.get("Content-Length")
        if length is None:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                raise RequestError("chunked request bodies are not supported: send Content-Length", 411)
            return None
        try:
            size = int(length)
        except ValueError:
            raise RequestError(f"bad Content-Length {length!r}") from None
        if size > _MAX_BODY:
            raise RequestError(f"request body too large ({size} bytes; at most {_MAX_BODY})", 413)
        raw = self.rfile.read(size)
        try:
            return json.loads(raw) if raw else None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RequestError(f"the request body is not valid JSON: {exc}") from None

    def _not_found(self, path: str) -> None:
        self._error(RequestError(f"unknown path {path}; this server has GET /v1/models and POST /v1/chat/completions",
                                 404, code="not_found"))


def serve(client: LLMClient, host: str = "127.0.0.1", port: int = 8000, model_name: str | None = None,
          ready: threading.Event | None = None, *, allow_remote: bool = False, max_n: int = 16) -> None:
    """Serve ``client`` on ``host:port`` in this thread until Ctrl-C (which returns normally).

    ``ready`` is set once the socket listens. To learn the port of ``port=0``, or to serve in the
    background, use :class:`LLMServer` instead.
    """
    server = LLMServer(client, host, port, model_name, allow_remote=allow_remote, max_n=max_n).bind()
    if ready is not None:
        ready.set()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
