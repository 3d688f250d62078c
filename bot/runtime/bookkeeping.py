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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.exc import SQLAlchemyError

from bot.errors import FlashArbError
from bot.execution.sender import SentTransaction
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
    Ticket,
    TradeSent,
    TradeSettled,
)

logger = logging.getLogger(__name__)


JOURNAL_ERRORS: tuple[type[BaseException], ...] = (SQLAlchemyError, OSError)
"""Failures of the journal's database (disk full, locked, connection lost) that degrade the bot
instead of stopping it."""


class JournalUnavailable(FlashArbError):
    """The journal cannot be written now, so nothing is broadcast (a send must be durable first)."""


def _sent_tx(sent: SentTransaction, raw: bytes | None = None) -> SentTx:
    return SentTx(
        hash=sent.hash,
        nonce=sent.nonce,
        sender=sent.sender,
        max_fee_per_gas=sent.fees.max_fee,
        max_priority_fee_per_gas=sent.fees.max_priority_fee,
        gas_limit=sent.gas_limit,
        sent_at=sent.sent_at,
        raw=raw,
    )


class View(Protocol):
    def update(self, stats: LiveStats) -> None: ...


Listener = Callable[[Event], None]
"""Receives every published event on the loop's thread; it must return at once (the console puts the
event on a bounded queue and drops it when the queue is full)."""


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


@dataclass
class BlocksTally:
    """Consecutive processed blocks queued while the journal was down, kept as one journal write."""

    last_block: int
    blocks: int
    found: int


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
        self._queue: list[Event | BlocksTally] = []
        self._ahead: set[str] = set()
        """Hashes of transactions whose row was written ahead of the broadcast."""
        self.degraded: str | None = None
        """Why the journal cannot be written now (None: it can): the loop sends nothing meanwhile."""
        self.journal_attempts = 2
        """Tries of a block's commit before the journal counts as unwritable (SQLite gives up on a
        lock after 2 s each)."""
        self.journal_retry_s = 0.05
        self.max_queued = 20_000
        """The most journal writes kept while the journal is down. Past it the oldest half is shed
        of what can be: consecutive blocks merge into one write, skipped opportunities are dropped
        (counted in `shed`, logged); trades, their outcomes and taken opportunities are never dropped."""
        self.shed = 0
        """Skipped opportunities dropped from the queue since the journal went down."""
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """Deliver every event published from now on to `listener` too (after the counters)."""
        self._listeners.append(listener)

    # --- delivery -------------------------------------------------------------------------------

    def publish(self, event: Event) -> None:
        """Count `event` everywhere now; queue its journal write for the next `flush`."""
        self._queue.append(event)
        if len(self._queue) > self.max_queued:
            self._shed()
        if isinstance(event, OpportunityDecided):
            self._decided(event)
        elif isinstance(event, TradeSent):
            self._sent(event)
        elif isinstance(event, TradeSettled):
            self._settled(event)
        else:
            self._block_done(event)
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:  # a listener's bug must not stop the loop
                logger.exception("event listener %r failed", listener)

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
        """Write the queued events to the journal in the order published, in one commit. A journal
        that cannot be written (disk full, database locked or gone) does not stop the bot: the write
        is retried, then the events stay queued for the next flush and `degraded` says why (the loop
        stops sending meanwhile, and goes on reading). A write the database refuses (a constraint) is
        retried event by event, and only the refused events are dropped, each logged."""
        if not self._queue:
            return
        queued, self._queue = self._queue, []
        for attempt in range(self.journal_attempts):
            try:
                self._commit(queued)
            except ValueError as exc:  # refused (IntegrityError): write what the database accepts
                logger.error("journal: the block's batch was refused (%s); writing event by event", exc)
                try:
                    for event in queued:
                        try:
                            self._commit([event])
                        except ValueError as refused:
                            logger.error("journal: dropped %s: %s", type(event).__name__, refused)
                except JOURNAL_ERRORS as failed:
                    self._queue = queued[queued.index(event) :] + self._queue
                    self._degrade(failed)
                    return
            except JOURNAL_ERRORS as exc:
                if attempt + 1 < self.journal_attempts:
                    time.sleep(self.journal_retry_s * 2**attempt)
                    continue
                self._queue = queued + self._queue
                self._degrade(exc)
                return
            break
        if self.degraded is not None:
            logger.warning(
                "journal: writable again (%d events written, %d skipped opportunities shed while it "
                "was down); sending resumes",
                len(queued),
                self.shed,
            )
            self.degraded = None
            self.shed = 0
            self.metrics.journal_degraded.set(0)

    def _shed(self) -> None:
        """Bound the queue of a journal that has been down long: in its older half, merge runs of
        processed blocks into one tally and drop skipped opportunities; keep everything else."""
        cut = len(self._queue) - self.max_queued // 2
        kept: list[Event | BlocksTally] = []
        dropped = 0
        for event in self._queue[:cut]:
            if isinstance(event, BlockDone | BlocksTally):
                last, n, found = (
                    (event.report.block, 1, event.report.opportunities)
                    if isinstance(event, BlockDone)
                    else (event.last_block, event.blocks, event.found)
                )
                tail = kept[-1] if kept else None
                if isinstance(tail, BlocksTally):
                    tail.last_block, tail.blocks, tail.found = last, tail.blocks + n, tail.found + found
                else:
                    kept.append(BlocksTally(last, n, found))
            elif (
                isinstance(event, OpportunityDecided)
                and event.reason != Reason.TAKEN.value
                and not event.ticket.ahead
            ):
                dropped += 1
            else:
                kept.append(event)
        self._queue = kept + self._queue[cut:]
        self.shed += dropped
        self.metrics.journal_shed.inc(dropped)
        logger.warning(
            "journal: still not writable; %d queued writes kept (%d skipped opportunities dropped so "
            "far, blocks merged; trades and outcomes all kept)",
            len(self._queue),
            self.shed,
        )

    def _commit(self, events: list[Event | BlocksTally]) -> None:
        with self.journal.batch() as batch:
            for event in events:
                self._write(batch, event)

    def _degrade(self, exc: BaseException) -> None:
        reason = f"journal not writable: {type(exc).__name__}: {str(exc)[:300]}"
        self.metrics.journal_degraded.set(1)
        if self.degraded is None:
            logger.error(
                "%s; sending paused (reading goes on; %d events kept to write later)",
                reason,
                len(self._queue),
            )
        self.degraded = reason

    def write_ahead(
        self, ticket: Ticket, opening: OpportunityDecided | None, sent: SentTransaction, raw: bytes
    ) -> None:
        """Make a signed transaction durable before its broadcast, in one commit (one fsync): the
        queued events first (so the ids and the order hold), then its opportunity and decision
        (`opening`, when not journaled yet) and its transaction row with the raw bytes. Raises
        JournalUnavailable if that cannot be done: then nothing may be broadcast."""
        if self.degraded is not None:
            self.flush()  # perhaps writable again
            if self.degraded is not None:
                raise JournalUnavailable(f"not sent: {self.degraded}")
        queued, self._queue = self._queue, []
        opened = False
        try:
            with self.journal.batch() as batch:
                for event in queued:
                    self._write(batch, event)
                if ticket.id is None:
                    if opening is None:
                        raise ValueError(f"transaction {sent.hash} for an opportunity never journaled")
                    ticket.id = batch.record_opportunity(self.run_id, opening.priced.record())
                    batch.record_decision(ticket.id, opening.reason, opening.detail)
                    opened = True
                batch.record_sent(ticket.id, _sent_tx(sent, raw))
        except (SQLAlchemyError, OSError, ValueError) as exc:
            if opened:
                ticket.id = None
            self._queue = queued + self._queue
            if queued:  # perhaps a queued event was refused: the careful way, then this row alone
                self.flush()
                if self.degraded is None:
                    return self.write_ahead(ticket, opening, sent, raw)
            self._degrade(exc)
            raise JournalUnavailable(f"not sent: {self.degraded}") from exc
        ticket.ahead = ticket.ahead or opened
        self._ahead.add(sent.hash)
        if self.degraded is not None:
            logger.warning("journal: writable again; sending resumes")
            self.degraded = None
            self.metrics.journal_degraded.set(0)

    def forget_unsent(self, sent: SentTransaction) -> None:
        """The node refused a transaction written ahead: remove its row (it never existed)."""
        self._ahead.discard(sent.hash)
        try:
            self.journal.forget_unsent(sent.hash)
        except (SQLAlchemyError, OSError, ValueError) as exc:
            # left as sent: the next start finds it unknown to the chain and records it dropped
            logger.error("journal: could not remove refused transaction %s: %s", sent.hash, exc)

    def _write(self, batch: JournalBatch, event: Event | BlocksTally) -> None:
        if isinstance(event, OpportunityDecided):
            if event.ticket.ahead:
                return  # committed ahead of its broadcast
            event.ticket.id = batch.record_opportunity(self.run_id, event.priced.record())
            batch.record_decision(event.ticket.id, event.reason, event.detail)
        elif isinstance(event, TradeSent):
            if event.sent.hash in self._ahead:
                self._ahead.discard(event.sent.hash)
                return  # committed ahead of its broadcast
            if event.ticket.id is None:
                raise ValueError(f"transaction {event.sent.hash} sent for an opportunity never journaled")
            batch.record_sent(event.ticket.id, _sent_tx(event.sent))
        elif isinstance(event, TradeSettled):
            batch.record_outcome(event.tx_hash, event.outcome())
        elif isinstance(event, BlocksTally):
            batch.mark_block(self.run_id, event.last_block, found=event.found, blocks=event.blocks)
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
