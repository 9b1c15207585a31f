"""The WebShop web page in a real headless browser: Chromium (Debian's package) driven by Selenium.

A person's episode, end to end: search, open the target, pick the goal's options, buy, read the
reward; the page is saved as a screenshot (its path is printed in the test output). CI installs
``chromium`` and ``chromium-driver`` with apt (see ``.ci/run``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agentgym.envs.webshop.env import RESULTS_PER_PAGE, load_shop
from agentgym.envs.webshop.server import WebShopServer

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def _goal() -> int:
    """A goal with options whose target is on the first results page of the goal's own query."""
    shop = load_shop(2000, 0, 2000)
    for i, goal in enumerate(shop.goals):
        target = shop.catalog.get(goal.asin)
        if len(goal.options) >= 2 and all(len(target.options[k]) > 1 for k in goal.options) and \
                goal.asin in shop.index.search(goal.query, k=50)[:RESULTS_PER_PAGE]:
            return i
    raise AssertionError("no suitable goal")


@pytest.fixture()
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not Path(CHROMIUM).exists() or not Path(DRIVER).exists():
        pytest.fail(f"the browser test needs Debian's chromium and chromium-driver ({CHROMIUM}, {DRIVER}): "
                    "apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1200,900", "--no-proxy-server"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_a_person_buys_the_goal_in_a_headless_browser(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    record = tmp_path / "human.jsonl"
    server = WebShopServer(env_id="WebShop-Small-v0", port=0, record=record, quiet=True).start()
    try:
        index = _goal()
        goal = load_shop(2000, 0, 2000).goals[index]
        wait = WebDriverWait(browser, 20)

        def on_page(kind: str) -> None:
            wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, f'main#page[data-page="{kind}"]')))

        def press(button, kind: str) -> None:
            """Click, wait until the old page is gone (each action loads a new one), then for the new page."""
            old = browser.find_element(By.ID, "page")
            button.click()
            wait.until(ec.staleness_of(old))
            on_page(kind)

        browser.get(f"{server.url}/?goal={index}")
        on_page("search")
        assert goal.instruction in browser.find_element(By.ID, "instruction-text").text
        browser.find_element(By.ID, "search-input").send_keys(goal.query)
        press(browser.find_element(By.ID, "search-button"), "results")
        press(browser.find_element(By.CSS_SELECTOR, f'li.result[data-asin="{goal.asin}"] button.product-link'),
              "item")
        for name, value in goal.options.items():
            group = browser.find_element(By.CSS_SELECTOR, f'.option-group[data-option="{name}"]')
            press(next(b for b in group.find_elements(By.CSS_SELECTOR, "button.option")
                       if b.get_attribute("value") == value.lower()), "item")
            group = browser.find_element(By.CSS_SELECTOR, f'.option-group[data-option="{name}"]')
            chosen = group.find_element(By.CSS_SELECTOR, "button.option.selected")
            assert chosen.get_attribute("value") == value.lower() and chosen.get_attribute("aria-pressed") == "true"
        old = browser.find_element(By.ID, "page")
        browser.find_element(By.ID, "btn-buy-now").click()
        wait.until(ec.staleness_of(old))
        wait.until(ec.presence_of_element_located((By.ID, "reward")))
        reward = float(browser.find_element(By.ID, "reward").get_attribute("data-reward"))
        success = browser.find_element(By.ID, "success").get_attribute("data-success")
        shot = tmp_path / "webshop_bought.png"
        assert browser.save_screenshot(str(shot))
        print(f"\nscreenshot of the finished episode: {shot} ({shot.stat().st_size} bytes)")
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5_000
        assert reward == pytest.approx(1.0) and success in ("1", "true", "yes")
        rows = [json.loads(line) for line in record.read_text().splitlines()]
        assert len(rows) == 1
        actions = [step["action"] for step in rows[0]["steps"]]
        assert actions[0] == f"search[{goal.query}]" and actions[1] == f"click[{goal.asin.lower()}]"
        assert actions[-1] == "click[buy now]" and len(actions) == 3 + len(goal.options)
    finally:
        server.stop()
