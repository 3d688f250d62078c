"""The one fan-out: an event counts at once in the live totals, the metrics and the JSON line, and
reaches the journal only at `flush` (one commit, after the block's broadcasts)."""

from __future__ import annotations

from pathlib import Path

from bot.execution.gas import GWEI, FeeQuote
from bot.execution.sender import SentTransaction
from bot.ops.journal import Journal
from bot.ops.metrics import BotMetrics
from bot.ops.view import LiveStats
from bot.route.model import HopKind, Lender
from bot.runtime.bookkeeping import Bookkeeper
from bot.runtime.events import BlockDone, BlockReport, OpportunityDecided, Priced, Recorder, Ticket, TradeSent
from bot.search.graph import Cycle, Leg
from bot.search.opportunity import HopQuote, Opportunity

ASSET = "0x" + "22" * 20
OTHER = "0x" + "33" * 20
POOL = "0x" + "44" * 20

OLD_KEYS = {
    "event", "block", "route", "pools", "lender", "asset", "asset_symbol", "amount_in", "amount_out",
    "hop_amounts", "lender_fee", "predicted_profit", "predicted_profit_micro_usd", "gas_units", "gas_cost",
    "net_profit", "net_profit_micro_usd", "decision", "detail",
}  # fmt: skip


def opportunity() -> Opportunity:
    legs = (
        Leg(POOL, HopKind.UNISWAP_V2, ASSET, OTHER, 0, 1),
        Leg(POOL, HopKind.UNISWAP_V2, OTHER, ASSET, 1, 0),
    )
    hops = (
        HopQuote(HopKind.UNISWAP_V2, POOL, ASSET, OTHER, 1000, 2000),
        HopQuote(HopKind.UNISWAP_V2, POOL, OTHER, ASSET, 2000, 1100),
    )
    return Opportunity(7, Cycle(ASSET, legs), Lender.AAVE, 1000, 1100, hops, 1, 300_000, 9, 90, 90)


def test_counted_at_once_journaled_at_flush(tmp_path: Path) -> None:
    journal = Journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    run = journal.start_run("x", "test", dry_run=False)
    sink = Recorder()
    books = Bookkeeper(journal, run, BotMetrics(), LiveStats(mode="live"), sink)
    priced = Priced(opportunity(), "route", "TKN", 99, 5, 4)
    ticket = Ticket()
    fees = FeeQuote(GWEI, 30 * GWEI, 40 * GWEI)
    sent = SentTransaction("0x" + "ab" * 32, 4, "0x" + "cd" * 20, "0xfa", b"", 0, 500_000, fees, 1.0)
    books.publish(OpportunityDecided(7, ticket, priced, "taken", "ok", 400_000, sent))
    books.publish(TradeSent(ticket, sent))
    books.publish(BlockDone(BlockReport(7, opportunities=3), paused=False, breaker="ok"))
    # live totals, metrics and the JSON line now...
    assert (books.stats.taken, books.stats.trades_sent, books.stats.blocks) == (1, 1, 1)
    assert books.metrics.taken._value.get() == 1  # type: ignore[attr-defined]
    line = sink.of("opportunity")[0]
    assert OLD_KEYS <= set(line) and (line["tx"], line["nonce"], line["gas_estimate"]) == (
        sent.hash,
        4,
        400_000,
    )
    # ... the journal at the flush, in one commit, in order
    assert journal.stats(run).blocks == 0 and ticket.id is None
    books.flush()
    assert ticket.id is not None
    assert journal.stats(run).totals() == books.stats.totals()
    assert journal.resume().unfinished[0].hash == sent.hash
