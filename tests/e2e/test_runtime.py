"""The runtime's driver on the fork: `run` learns of new blocks from the node's newHeads subscription
(anvil serves WebSocket next to HTTP), survives a node failure, and stops on a bug instead of
logging it away."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import text as sql_text

from bot.errors import RpcError
from bot.ops.control import read_status

from .conftest import mine
from .test_bot_loop import GAP, assert_one_set_of_numbers


def _run_in_thread(loop: Any) -> tuple[threading.Thread, list[str]]:
    reasons: list[str] = []
    thread = threading.Thread(target=lambda: reasons.append(loop.run()), daemon=True)
    thread.start()
    return thread, reasons


def test_run_takes_new_blocks_from_the_newheads_subscription(make_bot: Any, push_v2: Any, w3: Any) -> None:
    push_v2(*GAP)
    bot = make_bot(max_blocks=3, poll_interval_s=30)  # a poll would wait 30 s: only a push is quick
    thread, reasons = _run_in_thread(bot.loop)
    deadline = time.monotonic() + 60
    while (bot.loop.heads is None or not bot.loop.heads.subscribed) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert bot.loop.heads.subscribed
    started = time.monotonic()
    while thread.is_alive() and time.monotonic() < deadline:
        mine(w3)
        thread.join(timeout=1.0)
    assert reasons == ["max_blocks (3) reached"]
    assert time.monotonic() - started < 25
    assert read_status(bot.loop.control.control_dir)["details"]["new_heads"] == "subscription"
    trades = bot.events.of("trade")
    assert trades and all(t["exact"] and t["status"] == "mined" for t in trades)
    assert_one_set_of_numbers(bot.loop)


def test_a_node_failure_skips_the_block_and_the_run_goes_on(make_bot: Any, w3: Any) -> None:
    bot = make_bot(max_blocks=1, poll_interval_s=0.05)
    real = bot.loop.pipeline.step
    calls = []

    def flaky(*args: Any) -> Any:
        calls.append(args)
        if len(calls) == 1:
            raise RpcError("eth_call failed after 5 attempts: ReadTimeout")
        return real(*args)

    bot.loop.pipeline.step = flaky
    bot.loop.settings = type(bot.loop.settings)(error_sleep_s=0.01)
    mine(w3)
    assert bot.loop.run() == "max_blocks (1) reached" and len(calls) == 2


def test_a_bug_stops_the_run_and_is_recorded(make_bot: Any, w3: Any) -> None:
    bot = make_bot(max_blocks=5, poll_interval_s=0.05)

    def bug(*args: Any) -> Any:
        raise KeyError("a programming error")

    bot.loop.pipeline.step = bug
    with pytest.raises(KeyError):
        bot.loop.run()
    with bot.loop.journal.engine.connect() as connection:
        reason = connection.execute(
            sql_text("SELECT stop_reason FROM runs WHERE id = :id"), {"id": bot.loop.run_id}
        ).scalar()
    assert reason.startswith("error: KeyError")
    assert read_status(bot.loop.control.control_dir)["state"] == "stopped"
