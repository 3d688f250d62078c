"""What the console shows, built from the bot's typed events on the console's own thread.

    state = ConsoleState()
    state.apply(event)              # an OpportunityDecided, TradeSent, TradeSettled or BlockDone
    state.snapshot()                # everything the page needs at once (GET /api/status, ...)
    state.since(seq)                # the messages after `seq` for the live stream (None: too far behind)

Its counters are `RunTotals`, counted as the Bookkeeper counts them, so the console, the live view,
the status file and the end summary agree. Token amounts (wei-sized integers) are decimal strings in
the JSON (JavaScript numbers are exact only up to 2**53); micro-USD amounts and gas are integers.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.ops.journal import RunTotals, TxStatus
from bot.runtime.events import BlockDone, Event, OpportunityDecided, TradeSent, TradeSettled

KEEP_ROWS = 200
"""Recent opportunities and trades kept (and served)."""
KEEP_MESSAGES = 2000
"""Messages kept for a stream that fell behind; further behind, it is sent a fresh snapshot."""
KEEP_PNL_POINTS = 5000
KEEP_TX_INFO = 1000


@dataclass(frozen=True, slots=True)
class Message:
    """One item of the live stream: an SSE `event:` name and its JSON `data:`."""

    seq: int
    event: str
    data: dict[str, Any]


Probe = Callable[[], dict[str, Any]]
"""Reads extra live state when a block is done (contract pause, executor balance)."""


class ConsoleState:
    """Recent opportunities and trades, the PnL curve, the last block, and the run's totals."""

    def __init__(self, probe: Probe | None = None) -> None:
        self._lock = threading.Lock()
        self.probe = probe
        self.totals = RunTotals()
        self.opportunities: deque[dict[str, Any]] = deque(maxlen=KEEP_ROWS)
        self.trades: deque[dict[str, Any]] = deque(maxlen=KEEP_ROWS)
        self.pnl: deque[dict[str, Any]] = deque(maxlen=KEEP_PNL_POINTS)
        self.block: dict[str, Any] | None = None
        self.live: dict[str, Any] = {}
        """What the probe last read (contract_paused, executor_balance_wei)."""
        self.dropped = 0
        """Events the feed dropped because this state fell behind (see EventFeed)."""
        self.seq = 0
        self._messages: deque[Message] = deque(maxlen=KEEP_MESSAGES)
        self._tx_info: OrderedDict[str, dict[str, Any]] = OrderedDict()

    # --- events in ----------------------------------------------------------------------------------

    def apply(self, event: Event) -> None:
        """Count `event` and add its message to the stream."""
        if isinstance(event, OpportunityDecided):
            self._push("opportunity", self._decided(event))
        elif isinstance(event, TradeSent):
            if event.this_run:
                with self._lock:
                    self.totals.count_sent()
            self._push("sent", {"tx": event.sent.hash, "nonce": event.sent.nonce, "kind": event.sent.kind})
        elif isinstance(event, TradeSettled):
            self._push("trade", self._settled(event))
        elif isinstance(event, BlockDone):
            live = self._probe()
            self._push("block", self._block_done(event, live))

    def _probe(self) -> dict[str, Any]:
        if self.probe is None:
            return {}
        try:
            return self.probe()
        except Exception:  # a probe reads live objects of another thread; never fatal here
            return {}

    def _decided(self, event: OpportunityDecided) -> dict[str, Any]:
        priced = event.priced
        o = priced.opportunity
        row: dict[str, Any] = {
            "block": event.block,
            "time": time.time(),
            "route": priced.route,
            "lender": o.lender.name.lower(),
            "asset_symbol": priced.asset_symbol,
            "amount_in": str(o.amount_in),
            "predicted_profit": str(priced.predicted_profit),
            "predicted_profit_micro_usd": priced.predicted_profit_micro_usd,
            "net_profit_micro_usd": priced.net_profit_micro_usd,
            "gas_units": o.gas_units,
            "decision": event.reason,
            "detail": event.detail,
            "tx": None if event.sent is None else event.sent.hash,
            "send_error": event.send_error,
        }
        with self._lock:
            self.totals.count_decision(event.reason)
            self.opportunities.append(row)
            if event.sent is not None:
                self._tx_info[event.sent.hash] = {
                    "route": priced.route,
                    "asset_symbol": priced.asset_symbol,
                    "predicted_profit_micro_usd": priced.predicted_profit_micro_usd,
                    "gas_limit": event.sent.gas_limit,
                    "gas_estimate": event.gas_estimate,
                }
                while len(self._tx_info) > KEEP_TX_INFO:
                    self._tx_info.popitem(last=False)
        return row

    def _settled(self, event: TradeSettled) -> dict[str, Any]:
        r = event.receipt
        with self._lock:
            info = self._tx_info.get(event.tx_hash, {})
            if event.this_run:
                self.totals.count_outcome(
                    event.status,
                    0 if r is None else r.gas_fee_wei,
                    event.gas_fee_micro_usd,
                    event.realised_profit_micro_usd,
                )
            row: dict[str, Any] = {
                "tx": event.tx_hash,
                "time": time.time(),
                "status": event.status.value,
                "block": None if r is None else r.block,
                "route": info.get("route"),
                "asset_symbol": info.get("asset_symbol"),
                "predicted_profit": None if event.predicted_profit is None else str(event.predicted_profit),
                "realised_profit": None if r is None else str(r.realised_profit),
                "exact": r is not None
                and event.status is TxStatus.MINED
                and event.predicted_profit == r.realised_profit,
                "predicted_profit_micro_usd": info.get("predicted_profit_micro_usd"),
                "realised_profit_micro_usd": event.realised_profit_micro_usd,
                "gas_estimate": info.get("gas_estimate"),
                "gas_used": None if r is None else r.gas_used,
                "effective_gas_price": None if r is None else str(r.effective_gas_price),
                "gas_fee_wei": None if r is None else str(r.gas_fee_wei),
                "gas_fee_micro_usd": event.gas_fee_micro_usd,
                "this_run": event.this_run,
                "net_pnl_micro_usd": self.totals.net_pnl_micro_usd,
            }
            self.trades.append(row)
            if event.this_run and r is not None:
                self.pnl.append(
                    {
                        "block": r.block,
                        "time": row["time"],
                        "net_pnl_micro_usd": self.totals.net_pnl_micro_usd,
                    }
                )
        return row

    def _block_done(self, event: BlockDone, live: dict[str, Any]) -> dict[str, Any]:
        report = event.report
        with self._lock:
            self.totals.count_block(report.opportunities)
            self.live.update(live)
            self.block = {
                "block": report.block,
                "time": time.time(),
                "opportunities": report.opportunities,
                "sent": report.sent,
                "decision_ms": round(1e3 * report.decision_seconds, 3),
                "block_ms": round(1e3 * report.seconds, 3),
                "head_lag": report.head_lag,
                "failed_pools": report.failed_pools,
                "paused": event.paused,
                "breaker": event.breaker,
            }
            return {"last_block": self.block, **self._live_fields(), "totals": self.totals.as_dict()}

    def _live_fields(self) -> dict[str, Any]:
        return {
            "contract_paused": self.live.get("contract_paused"),
            "executor_balance_wei": self.live.get("executor_balance_wei"),
            "dropped_events": self.dropped,
        }

    def _push(self, event: str, data: dict[str, Any]) -> None:
        with self._lock:
            self.seq += 1
            self._messages.append(Message(self.seq, event, data))

    def push(self, event: str, data: dict[str, Any]) -> None:
        """Add a message that is no bot event (a control action) to the stream."""
        self._push(event, data)

    # --- what the API and the stream read -------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything at once: the last block, live fields, totals, recent rows and the PnL curve."""
        with self._lock:
            return {
                "seq": self.seq,
                "last_block": self.block,
                **self._live_fields(),
                "totals": self.totals.as_dict(),
                "opportunities": list(self.opportunities),
                "trades": list(self.trades),
                "pnl": list(self.pnl),
            }

    def since(self, seq: int) -> list[Message] | None:
        """The messages after `seq`, oldest first; None when some of them are no longer kept."""
        with self._lock:
            if seq >= self.seq:
                return []
            if not self._messages or self._messages[0].seq > seq + 1:
                return None
            return [m for m in self._messages if m.seq > seq]

    def rows(self, kind: str, limit: int) -> list[dict[str, Any]]:
        """The newest `limit` opportunities or trades, newest first."""
        with self._lock:
            source = self.opportunities if kind == "opportunities" else self.trades
            return list(source)[::-1][:limit]
