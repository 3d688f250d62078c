"""A real browser against a running demo: headless Debian chromium (through chromedriver and selenium)
opens the console of `ape run demo --console-port P`, sees blocks advance, pauses the bot and sees the
paused state with no new trades, resumes, saves a screenshot, and stops the demo from the page.

Skipped only where /usr/bin/chromium is absent (apt-get install -y chromium chromium-driver).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.console.auth import TOKEN_ENV

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = PROJECT_ROOT / ".data" / "console" / "screenshot.png"
"""Where the test leaves its screenshot of the console (for the README and for a look)."""
TOKEN = "browser-test-token-" + "f" * 24
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() or not CHROMEDRIVER.exists(),
    reason="no /usr/bin/chromium and /usr/bin/chromedriver: apt-get install -y chromium chromium-driver",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(what: str, check: Callable[[], Any], timeout_s: float = 60.0, demo: Any = None) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception:  # the page is still loading, an element is being redrawn
            value = None
        if value:
            return value
        if demo is not None and demo.poll() is not None:
            raise AssertionError(f"the demo exited ({demo.returncode}) while waiting for {what}")
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    ape = str(Path(sys.executable).parent / "ape")  # the ape beside this Python, activated or not
    port = _free_port()
    log = tmp_path / "demo.err"
    env = {**os.environ, TOKEN_ENV: TOKEN}
    command = [
        ape,
        "run",
        "demo",
        "--json",
        "--console-port",
        str(port),
        "--interval",
        "0.4",
        "--blocks",
        "2000",
    ]
    with (tmp_path / "demo.out").open("wb") as out, log.open("wb") as err:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=err)
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait("the console URL in the demo's output", lambda: url in log.read_text(), 240, process)
        yield process, url, log
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_console_in_a_real_browser(demo: tuple[subprocess.Popen[bytes], str, Path], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    process, url, log = demo

    def text(element_id: str) -> str:
        return str(browser.find_element(By.ID, element_id).text).strip()

    def number(element_id: str) -> int:
        return int(text(element_id).replace(",", ""))

    browser.get(url + "?token=" + TOKEN)  # signs in: an HttpOnly cookie, then the page without the token
    assert browser.current_url == url and "FlashArb" in browser.title
    cookie = browser.get_cookie("flasharb_console")
    assert cookie is not None and cookie["httpOnly"] and TOKEN not in cookie["value"]

    # blocks advance, live
    _wait("the live stream", lambda: text("conn") == "live", 30, process)
    first = _wait("a first block", lambda: number("block"), 120, process)
    _wait("blocks to advance", lambda: number("block") >= first + 3, 60, process)
    assert text("decision-ms") != "-" and text("state") == "running" and text("paused") == "on"
    # the executor's balance, sent as an exact wei string and shown truncated to 4 decimals
    _wait(
        "the executor balance", lambda: re.fullmatch(r"[0-9]+\.[0-9]{4} MATIC", text("balance")), 30, process
    )
    _wait("a trade", lambda: number("trade-count") >= 1, 120, process)
    _wait("a PnL line", lambda: browser.find_element(By.ID, "pnl-line"), 30, process)

    # pause: the page shows it, blocks go on, no new trade is sent
    browser.find_element(By.ID, "btn-pause").click()
    _wait("the paused state", lambda: text("paused") == "paused" and text("state") == "paused", 30, process)
    sent = number("trade-count")
    paused_at = number("block")
    _wait("blocks while paused", lambda: number("block") >= paused_at + 8, 60, process)
    assert number("trade-count") == sent, "a trade was sent while paused"
    assert "paused" in browser.title
    skipped = browser.find_elements(By.XPATH, "//tbody[@id='opportunities']/tr/td[6][text()='paused']")
    assert skipped, "no opportunity skipped as paused"
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOT))

    # resume
    browser.find_element(By.ID, "btn-resume").click()
    _wait("sending again", lambda: text("paused") == "on" and text("state") == "running", 30, process)
    resumed_at = number("block")
    _wait("blocks after resuming", lambda: number("block") >= resumed_at + 3, 60, process)

    # stop, after the confirmation
    browser.find_element(By.ID, "btn-stop").click()
    dialog = browser.find_element(By.ID, "confirm-stop")
    assert dialog.is_displayed()
    browser.find_element(By.ID, "confirm-stop-no").click()
    time.sleep(1.0)
    assert process.poll() is None and text("state") == "running"  # cancelled: still running
    browser.find_element(By.ID, "btn-stop").click()
    browser.find_element(By.ID, "confirm-stop-yes").click()
    assert process.wait(60) == 0
    assert "stopped by the operator" in (log.parent / "demo.out").read_text()
