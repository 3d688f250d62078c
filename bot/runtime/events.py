"""The runtime's typed events, and the sinks of `--json`: one JSON object per line per opportunity,
trade and summary.

Amounts are integers in the token's smallest units (or micro-USD / wei, as the key says), never floats.
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from bot.execution.sender import SentTransaction
from bot.execution.trade_event import ReceiptSummary
from bot.ops.journal import OpportunityRecord, Outcome, TxStatus
from bot.search.opportunity import Opportunity


class EventSink(Protocol):
    def emit(self, event: str, payload: dict[str, Any]) -> None: ...


class NullSink:
    """Discards events."""

    def emit(self, event: str, payload: dict[str, Any]) -> None:
        return None


class JsonLines:
    """Writes each event as one JSON line to `stream` (stdout by default), flushed at once."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def emit(self, event: str, payload: dict[str, Any]) -> None:
        line = json.dumps({"event": event, **payload}, sort_keys=False, default=str)
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()


class Recorder:
    """Keeps events in memory (tests, the demo)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def emit(self, event: str, payload: dict[str, Any]) -> None:
        self.events.append({"event": event, **payload})

    def of(self, event: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == event]


# --- the typed events of one bot run ---------------------------------------------------------------
# Each step of the runtime emits one of these; `bot.runtime.bookkeeping.Bookkeeper` is the one place
# that delivers them to the journal, the metrics, the live view, the status file and the JSON sink.


@dataclass(slots=True)
class Ticket:
    """The journal id of an opportunity: known once the journal has written it (the journal writes a
    block's records after its broadcasts), or at once for one read back from the journal."""

    id: int | None = None
    ahead: bool = False
    """Its opportunity and decision were committed ahead of its broadcast (write-ahead): the block's
    flush does not write them again."""


@dataclass(frozen=True, slots=True)
class Priced:
    """An opportunity with its numbers for the journal and the JSON line: the predicted profit (what
    FlashArb's Trade event reports if nothing moves) and USD values (None without a price)."""

    opportunity: Opportunity
    route: str
    """A readable description (`bot.execution.routes.describe`)."""
    asset_symbol: str
    predicted_profit: int
    predicted_profit_micro_usd: int | None
    net_profit_micro_usd: int | None

    def record(self) -> OpportunityRecord:
        o = self.opportunity
        return OpportunityRecord(
            block=o.block,
            route=self.route,
            lender=o.lender.name,
            asset=o.asset,
            amount_in=o.amount_in,
            predicted_profit=self.predicted_profit,
            gas_units=o.gas_units,
            predicted_profit_micro_usd=self.predicted_profit_micro_usd,
        )


@dataclass(frozen=True, slots=True)
class OpportunityDecided:
    """The verdict on one opportunity of a block (journaled: it was put to the guards)."""

    block: int
    ticket: Ticket
    priced: Priced
    reason: str
    """Reason.TAKEN's value, or why it was skipped."""
    detail: str
    gas_estimate: int | None = None
    """The simulation's gas estimate (when it passed)."""
    sent: SentTransaction | None = None
    """The broadcast, when it was taken live and the node accepted it."""
    send_error: str | None = None
    """Why the broadcast failed, when it did."""


@dataclass(frozen=True, slots=True)
class TradeSent:
    """A transaction was broadcast: a trade, or a replacement or cancellation of a stuck one."""

    ticket: Ticket
    sent: SentTransaction
    this_run: bool = True
    """False for a transaction of an earlier run (it counts in that run's totals)."""


@dataclass(frozen=True, slots=True)
class TradeSettled:
    """A sent transaction's outcome: mined, reverted, or dropped (replaced, cancelled, evicted)."""

    tx_hash: str
    status: TxStatus
    receipt: ReceiptSummary | None
    """What its receipt says (None: dropped without one)."""
    predicted_profit: int | None = None
    gas_fee_micro_usd: int | None = None
    realised_profit_micro_usd: int | None = None
    this_run: bool = True

    def outcome(self) -> Outcome:
        r = self.receipt
        if r is None:
            return Outcome(self.status, None, 0, 0, 0)
        return Outcome(
            status=self.status,
            block=r.block,
            gas_used=r.gas_used,
            effective_gas_price=r.effective_gas_price,
            realised_profit=r.realised_profit,
            realised_profit_micro_usd=self.realised_profit_micro_usd,
            gas_fee_micro_usd=self.gas_fee_micro_usd,
        )


@dataclass(slots=True)
class BlockReport:
    """What one processed block did."""

    block: int
    opportunities: int = 0
    """Profitable opportunities the search found in this block (`RunTotals.opportunities_found`)."""
    decisions: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    mined: int = 0
    reverted: int = 0
    seconds: float = 0.0
    decision_seconds: float = 0.0
    """From the block's header to the first broadcast (or to the last verdict when nothing was sent)."""
    failed_pools: int = 0
    simulation_fault: bool = False
    """A simulation failed for a reason other than moved prices (counted once by the breaker)."""
    head_lag: int = 0
    """The newest head known when the block was done, minus this block."""


@dataclass(frozen=True, slots=True)
class BlockDone:
    """A block was processed to the end."""

    report: BlockReport
    paused: bool
    breaker: str
    """"ok", or why the breaker tripped."""


Event = OpportunityDecided | TradeSent | TradeSettled | BlockDone
