"""The live view renders the loop's numbers, exactly; and it, the status file and the end summary show
one set of numbers for a run."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from bot.ops.control import STATUS_FILE, ControlChannel, read_status
from bot.ops.guards import Reason
from bot.ops.journal import Journal, OpportunityRecord, Outcome, RunTotals, SentTx, TxStatus
from bot.ops.summary import summarize
from bot.ops.view import LiveStats, LiveView, render_text


def test_renders_the_numbers() -> None:
    stats = LiveStats(
        mode="live",
        network="polygon:replica:node",
        blocks=1_234,
        last_block=65_000_123,
        last_block_time=1_000.0,
        opportunities_found=2_273,
        taken=6,
        skipped={"not_selected": 52, "profit_below_min": 2},
        trades_sent=11,
        trades_mined=8,
        trades_reverted=1,
        trades_dropped=1,
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
        "not_selected 52, profit_below_min 2",
        "8 / 1 / 1",
        "$123.456789",
        "2.500000 MATIC ($1.000001)",
        "$122.456788",
    ):
        assert expected in text, expected
    rows = {
        " ".join(cells[0].split()): cells[1].strip()
        for cells in (line.strip("│ ").split("  ", 1) for line in text.splitlines())
        if len(cells) == 2
    }
    assert rows["opportunities found"] == "2,273"
    assert rows["journaled / taken"] == "60 / 6"
    assert rows["trades sent"] == "11"
    assert rows["pending"] == "1"
    assert "PAUSED" not in text and "TRIPPED" not in text


def test_shows_pause_and_a_tripped_breaker() -> None:
    text = render_text(LiveStats(paused=True, breaker="3 failed or reverted sends in a row"))
    assert "PAUSED" in text and "TRIPPED: 3 failed or reverted sends in a row" in text
    assert "FlashArb dry-run" in text and "$0.000000" in text


def test_live_view_draws_updates() -> None:
    out = io.StringIO()
    console = Console(file=out, width=100, force_terminal=False, color_system=None)
    with LiveView(console) as view:
        view.update(LiveStats(blocks=42, opportunities_found=3))
    assert "42" in out.getvalue()


ASSET = "0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174"


class CountingLoop:
    """Journals a run the way `BlockLoop` does and updates its `LiveStats` the way it does: each count
    right after the journal write it stands for."""

    def __init__(self, journal: Journal, run: int) -> None:
        self.journal, self.run, self.stats = journal, run, LiveStats(mode="live")
        self.nonce = 0

    def opportunity(self, block: int, reason: str, profit: int = 5_000_000) -> int:
        record = OpportunityRecord(
            block, "USDC.e -> WETH -> USDC.e", "aave", ASSET, 10**9, profit, 300_000, profit
        )
        opportunity_id = self.journal.record_opportunity(self.run, record)
        self.journal.record_decision(opportunity_id, reason)
        self.stats.count_decision(reason)
        return opportunity_id

    def send(self, opportunity_id: int, count: bool = True) -> str:
        tx_hash = f"0x{self.run:02x}{self.nonce:04x}"
        self.nonce += 1
        self.journal.record_sent(
            opportunity_id, SentTx(tx_hash, self.nonce, "0xbeef", 10**11, 3 * 10**10, 600_000)
        )
        if count:
            self.stats.count_sent()
        return tx_hash

    def settle(self, tx_hash: str, status: TxStatus, profit: int = 0, count: bool = True) -> None:
        gas_used = 0 if status is TxStatus.DROPPED else 250_000
        outcome = Outcome(status, None, gas_used, 40 * 10**9, profit, profit, gas_used // 100)
        self.journal.record_outcome(tx_hash, outcome)
        if count:
            self.stats.count_outcome(
                status,
                gas_used * 40 * 10**9,
                outcome.gas_fee_micro_usd,
                outcome.realised_profit_micro_usd,
            )

    def mark(self, block: int, found: int) -> None:
        self.journal.mark_block(self.run, block, found=found)
        self.stats.count_block(found)


def test_live_view_status_file_and_summary_show_one_set_of_numbers(tmp_path: Path) -> None:
    journal = Journal(f"sqlite:///{tmp_path / 'journal.sqlite'}")
    earlier = CountingLoop(journal, journal.start_run("h", "polygon:replica:node", False))
    left_pending = earlier.send(earlier.opportunity(99, Reason.TAKEN.value))
    earlier.mark(99, found=3)

    loop = CountingLoop(journal, journal.start_run("h", "polygon:replica:node", False))
    control = ControlChannel(tmp_path / "control")
    loop.settle(left_pending, TxStatus.MINED, 7_000_000, count=False)  # the earlier run's, settled now
    # block 100: the search finds 40; 5 candidates and 5 others are journaled; the best is sent and mined
    best = loop.opportunity(100, Reason.TAKEN.value)
    for _ in range(4):
        loop.opportunity(100, Reason.PROFIT_BELOW_MIN.value)
    for _ in range(5):
        loop.opportunity(100, "not_selected")
    loop.settle(loop.send(best), TxStatus.MINED, 5_000_000)
    loop.mark(100, found=40)
    # block 101: a trade that reverts, one replaced (the replacement mined, the first version dropped),
    # one still pending
    loop.settle(loop.send(loop.opportunity(101, Reason.TAKEN.value)), TxStatus.REVERTED)
    replaced = loop.opportunity(101, Reason.TAKEN.value)
    first, second = loop.send(replaced), loop.send(replaced)
    loop.settle(second, TxStatus.MINED, 2_000_000)
    loop.settle(first, TxStatus.DROPPED)
    loop.send(loop.opportunity(101, Reason.TAKEN.value))
    loop.mark(101, found=25)
    # block 102 fails part-way: what it journaled counts, its search result does not (never marked)
    loop.opportunity(102, "simulation_failed")
    control.poll(details={**loop.stats.as_dict(), "block": 101})
    control.close(details={**loop.stats.as_dict(), "block": 101})

    summary = summarize(journal, loop.run)
    assert loop.stats.totals() == summary.stats.totals()
    expected = RunTotals(
        blocks=2,
        opportunities_found=65,
        taken=4,
        skipped={"profit_below_min": 4, "not_selected": 5, "simulation_failed": 1},
        trades_sent=5,
        trades_mined=2,
        trades_reverted=1,
        trades_dropped=1,
        realised_profit_micro_usd=7_000_000,
        gas_spent_wei=3 * 250_000 * 40 * 10**9,
        gas_spent_micro_usd=7_500,
    )
    assert summary.stats.totals() == expected
    assert (expected.opportunities_journaled, expected.trades_pending) == (14, 1)

    status = read_status(tmp_path / "control")
    assert status is not None and status["state"] == "stopped"
    details = status["details"]
    shared = expected.as_dict()
    assert {key: details[key] for key in shared} == shared
    assert {key: summary.as_dict()[key] for key in shared} == shared
    assert (
        json.loads((tmp_path / "control" / STATUS_FILE).read_text())["details"]["opportunities_found"] == 65
    )

    view = render_text(loop.stats, now=0.0)
    text = summary.as_text()
    assert "opportunities found  65" in text and "    journaled          14 (taken 4; " in text
    assert "trades sent          5 (mined 2, reverted 1, dropped 1, pending 1)" in text
    for expected_cell in ("65", "14 / 4", "2 / 1 / 1", "$6.992500"):
        assert expected_cell in view, expected_cell
    assert "$6.992500" in text
    # the earlier run keeps its own trade, settled by the later run
    assert (journal.stats(earlier.run).trades_mined, journal.stats(earlier.run).trades_pending) == (1, 0)
