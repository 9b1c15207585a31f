"""Play the WebShop env in a browser: an HTML front end over the same :class:`WebShopEnv` an agent plays.

Each browser session (a ``webshop_sid`` cookie, or ``sid=`` in the URL / form) owns one ``WebShopEnv``
episode. Every button on a page is a form that posts one clickable of the env's page, and the server sends
exactly the action a text agent would send: ``search[<query>]`` from the search form, ``click[<clickable>]``
(the lowercase clickable, an entry of ``info["admissible_actions"]``) from every other button. So a person
and an agent play the same game, and a person's episodes are recorded like an agent's: each finished episode
(bought, or cut at the step limit) is appended as one JSON line (:meth:`Trajectory.to_dict`) to the record
file.

Routes:

* ``GET /``: a new episode (``?goal=N`` plays goal N, ``?seed=N`` seeds the goal draw, ``?env=WebShop-Small-v0``
  picks the shop), then redirects to ``/play``;
* ``GET /play``: the session's current page (an unknown session starts a new episode);
* ``POST /search`` (form field ``query``): ``search[<query>]``;
* ``POST /click`` (form field ``target``; optional ``step``, the step count the page was drawn at, so a
  stale page, e.g. after the browser's Back, is refused instead of acting): ``click[<target>]``;
* ``GET /health``: ``ok``.

A request the env would reject (a stale page, a crafted form) is answered 409 and costs no step; a malformed
form 400; an unknown path 404; nothing answers with a traceback.

Built on the standard library's ``http.server.ThreadingHTTPServer``: nothing to install, and a loopback-only
page for one or a few people needs no web framework. The server has no authentication, so it binds
127.0.0.1 unless told ``allow_remote=True``.

Example:
    >>> server = WebShopServer(env_id="WebShop-Small-v0", port=0, record=None, quiet=True).start()
    >>> server.url.startswith("http://127.0.0.1:")
    True
    >>> server.stop()
"""

from __future__ import annotations

import html
import json
import re
import secrets
import socket
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from agentgym.core.network import check_host as _check_host
from agentgym.core.network import is_loopback_host  # noqa: F401 (part of this module's API)
from agentgym.core.trajectory import Trajectory
from agentgym.envs.webshop import ENVS
from agentgym.envs.webshop.env import WebShopEnv

#: The default record file of people's episodes.
DEFAULT_RECORD = Path("runs/webshop_human.jsonl")
#: The cookie that names a session.
COOKIE = "webshop_sid"
#: Sessions kept (least recently used ones are dropped beyond this; their unfinished episodes are lost).
MAX_SESSIONS = 256
#: The largest request body read (bytes).
MAX_BODY = 16 * 1024

_SID_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")
_ENV_KWARGS = {name: dict(kwargs, max_steps=max_steps) for name, kwargs, max_steps, _ in ENVS}

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem; color: #222; }
header { display: flex; justify-content: space-between; align-items: baseline; border-bottom: 2px solid #f90; }
header h1 { margin: 0 0 .3rem; font-size: 1.5rem; }
#instruction { background: #fff8e6; border-left: 4px solid #f90; padding: .6rem .8rem; margin: 1rem 0; }
#notice { background: #fde8e8; border-left: 4px solid #c33; padding: .5rem .8rem; }
form.click-form { display: inline; margin: 0; }
button { font: inherit; cursor: pointer; border: 1px solid #999; border-radius: 4px; background: #f4f4f4;
         padding: .25rem .7rem; margin: .15rem; }
button:hover { background: #e8e8e8; }
button.product-link { border: none; background: none; color: #0645ad; text-decoration: underline; padding: 0;
                      margin: 0; }
button.product-link.visited { color: #663399; }
button.option.selected { background: #f90; border-color: #c60; color: #fff; font-weight: bold; }
button#btn-buy-now { background: #ffd814; border-color: #c7a000; font-weight: bold; }
#result-list { list-style: none; padding: 0; }
#result-list li { border-bottom: 1px solid #ddd; padding: .5rem 0; }
.price { color: #b12704; }
.option-group { margin: .4rem 0; }
.option-name { font-weight: bold; margin-right: .4rem; }
#search-input { width: 70%; font: inherit; padding: .3rem; }
table#reward-components td { padding: .15rem .8rem .15rem 0; }
.success { color: #070; font-weight: bold; }
.failure { color: #a00; font-weight: bold; }
"""


def check_host(host: str, allow_remote: bool = False) -> None:
    """Refuse a non-loopback ``host`` unless ``allow_remote``: the shop server has no authentication."""
    _check_host(host, allow_remote, risk="play (and write episodes to the record file)")


def env_name(env_id: str) -> str:
    """``WebShop-v0`` for ``WebShop-v0`` or ``agentgym/WebShop-v0``; ValueError for anything else."""
    name = env_id.split("/", 1)[1] if env_id.startswith("agentgym/") else env_id
    if name not in _ENV_KWARGS:
        raise ValueError(f"unknown WebShop env {env_id!r}; choose {', '.join(_ENV_KWARGS)}")
    return name


class HTTPError(Exception):
    """A request answered with an error page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Session:
    """One browser session: its env, the episode's trajectory so far and the last step's info."""

    sid: str
    env_name: str
    env: WebShopEnv
    observation: str
    info: dict[str, Any]
    trajectory: Trajectory
    seed: int | None
    done: bool = False
    last_reward: float = 0.0
    truncated: bool = False
    notice: str = ""
    last_query: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)


class WebShopApp:
    """The sessions and the record file behind the server (no HTTP here, so it is easy to test)."""

    def __init__(self, env_id: str = "WebShop-v0", record: str | Path | None = DEFAULT_RECORD,
                 max_sessions: int = MAX_SESSIONS) -> None:
        self.default_env = env_name(env_id)
        self.record = Path(record) if record is not None else None
        self.max_sessions = int(max_sessions)
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()  # the session table
        self._build_lock = threading.Lock()  # building a shop (load_shop's cache is not thread-safe)
        self._record_lock = threading.Lock()
        self.episodes_recorded = 0
        if self.record is not None:
            self.record.parent.mkdir(parents=True, exist_ok=True)
            self.record.touch(exist_ok=True)
        self._make_env(self.default_env)  # build the default shop before the first request

    # ------------------------------------------------------------------ sessions
    def _make_env(self, name: str) -> WebShopEnv:
        with self._build_lock:
            return WebShopEnv(**_ENV_KWARGS[name], observation_mode="text")

    def new_session(self, env_id: str | None = None, goal: int | None = None, seed: int | None = None) -> Session:
        """A new session playing a new episode (goal ``goal``, or one drawn with ``seed``)."""
        name = env_name(env_id) if env_id else self.default_env
        env = self._make_env(name)
        if goal is not None and not 0 <= goal < len(env.goals):
            raise HTTPError(400, f"goal must be in [0, {len(env.goals)}), got {goal}")
        options = {"goal_index": goal} if goal is not None else None
        obs, info = env.reset(seed=seed, options=options)
        sid = secrets.token_urlsafe(16)
        traj = Trajectory(env_id=f"agentgym/{name}", seed=seed,
                          metadata={"source": "human", "interface": "webshop-server", "goal_index": env.goal_index,
                                    "session": sid, "started": time.time()})
        session = Session(sid, name, env, obs, info, traj, seed)
        with self._lock:
            self._sessions[sid] = session
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
        return session

    def get(self, sid: str | None) -> Session | None:
        if not sid or not _SID_RE.fullmatch(sid):
            return None
        with self._lock:
            session = self._sessions.get(sid)
            if session is not None:
                self._sessions.move_to_end(sid)
            return session

    # -------------------------------------------------------------------- actions
    def act(self, session: Session, action: str) -> None:
        """Send ``action`` to the session's env and record the step (the caller holds ``session.lock``).

        An action the env would reject (or any action once the episode is over) raises HTTPError(409) and costs
        no step: a person only gets there from a stale page or a crafted request.
        """
        env = session.env
        if session.done:
            raise HTTPError(409, "this episode is over; start a new one")
        reason = env._check(env.normalize_action(action))  # the env's own validity test, no step taken
        if reason is not None:
            raise HTTPError(409, reason)
        obs, reward, terminated, truncated, info = env.step(action)
        if action.startswith("search["):
            session.last_query = action[len("search["):-1]
        session.trajectory.append(session.observation, action, reward, terminated, truncated, info)
        session.observation, session.info, session.last_reward = obs, info, float(reward)
        if terminated or truncated:
            session.done, session.truncated = True, bool(truncated and not terminated)
            session.trajectory.final_observation = obs
            session.trajectory.metadata["finished"] = time.time()
            self._write(session.trajectory)

    def _write(self, trajectory: Trajectory) -> None:
        if self.record is None:
            return
        line = json.dumps(trajectory.to_dict()) + "\n"
        with self._record_lock:
            self.record.parent.mkdir(parents=True, exist_ok=True)
            with open(self.record, "a", encoding="utf-8") as fh:
                fh.write(line)
            self.episodes_recorded += 1


# ---------------------------------------------------------------------------------- pages
def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "x"


def _document(title: str, body: str, step: str = "") -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head>\n<body>\n"
        f"<header><h1><a href=\"/\" style=\"color:inherit;text-decoration:none\">WebShop</a></h1>{step}</header>\n"
        f"{body}\n</body></html>\n"
    )


def error_page(status: int, message: str) -> str:
    body = (f'<h2 id="error-status">{status}</h2><p id="error-message">{_esc(message)}</p>'
            '<p><a id="play-again" href="/">Start a new episode</a></p>')
    return _document(f"WebShop: error {status}", body)


class _Page:
    """Draws a session's current page from the env's page elements (``WebShopEnv._elements``)."""

    def __init__(self, session: Session) -> None:
        self.s = session
        self.sid = _esc(session.sid)
        self.step = session.env._steps

    def click(self, label: str, css: str = "btn", ident: str | None = None) -> str:
        target = label.lower()
        id_attr = f' id="{_esc(ident)}"' if ident else ""
        return (f'<form class="click-form" method="post" action="/click">'
                f'<input type="hidden" name="sid" value="{self.sid}">'
                f'<input type="hidden" name="step" value="{self.step}">'
                f'<button type="submit" name="target" value="{_esc(target)}" class="{css}"{id_attr} '
                f'data-action="{_esc(f"click[{target}]")}">{_esc(label)}</button></form>')

    def search_form(self) -> str:
        return (f'<form id="search-form" method="post" action="/search">'
                f'<input type="hidden" name="sid" value="{self.sid}">'
                f'<input type="hidden" name="step" value="{self.step}">'
                f'<input id="search-input" type="text" name="query" maxlength="500" autofocus required '
                f'placeholder="Search products">'
                f' <button id="search-button" type="submit">Search</button></form>')

    def render(self) -> str:
        s, env = self.s, self.s.env
        els, _ = env._elements()
        page = env.page
        parts = []
        if s.notice:
            parts.append(f'<p id="notice" role="alert">{_esc(s.notice)}</p>')
        parts.append(f'<div id="instruction"><b>Instruction:</b> <span id="instruction-text">'
                     f'{_esc(env.goal.instruction)}</span></div>')
        if s.done:
            parts.append(self._done(els))
        elif page == "search":
            parts.append(self.search_form())
        else:
            parts.append(self._walk(els, page))
        counter = (f'<span id="step-counter" data-steps="{self.step}" data-max-steps="{env.max_steps}">'
                   f'step {self.step} / {env.max_steps}</span>')
        body = f'<main id="page" data-page="{_esc(page)}" data-done="{int(s.done)}">\n' + "\n".join(parts) + "\n</main>"
        return _document(f"WebShop: {page}", body, counter)

    def _walk(self, els: list[tuple[str, str]], page: str) -> str:
        out: list[str] = []
        nav_ids = {"back to search": "btn-back-to-search", "< prev": "btn-prev", "next >": "btn-next",
                   "buy now": "btn-buy-now"}
        i = 0
        in_list = False
        els = els[2:]  # "Instruction:" and the instruction, drawn above
        while i < len(els):
            kind, text = els[i]
            if kind == "button":
                ident = nav_ids.get(text.lower(), f"btn-{_slug(text)}")
                css = "btn nav" if text.lower() in nav_ids else "btn sub-page"
                if in_list:
                    out.append("</ol>")
                    in_list = False
                out.append(self.click(text, css, ident))
            elif kind in ("link", "link_visited"):
                if not in_list:
                    out.append('<ol id="result-list">')
                    in_list = True
                title = els[i + 1][1] if i + 1 < len(els) else ""
                price = els[i + 2][1] if i + 2 < len(els) else ""
                css = "product-link visited" if kind == "link_visited" else "product-link"
                out.append(f'<li class="result" data-asin="{_esc(text)}">{self.click(text, css)} '
                           f'<span class="title">{_esc(title)}</span> <span class="price">{_esc(price)}</span></li>')
                i += 3
                continue
            elif kind in ("option", "option_selected"):
                pass  # drawn with their option name
            elif page == "item" and i + 1 < len(els) and els[i + 1][0] in ("option", "option_selected"):
                j = i + 1
                buttons = []
                while j < len(els) and els[j][0] in ("option", "option_selected"):
                    selected = els[j][0] == "option_selected"
                    css = "option selected" if selected else "option"
                    buttons.append(self.click(els[j][1], css).replace(
                        "<button ", f'<button aria-pressed="{str(selected).lower()}" ', 1))
                    j += 1
                out.append(f'<div class="option-group" data-option="{_esc(text)}">'
                           f'<span class="option-name">{_esc(text)}</span>{"".join(buttons)}</div>')
                i = j
                continue
            else:
                if text.startswith("Page ") and page == "results":
                    out.append(f'<p class="page-info">Results for <q id="search-query">{_esc(self.s.last_query)}</q>'
                               f' &middot; {_esc(text)}</p>')
                else:
                    out.append(f'<p class="text">{_esc(text)}</p>')
            i += 1
        if in_list:
            out.append("</ol>")
        return "\n".join(out)

    def _done(self, els: list[tuple[str, str]]) -> str:
        s = self.s
        info = s.info
        success = bool(info.get("success"))
        out = []
        if s.truncated:
            out.append(f'<h2 id="outcome">Out of steps: the episode was cut after {s.env.max_steps} steps.</h2>')
        else:
            out.append('<h2 id="outcome">Thank you for shopping with us!</h2>')
            product = s.env.catalog.get(info["purchased"])
            opts = ", ".join(f"{k}: {v}" for k, v in info.get("purchased_options", {}).items()) or "none"
            out.append(f'<p id="purchased" data-asin="{_esc(product.asin)}">Purchased <b>{_esc(product.asin)}</b> '
                       f'{_esc(product.title)}; options: {_esc(opts)}</p>')
        out.append(f'<p>Reward: <span id="reward" data-reward="{s.last_reward:.4f}">{s.last_reward:.4f}</span></p>')
        out.append(f'<p>Success: <span id="success" class="{"success" if success else "failure"}" '
                   f'data-success="{int(success)}">{"yes" if success else "no"}</span></p>')
        comps = info.get("reward_components") or {}
        if comps:
            rows = "".join(f'<tr data-component="{_esc(k)}"><td>{_esc(k)}</td><td>{_esc(f"{v:.4f}")}</td></tr>'
                           for k, v in comps.items())
            out.append(f'<table id="reward-components"><caption>Reward components</caption>{rows}</table>')
        again = "/" if s.env_name == "WebShop-v0" else f"/?env={quote(s.env_name)}"
        out.append(f'<p><a id="play-again" href="{_esc(again)}">Play again</a></p>')
        return "\n".join(out)


def render_session(session: Session) -> str:
    """The session's current page as a complete HTML document."""
    return _Page(session).render()


# ---------------------------------------------------------------------------------- HTTP
def _int_param(params: dict[str, list[str]], key: str, low: int = 0) -> int | None:
    values = params.get(key)
    if not values:
        return None
    if len(values) > 1:
        raise HTTPError(400, f"{key} given more than once")
    try:
        value = int(values[0])
    except ValueError:
        raise HTTPError(400, f"{key} must be an integer, got {values[0]!r}") from None
    if value < low:
        raise HTTPError(400, f"{key} must be at least {low}, got {value}")
    return value


def _one(params: dict[str, list[str]], key: str, required: bool = True) -> str | None:
    values = params.get(key)
    if not values:
        if required:
            raise HTTPError(400, f"the form lacks the field {key!r}")
        return None
    if len(values) > 1:
        raise HTTPError(400, f"the form gives {key!r} more than once")
    return values[0]


class _Handler(BaseHTTPRequestHandler):
    server: WebShopHTTPServer
    server_version = "agentgym-webshop/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        if not self.server.quiet:
            super().log_message(format, *args)

    # ------------------------------------------------------------- responses
    def _send(self, status: int, body: str = "", headers: dict[str, str] | None = None,
              content_type: str = "text/html; charset=utf-8") -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _redirect(self, session: Session) -> None:
        cookie = f"{COOKIE}={session.sid}; Path=/; HttpOnly; SameSite=Lax"
        self._send(303, "", {"Location": f"/play?sid={session.sid}", "Set-Cookie": cookie})

    def _cookie_sid(self) -> str | None:
        raw = self.headers.get("Cookie")
        if not raw:
            return None
        try:
            jar = SimpleCookie(raw)
        except CookieError:
            return None
        morsel = jar.get(COOKIE)
        return morsel.value if morsel is not None else None

    def _session(self, params: dict[str, list[str]]) -> Session | None:
        sid = _one(params, "sid", required=False) or self._cookie_sid()
        return self.server.app.get(sid)

    def _handle(self, fn: Any) -> None:
        try:
            fn()
        except HTTPError as exc:
            self.close_connection = True  # a request body may be left unread
            self._send(exc.status, error_page(exc.status, str(exc)))
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:  # noqa: BLE001 - answer 500, never a traceback
            self.log_error("internal error on %s %s: %r", self.command, self.path, exc)
            try:
                self._send(500, error_page(500, "internal server error"))
            except OSError:
                pass

    # --------------------------------------------------------------- routes
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._handle(self._get)

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle(self._get)

    def do_POST(self) -> None:  # noqa: N802
        self._handle(self._post)

    def _query(self) -> tuple[str, dict[str, list[str]]]:
        parts = urlsplit(self.path)
        try:
            params = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query),
                              errors="strict", max_num_fields=20)
        except ValueError as exc:
            raise HTTPError(400, f"malformed query string: {exc}") from None
        return parts.path, params

    def _get(self) -> None:
        path, params = self._query()
        app = self.server.app
        if path == "/":
            env_id = _one(params, "env", required=False)
            try:
                name = env_name(env_id) if env_id else None
            except ValueError as exc:
                raise HTTPError(400, str(exc)) from None
            session = app.new_session(name, goal=_int_param(params, "goal"), seed=_int_param(params, "seed"))
            self._redirect(session)
        elif path == "/play":
            session = self._session(params)
            if session is None:
                self._redirect(app.new_session())
                return
            with session.lock:
                page = render_session(session)
                session.notice = ""
            self._send(200, page)
        elif path == "/health":
            self._send(200, "ok\n", content_type="text/plain; charset=utf-8")
        elif path == "/favicon.ico":
            self._send(204)
        else:
            raise HTTPError(404, f"no page at {path}")

    def _form(self) -> dict[str, list[str]]:
        ctype = (self.headers.get("Content-Type") or "application/x-www-form-urlencoded").split(";")[0].strip()
        if ctype.lower() != "application/x-www-form-urlencoded":
            raise HTTPError(400, f"expected a form (application/x-www-form-urlencoded), got {ctype!r}")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise HTTPError(400, "the request needs a Content-Length") from None
        if not 0 <= length <= MAX_BODY:
            self.close_connection = True
            raise HTTPError(400, f"the form must be at most {MAX_BODY} bytes")
        raw = self.rfile.read(length)
        try:
            return parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw),
                            errors="strict", max_num_fields=20)
        except ValueError as exc:  # UnicodeDecodeError is one
            raise HTTPError(400, f"malformed form: {exc}") from None

    def _post(self) -> None:
        path, query = self._query()
        if path not in ("/search", "/click"):
            raise HTTPError(404, f"no form handler at {path}")
        form = self._form()
        for key, values in query.items():  # ?sid= in the action URL also counts
            form.setdefault(key, values)
        session = self._session(form)
        if session is None:  # unknown or forgotten session: a new episode, the action is dropped
            session = self.server.app.new_session()
            session.notice = "Your session was not found, so a new episode started."
            self._redirect(session)
            return
        step = _int_param(form, "step")
        if path == "/search":
            query_text = _one(form, "query")
            action = f"search[{' '.join(query_text.split())}]"
        else:
            action = f"click[{_one(form, 'target')}]"
        with session.lock:
            if step is not None and step != session.env._steps and not session.done:
                session.notice = "That page was out of date (the browser's Back?); here is the current one."
                self._send(409, render_session(session))
                session.notice = ""
                return
            try:
                self.server.app.act(session, action)
            except HTTPError as exc:
                status = 400 if path == "/search" else exc.status
                session.notice = f"Not done: {exc}"
                self._send(status, render_session(session))
                session.notice = ""
                return
        self._redirect(session)


class WebShopHTTPServer(ThreadingHTTPServer):
    """A ``ThreadingHTTPServer`` that holds a :class:`WebShopApp`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: WebShopApp, quiet: bool = False) -> None:
        host = address[0].strip("[]")
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.app, self.quiet = app, quiet
        super().__init__((host, address[1]), _Handler)


class WebShopServer:
    """The shop in a browser: ``WebShopServer(port=0).start()`` serves in a thread; ``serve_forever()`` here.

    Args:
        env_id: the default shop (``WebShop-v0`` or ``WebShop-Small-v0``; ``/?env=`` picks per episode).
        host, port: where to listen (port 0 picks a free one); loopback only unless ``allow_remote``.
        record: the JSONL file that finished episodes are appended to (None: not recorded).
        quiet: no access log on stderr.
    """

    def __init__(self, env_id: str = "WebShop-v0", host: str = "127.0.0.1", port: int = 8080,
                 record: str | Path | None = DEFAULT_RECORD, allow_remote: bool = False, quiet: bool = False) -> None:
        check_host(host, allow_remote)
        self.app = WebShopApp(env_id, record)
        self.httpd = WebShopHTTPServer((host, int(port)), self.app, quiet=quiet)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}/"

    def start(self) -> WebShopServer:
        """Serve in a daemon thread (returns self)."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="webshop-server", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.httpd.server_close()


if __name__ == "__main__":  # pragma: no cover - python -m agentgym.envs.webshop.server [port]
    srv = WebShopServer(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8080)
    print(f"serving {srv.url}")
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        srv.httpd.server_close()
