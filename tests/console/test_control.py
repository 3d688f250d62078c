"""The console's controls go through botctl's control channel: what the page does shows in
/api/status and in the status file botctl reads, and a pause survives a restart."""

from __future__ import annotations

import time
from pathlib import Path

from bot.console.server import ConsoleServer
from bot.ops.control import ControlChannel, read_status

from .conftest import TOKEN, FakeBot, block_events, request


def _status(console: ConsoleServer) -> dict:  # type: ignore[type-arg]
    reply = request(console, "GET", "/api/status", token=TOKEN)
    assert reply.status == 200
    return reply.json()  # type: ignore[no-any-return]


def test_pause_resume_reset_stop_reach_the_bot(
    console: ConsoleServer, bot: FakeBot, control_dir: Path
) -> None:
    assert _status(console)["paused"] is False
    reply = request(console, "POST", "/api/control/pause", token=TOKEN)
    assert (
        reply.status == 200 and reply.json()["outcome"] == "acknowledged" and reply.json()["paused"] is True
    )
    assert bot.channel.paused is True
    status = _status(console)
    assert status["paused"] is True and status["state"] == "paused" and "blocks" in status
    assert read_status(control_dir)["paused"] is True  # type: ignore[index]  # what botctl prints

    assert request(console, "POST", "/api/control/resume", token=TOKEN).json()["paused"] is False
    assert _status(console)["paused"] is False and read_status(control_dir)["state"] == "running"  # type: ignore[index]

    reply = request(console, "POST", "/api/control/reset-breaker", token=TOKEN)
    assert reply.status == 200 and bot.resets == 1 and "reset" in reply.json()["message"]

    reply = request(console, "POST", "/api/control/stop", token=TOKEN)
    assert reply.status == 200 and reply.json()["state"] == "stopping"
    acks = read_status(control_dir)["acks"]  # type: ignore[index]
    assert [a["command"] for a in acks] == ["pause", "resume", "reset-breaker", "stop"]


def test_a_pause_survives_a_restart(console: ConsoleServer, control_dir: Path) -> None:
    first = FakeBot(control_dir)
    try:
        assert request(console, "POST", "/api/control/pause", token=TOKEN).status == 200
    finally:
        first.close()
    assert _status(console)["running"] is False
    second = ControlChannel(control_dir)  # the bot starts again: paused
    assert second.paused is True and _status(console)["paused"] is True
    second.close()


def test_a_stopped_bot_gets_the_pause_saved(console: ConsoleServer, control_dir: Path) -> None:
    ControlChannel(control_dir).close()
    reply = request(console, "POST", "/api/control/pause", token=TOKEN)
    assert reply.status == 200 and reply.json()["outcome"] == "saved"
    assert ControlChannel(control_dir).paused is True


def test_unknown_command_and_no_bot(console: ConsoleServer, control_dir: Path) -> None:
    assert request(console, "POST", "/api/control/explode", token=TOKEN).status == 404
    assert request(console, "POST", "/api/control/status", token=TOKEN).status == 404
    assert request(console, "GET", "/api/control/pause", token=TOKEN).status == 405
    console.app.console.control_timeout_s = 0.3
    started = time.monotonic()
    reply = request(console, "POST", "/api/control/pause", token=TOKEN)  # nobody ever ran here
    assert reply.status == 504 and reply.json()["ok"] is False and time.monotonic() - started < 5


def test_api_lists_what_the_bot_did(console: ConsoleServer) -> None:
    for block in range(10, 13):
        for event in block_events(block, trade=block == 11):
            console.feed.offer(event)
    deadline = time.monotonic() + 5
    while _status(console)["blocks"] < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    status = _status(console)
    assert (status["blocks"], status["block"], status["breaker"]) == (3, 12, "ok")
    assert status["decision_ms"] == 4.0 and status["totals"]["trades_mined"] == 1
    opportunities = request(console, "GET", "/api/opportunities?limit=2", token=TOKEN).json()["opportunities"]
    assert [o["block"] for o in opportunities] == [12, 11]
    assert opportunities[1]["decision"] == "taken" and opportunities[0]["decision"] == "profit_below_min"
    trades = request(console, "GET", "/api/trades", token=TOKEN).json()["trades"]
    assert len(trades) == 1
    trade = trades[0]
    assert (trade["status"], trade["block"], trade["gas_used"], trade["gas_estimate"]) == (
        "mined",
        11,
        300_000,
        400_000,
    )
    assert (
        trade["predicted_profit_micro_usd"] == 5_000_000 and trade["realised_profit_micro_usd"] == 4_500_000
    )
    assert trade["net_pnl_micro_usd"] == 4_490_000 and trade["gas_fee_wei"] == str(300_000 * 40 * 10**9)
