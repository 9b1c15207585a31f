"""The WebShop browser server, driven over real HTTP with urllib (a cookie jar plays the browser)."""

from __future__ import annotations

import html
import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from agentgym.envs.webshop.env import RESULTS_PER_PAGE, load_shop
from agentgym.envs.webshop.server import WebShopServer, check_host, is_loopback_host

ENV = "WebShop-Small-v0"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    record = tmp_path_factory.mktemp("webshop") / "nested" / "human.jsonl"
    srv = WebShopServer(env_id=ENV, port=0, record=record, quiet=True).start()
    yield srv
    srv.stop()


class Browser:
    """urllib with cookies; ``status`` and ``page`` of the last answer (errors included)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.status, self.page, self.url = 0, "", ""

    def open(self, path: str, data: dict | bytes | None = None, headers: dict | None = None) -> str:
        body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
        req = urllib.request.Request(urllib.parse.urljoin(self.base, path), data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=10) as resp:
                self.status, self.page, self.url = resp.status, resp.read().decode(), resp.geturl()
        except urllib.error.HTTPError as exc:
            self.status, self.page, self.url = exc.code, exc.read().decode(), exc.geturl()
        return self.page

    def field(self, name: str) -> str:
        return re.search(rf'name="{name}" value="([^"]*)"', self.page).group(1)

    def search(self, query: str) -> str:
        return self.open("/search", {"sid": self.field("sid"), "step": self.field("step"), "query": query})

    def click(self, target: str) -> str:
        """Press the button whose action is click[target] on the current page (it must be there)."""
        assert f'data-action="click[{html.escape(target)}]"' in self.page, (target, self.page)
        return self.open("/click", {"sid": self.field("sid"), "step": self.field("step"), "target": target})

    def element(self, ident: str) -> str:
        return html.unescape(re.search(rf'id="{ident}"[^>]*>(.*?)<', self.page, re.DOTALL).group(1))


def _goal() -> int:
    """A goal with options whose target is on the first results page of the goal's own query."""
    shop = load_shop(2000, 0, 2000)
    for i, goal in enumerate(shop.goals):
        target = shop.catalog.get(goal.asin)
        if goal.options and any(len(target.options[k]) > 1 for k in goal.options) and \
                goal.asin in shop.index.search(goal.query, k=50)[:RESULTS_PER_PAGE]:
            return i
    raise AssertionError("no suitable goal")


def _records(server: WebShopServer) -> list[dict]:
    return [json.loads(line) for line in Path(server.app.record).read_text().splitlines() if line.strip()]


def _play(browser: Browser, goal_index: int, wrong: bool = False) -> list[str]:
    shop = load_shop(2000, 0, 2000)
    goal = shop.goals[goal_index]
    target = shop.catalog.get(goal.asin)
    browser.open(f"/?goal={goal_index}&env={ENV}")
    assert browser.status == 200 and "/play?sid=" in browser.url
    assert browser.element("instruction-text") == goal.instruction
    assert 'id="search-form"' in browser.page
    actions = [f"search[{goal.query}]"]
    browser.search(goal.query)
    assert browser.status == 200 and 'data-page="results"' in browser.page
    actions.append(f"click[{goal.asin.lower()}]")
    browser.click(goal.asin.lower())
    assert 'data-page="item"' in browser.page and 'id="btn-buy-now"' in browser.page
    for k, (name, value) in enumerate(goal.options.items()):
        if wrong and k == 0:
            value = next(v for v in target.options[name] if v != value and v.lower() not in
                         {w.lower() for w in goal.options.values()})
        actions.append(f"click[{value.lower()}]")
        browser.click(value.lower())
        assert re.search(rf'aria-pressed="true"[^>]*value="{re.escape(html.escape(value.lower()))}" class="option '
                         rf'selected"', browser.page)
    actions.append("click[buy now]")
    browser.click("buy now")
    assert browser.status == 200 and 'data-done="1"' in browser.page
    return actions


def test_full_episode_is_won_and_recorded(server: WebShopServer) -> None:
    browser = Browser(server.url)
    goal_index = _goal()
    actions = _play(browser, goal_index)
    assert float(browser.element("reward")) == 1.0
    assert browser.element("success") == "yes"
    for comp in ("r_type", "r_attribute", "r_option", "r_price"):
        assert f'data-component="{comp}"' in browser.page
    assert 'id="reward-components"' in browser.page and 'id="play-again"' in browser.page
    records = _records(server)
    assert len(records) == 1
    rec = records[0]
    assert [s["action"] for s in rec["steps"]] == actions
    assert rec["env_id"] == f"agentgym/{ENV}" and rec["metadata"]["goal_index"] == goal_index
    assert rec["steps"][-1]["terminated"] and rec["steps"][-1]["info"]["success"] is True
    assert rec["steps"][-1]["reward"] == 1.0
    # the episode is over: another click is refused (409), nothing more is recorded
    sid = urllib.parse.parse_qs(urllib.parse.urlsplit(browser.url).query)["sid"][0]
    browser.open("/click", {"sid": sid, "target": "buy now"})
    assert browser.status == 409 and 'data-done="1"' in browser.page
    assert len(_records(server)) == 1


def test_wrong_option_lowers_the_reward(server: WebShopServer) -> None:
    browser = Browser(server.url)
    before = len(_records(server))
    _play(browser, _goal(), wrong=True)
    assert float(browser.element("reward")) < 1.0
    assert browser.element("success") == "no"
    assert len(_records(server)) == before + 1


def test_errors_escaping_and_survival(server: WebShopServer) -> None:
    browser = Browser(server.url)
    browser.open("/no/such/page")
    assert browser.status == 404 and "Traceback" not in browser.page
    browser.open(f"/?env={ENV}")
    sid = browser.field("sid")
    browser.open("/click", {"sid": sid})  # no target
    assert browser.status == 400 and "Traceback" not in browser.page
    browser.open("/search", b"query=%ZZ&&=", {"Content-Type": "application/x-www-form-urlencoded"})
    assert browser.status == 400
    browser.open("/search", b"\xff\xfe", {"Content-Type": "application/x-www-form-urlencoded"})
    assert browser.status == 400
    browser.open("/search", b'{"query": "x"}', {"Content-Type": "application/json"})
    assert browser.status == 400
    browser.open("/?goal=abc")
    assert browser.status == 400
    browser.open("/?env=CartPole-v1")
    assert browser.status == 400
    # the server still serves, and the session is unharmed (no step was spent)
    browser.open(f"/play?sid={sid}")
    assert browser.status == 200 and 'data-steps="0"' in browser.page
    # a click that is not on this page costs no step
    browser.open("/click", {"sid": sid, "target": "buy now"})
    assert browser.status == 409 and 'data-steps="0"' in browser.page
    # text is escaped
    browser.search('<script>alert("x")</script> shoe')
    assert browser.status == 200 and 'data-page="results"' in browser.page
    assert "<script>" not in browser.page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in browser.page
    # a stale page (the browser's Back) is refused, not acted on
    browser.open("/search", {"sid": sid, "step": 0, "query": "shoe"})
    assert browser.status == 409 and 'data-steps="1"' in browser.page
    # an unknown session starts a new episode
    fresh = Browser(server.url)
    fresh.open("/play?sid=nosuchsession00")
    assert fresh.status == 200 and 'data-page="search"' in fresh.page and fresh.field("sid") != "nosuchsession00"
    fresh.open("/health")
    assert fresh.status == 200 and fresh.page.strip() == "ok"


def test_loopback_only_by_default() -> None:
    assert is_loopback_host("127.0.0.1") and is_loopback_host("localhost") and is_loopback_host("::1")
    assert not is_loopback_host("0.0.0.0")
    with pytest.raises(ValueError, match="allow-remote"):
        check_host("0.0.0.0")
    check_host("0.0.0.0", allow_remote=True)


def test_cli_serve_refuses_remote_and_unknown_apps() -> None:
    from typer.testing import CliRunner

    from agentgym.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["serve", "webshop", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "allow-remote" in result.output
    result = runner.invoke(app, ["serve", "nosuchapp"])
    assert result.exit_code == 2 and "webshop" in result.output
