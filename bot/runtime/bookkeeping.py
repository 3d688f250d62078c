"""The one place the runtime's events go: each typed event (bot.runtime.events) is delivered to the
journal, the metrics, the live totals and view, and the JSON sink, so the four channels cannot drift.

    books = Bookkeeper(journal, run_id, metrics, stats, sink, view)
    books.publish(OpportunityDecided(...))   # metrics, live totals, JSON line now; journal queued
    books.flush()                            # the queued journal writes, in order, in one commit
    control.poll(details=books.details(...)) # the status file shows the same numbers

The counters in memory (`LiveStats`, metrics, JSON) are updated at once; the journal's writes are
queued and committed together by `flush()` (one fsync), which the loop calls after a block's
broadcasts, at the end of a block, and on the way out. So nothing slow sits between a decision and
its broadcast, and at every flush the journal and the live totals agree (`RunTotals`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any, Protocol

from bot.ops.guards import Reason
from bot.ops.journal import Journal, JournalBatch, SentTx, TxStatus
from bot.ops.metrics import BotMetrics
from bot.ops.view import LiveStats
from bot.runtime.events import (
    BlockDone,
    Event,
    EventSink,
    NullSink,
    OpportunityDecided,
    TradeSent,
    TradeSettled,
)

logger = logging.getLogger(__name__)


class View(Protocol):
    def update(self, stats: LiveStats) -> None: ...


def opportunity_payload(event: OpportunityDecided) -> dict[str, Any]:
    """The `--json` line of a decided opportunity."""
    priced = event.priced
    o = priced.opportunity
    payload: dict[str, Any] = {
        "block": event.block,
        "route": priced.route,
        "pools": list(o.pools),
        "lender": o.lender.name,
        "asset": o.asset,
        "asset_symbol": priced.asset_symbol,
        "amount_in": o.amount_in,
        "amount_out": o.amount_out,
        "hop_amounts": [h.amount_out for h in o.hops],
        "lender_fee": o.lender_fee,
        "predicted_profit": priced.predicted_profit,
        "predicted_profit_micro_usd": priced.predicted_profit_micro_usd,
        "gas_units": o.gas_units,
        "gas_cost": o.gas_cost,
        "net_profit": o.net_profit,
        "net_profit_micro_usd": priced.net_profit_micro_usd,
    }
    if event.gas_estimate is not None:
        payload["gas_estimate"] = event.gas_estimate
    if event.sent is not None:
        payload["tx"] = event.sent.hash
        payload["nonce"] = event.sent.nonce
    if event.send_error is not None:
        payload["send_error"] = event.send_error
    payload["decision"] = event.reason
    payload["detail"] = event.detail
    return payload


def trade_payload(event: TradeSettled) -> dict[str, Any]:
    """The `--json` line of a settled transaction (one with a receipt)."""
    r = event.receipt
    assert r is not None
    return {
        "tx": event.tx_hash,
        "status": event.status.value,
        "block": r.block,
        "gas_used": r.gas_used,
        "effective_gas_price": r.effective_gas_price,
        "gas_fee_wei": r.gas_fee_wei,
        "gas_fee_micro_usd": event.gas_fee_micro_usd,
        "realised_profit": r.realised_profit,
        "realised_profit_micro_usd": event.realised_profit_micro_usd,
        "predicted_profit": event.predicted_profit,
        "exact": event.predicted_profit is not None and event.predicted_profit == r.realised_profit,
    }


class Bookkeeper:
    """Delivers every event of run `run_id` to the journal (queued, see `flush`), `metrics`, `stats`
    (the live `RunTotals`), `view` and `sink`."""

    def __init__(
        self,
        journal: Journal,
        run_id: int,
        metrics: BotMetrics,
        stats: LiveStats,
        sink: EventSink | None = None,
        view: View | None = None,
    ) -> None:
        self.journal = journal
        self.run_id = run_id
        self.metrics = metrics
        self.stats = stats
        self.sink: EventSink = sink or NullSink()
        self.view = view
        self._queue: list[Event] = []

    # --- delivery -------------------------------------------------------------------------------

    def publish(self, event: Event) -> None:
        """Count `event` everywhere now; queue its journal write for the next `flush`."""
        self._queue.append(event)
        if isinstance(event, OpportunityDecided):
            self._decided(event)
        elif isinstance(event, TradeSent):
            self._sent(event)
        elif isinstance(event, TradeSettled):
            self._settled(event)
        else:
            self._block_done(event)

    def _decided(self, event: OpportunityDecided) -> None:
        self.stats.count_decision(event.reason)
        if event.reason == Reason.TAKEN.value:
            self.metrics.taken.inc()
        else:
            self.metrics.skipped.labels(reason=event.reason).inc()
        self.sink.emit("opportunity", opportunity_payload(event))

    def _sent(self, event: TradeSent) -> None:
        if event.this_run:
            self.stats.count_sent()
        self.metrics.tx_sent.inc()

    def _settled(self, event: TradeSettled) -> None:
        r = event.receipt
        if event.this_run:
            self.stats.count_outcome(
                event.status,
                0 if r is None else r.gas_fee_wei,
                event.gas_fee_micro_usd,
                event.realised_profit_micro_usd,
            )
        if r is None:
            return
        self.metrics.set_gas_spent(self.stats.gas_spent_wei)
        if event.status is TxStatus.MINED:
            self.metrics.tx_mined.inc()
            self.metrics.set_realised_profit(self.stats.realised_profit_micro_usd)
        elif event.status is TxStatus.REVERTED:
            self.metrics.tx_reverted.inc()
        self.sink.emit("trade", trade_payload(event))

    def _block_done(self, event: BlockDone) -> None:
        report = event.report
        self.stats.count_block(report.opportunities)
        self.stats.last_block = report.block
        self.stats.last_block_time = time.time()
        self.stats.breaker = event.breaker
        self.stats.paused = event.paused
        self.metrics.blocks.inc()
        self.metrics.decision_seconds.observe(report.decision_seconds)
        self.metrics.found.inc(report.opportunities)
        self.metrics.block_lag.set(report.head_lag)
        self.metrics.set_flags(paused=event.paused, breaker_tripped=event.breaker != "ok")
        if self.view is not None:
            self.view.update(self.stats)

    # --- the journal ------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write the queued events to the journal in the order published, in one commit."""
        if not self._queue:
            return
        queued, self._queue = self._queue, []
        with self.journal.batch() as batch:
            for event in queued:
                self._write(batch, event)

    def _write(self, batch: JournalBatch, event: Event) -> None:
        if isinstance(event, OpportunityDecided):
            event.ticket.id = batch.record_opportunity(self.run_id, event.priced.record())
            batch.record_decision(event.ticket.id, event.reason, event.detail)
        elif isinstance(event, TradeSent):
            if event.ticket.id is None:
                raise ValueError(f"transaction {event.sent.hash} sent for an opportunity never journaled")
            sent = event.sent
            batch.record_sent(
                event.ticket.id,
                SentTx(
                    hash=sent.hash,
                    nonce=sent.nonce,
                    sender=sent.sender,
                    max_fee_per_gas=sent.fees.max_fee,
                    max_priority_fee_per_gas=sent.fees.max_priority_fee,
                    gas_limit=sent.gas_limit,
                    sent_at=sent.sent_at,
                ),
            )
        elif isinstance(event, TradeSettled):
            batch.record_outcome(event.tx_hash, event.outcome())
        else:
            batch.mark_block(self.run_id, event.report.block, found=event.report.opportunities)

    # --- the status file and the end --------------------------------------------------------------

    def details(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """The status file's details: the run's `RunTotals` under their names, then the loop's
        `state` (block, mode, breaker, in-flight transactions, ...)."""
        return {**self.stats.as_dict(), **state}

    def show(self) -> None:
        """Redraw the live view with the current totals."""
        if self.view is not None:
            self.view.update(self.stats)
