"""The live view renders the loop's numbers, exactly."""

from __future__ import annotations

import io

from rich.console import Console

from bot.ops.view import LiveStats, LiveView, render_text


def test_renders_the_numbers() -> None:
    stats = LiveStats(
        mode="live",
        network="polygon:replica:node",
        blocks=1_234,
        last_block=65_000_123,
        last_block_time=1_000.0,
        opportunities=57,
        trades_sent=9,
        trades_mined=8,
        trades_reverted=1,
        realised_profit_micro_usd=123_456_789,
        gas_spent_wei=2_500_000_000_000_000_001,
        gas_spent_micro_usd=1_000_001,
        breaker="ok",
        paused=False,
    )
    text = render_text(stats, now=1_002.5)
    assert "FlashArb live on polygon:replica:node" in text
    for expected in (
        "1,234",
        "65,000,123",
        "(2.5 s ago)",
        "57",
        "8 / 1",
        "$123.456789",
        "2.500000 MATIC ($1.000001)",
        "$122.456788",
    ):
        assert expected in text, expected
    lines = {line.split()[1]: line for line in text.splitlines() if len(line.split()) > 2}
    assert lines["trades"].rstrip(" │").endswith("9")
    assert "PAUSED" not in text and "TRIPPED" not in text


def test_shows_pause_and_a_tripped_breaker() -> None:
    text = render_text(LiveStats(paused=True, breaker="3 failed or reverted sends in a row"))
    assert "PAUSED" in text and "TRIPPED: 3 failed or reverted sends in a row" in text
    assert "FlashArb dry-run" in text and "$0.000000" in text


def test_live_view_draws_updates() -> None:
    out = io.StringIO()
    console = Console(file=out, width=100, force_terminal=False, color_system=None)
    with LiveView(console) as view:
        view.update(LiveStats(blocks=42, opportunities=3))
    assert "42" in out.getvalue()
