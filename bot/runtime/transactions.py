"""The transaction manager: everything after a decision to send. It owns the sender (and so the one
nonce manager), the transactions in flight, their replacement and cancellation when stuck, their
settlement from receipts (realised profit from FlashArb's Trade event, gas and profit in USD, the
breaker told), and the reconciliation after a restart of what an earlier run left unsettled.

    manager = TransactionManager(sender, rpc, flasharb=..., breaker=..., publish=books.publish, ...)
    manager.prices = usd                              # this block's USD prices
    manager.poll(block)                               # settle what was mined, replace/cancel the stuck
    sent = manager.broadcast(calldata, estimate, fees)   # SendError / RpcError if refused
    manager.track(ticket, sent, block, asset, predicted) # one look at the receipt, no waiting
    manager.drain(timeout_s)                          # a stopping run waits for its receipts
    manager.resume(journal.resume().unfinished, head, executor) # after a restart, with prices set first

Sending never blocks the loop: right after the broadcast the receipt is asked for once (a node that
mines on arrival, like the replica, has it already); a transaction not mined yet stays in flight and
is checked at every block. After `stuck_blocks` blocks it is replaced with fees +12.5 % (up to
`max_replacements` times), then cancelled. Every broadcast and outcome is published as a typed event
(bot.runtime.events); the caller's bookkeeper journals and counts it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.errors import FlashArbError, RpcError
from bot.execution.gas import FeeQuote, gas_limit
from bot.execution.rpc import Rpc, as_int
from bot.execution.sender import Sender, SendError, SentTransaction
from bot.execution.trade_event import summarize_receipt
from bot.ops.breaker import CircuitBreaker
from bot.ops.journal import PendingTx, TxStatus
from bot.runtime.events import Event, Ticket, TradeSent, TradeSettled
from bot.runtime.usd import UsdPricer

logger = logging.getLogger(__name__)

NATIVE_DECIMALS = 18


@dataclass(frozen=True, slots=True)
class TxSettings:
    """How the manager waits and what it does with a stuck transaction."""

    stuck_blocks: int = 5
    """Blocks a transaction may stay in flight before it is replaced with higher fees."""
    max_replacements: int = 2
    """Replacements before a stuck transaction is cancelled."""
    receipt_timeout_s: float = 30.0
    """How long a stopping run waits for the receipts of its transactions still in flight."""
    max_gas_price_wei: int | None = None
    """The cap on a replacement's max fee."""


@dataclass(slots=True)
class InFlight:
    """A trade sent and not mined yet."""

    ticket: Ticket
    latest: SentTransaction
    first_block: int
    asset: str
    predicted_profit: int | None
    replacements: int = 0
    cancelled: bool = False
    this_run: bool = True
    """Sent by this run (False: adopted from the journal after a restart; it counts in its own run)."""
    prices: UsdPricer | None = None
    """The USD prices it was decided on: its outcome is valued with them, so a trade realised to the
    wei shows the predicted USD too (None: the prices of the block that settles it)."""

    @property
    def opportunity_id(self) -> int | None:
        return self.ticket.id


@dataclass(slots=True)
class Settled:
    """What a poll or a track settled (for the block's report)."""

    mined: int = 0
    reverted: int = 0
    dropped: int = 0

    def add(self, status: TxStatus) -> None:
        if status is TxStatus.MINED:
            self.mined += 1
        elif status is TxStatus.REVERTED:
            self.reverted += 1
        else:
            self.dropped += 1


class TransactionManager:
    """Owns `sender` (None: a dry run, nothing is ever sent); see the module docstring."""

    def __init__(
        self,
        sender: Sender | None,
        rpc: Rpc,
        *,
        flasharb: str,
        breaker: CircuitBreaker,
        publish: Callable[[Event], None],
        native: str,
        decimals: Mapping[str, int],
        settings: TxSettings | None = None,
    ) -> None:
        self.sender = sender
        self.rpc = rpc
        self.flasharb = flasharb
        self.breaker = breaker
        self.publish = publish
        self.native = native
        self.decimals = decimals
        self.settings = settings or TxSettings()
        self.in_flight: list[InFlight] = []
        self.prices: UsdPricer | None = None
        """The latest block's USD prices (outcomes are valued with them; None: not priced yet)."""

    # --- sending --------------------------------------------------------------------------------

    def earlier(self, block: int) -> InFlight | None:
        """A transaction sent before `block` still in flight (no new trade goes out meanwhile, so
        nonces stay in order)."""
        return next((f for f in self.in_flight if f.first_block < block), None)

    def broadcast(self, calldata: bytes, estimate: int, fees: FeeQuote) -> SentTransaction:
        """Sign and broadcast `FlashArb.execute` with a gas limit from `estimate`. A refusal is told to
        the breaker and raised (SendError, or RpcError when the node could not be reached)."""
        if self.sender is None:
            raise FlashArbError("a dry run sends nothing (no account to sign with)")
        try:
            return self.sender.send(self.flasharb, calldata, gas_limit(estimate), fees)
        except (SendError, RpcError) as exc:
            self.breaker.record_failure(f"send failed: {exc}")
            raise

    def track(
        self,
        ticket: Ticket,
        sent: SentTransaction,
        block: int,
        asset: str,
        predicted: int | None,
        settled: Settled | None = None,
    ) -> None:
        """Publish the broadcast and look at its receipt once (no waiting): mined -> settled now;
        otherwise it stays in flight and every `poll` looks again."""
        self.publish(TradeSent(ticket, sent))
        flight = InFlight(ticket, sent, block, asset, predicted, prices=self.prices)
        found = self._receipt(flight)
        if found is None:
            logger.info("block %d: %s not mined yet; checking it every block", block, sent.hash)
            self.in_flight.append(flight)
            return
        self._settle(flight, *found, settled or Settled())

    def _receipt(self, flight: InFlight) -> tuple[SentTransaction, dict[str, Any]] | None:
        assert self.sender is not None
        try:
            return self.sender.receipt(flight.latest)
        except RpcError as exc:
            logger.warning("could not read the receipt of %s: %s", flight.latest.hash, exc)
            return None

    # --- every block ------------------------------------------------------------------------------

    def poll(self, block: int) -> Settled:
        """Settle the transactions in flight that were mined; replace (then cancel) those stuck for
        `stuck_blocks` blocks."""
        settled = Settled()
        if not self.in_flight or self.sender is None:
            return settled
        still: list[InFlight] = []
        for flight in self.in_flight:
            found = self._receipt(flight)
            if found is not None:
                self._settle(flight, *found, settled)
                continue
            still.append(flight)
            self._unstick(flight, block)
        self.in_flight = still
        return settled

    def _unstick(self, flight: InFlight, block: int) -> None:
        assert self.sender is not None
        age = block - flight.first_block
        due = self.settings.stuck_blocks * (flight.replacements + 1)
        if age < due or flight.cancelled:
            return
        cap = self.settings.max_gas_price_wei
        try:
            if flight.replacements < self.settings.max_replacements:
                flight.latest = self.sender.replace(flight.latest, cap)
                flight.replacements += 1
            else:
                flight.latest = self.sender.cancel(flight.latest, cap)
                flight.cancelled = True
        except (SendError, RpcError) as exc:
            logger.error("could not replace stuck transaction %s: %s", flight.latest.hash, exc)
            return
        self.publish(TradeSent(flight.ticket, flight.latest, this_run=flight.this_run))

    def drain(self, timeout_s: float | None = None) -> Settled:
        """Wait up to `timeout_s` (default `receipt_timeout_s`) for the transactions in flight and
        settle those mined; the others stay unsettled in the journal, and the next run picks them up
        (`resume`)."""
        settled = Settled()
        if not self.in_flight or self.sender is None:
            return settled
        timeout = self.settings.receipt_timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + timeout
        delay = 0.05
        while self.in_flight:
            still: list[InFlight] = []
            for flight in self.in_flight:
                found = self._receipt(flight)
                if found is None:
                    still.append(flight)
                else:
                    self._settle(flight, *found, settled)
            self.in_flight = still
            if not still or time.monotonic() >= deadline:
                break
            time.sleep(delay)
            delay = min(2 * delay, 1.0)
        for flight in self.in_flight:
            logger.warning(
                "stopping with %s (nonce %d) not mined: the next run resumes it from the journal",
                flight.latest.hash,
                flight.latest.nonce,
            )
        return settled

    # --- outcomes ---------------------------------------------------------------------------------

    def _settle(
        self, flight: InFlight, version: SentTransaction, receipt: Mapping[str, Any], settled: Settled
    ) -> None:
        """Record the outcome of a mined version (and drop the other versions at its nonce)."""
        status = self._outcome(
            version.hash,
            receipt,
            flight.predicted_profit,
            flight.asset,
            cancel=version.kind == "cancel",
            this_run=flight.this_run,
            prices=flight.prices,
        )
        settled.add(status)
        others = self.sender.settle(version.nonce) if self.sender is not None else []
        for other in others:
            if other.hash != version.hash:
                self.publish(TradeSettled(other.hash, TxStatus.DROPPED, None, this_run=flight.this_run))

    def _outcome(
        self,
        tx_hash: str,
        receipt: Mapping[str, Any],
        predicted: int | None,
        asset: str | None,
        *,
        cancel: bool = False,
        this_run: bool = True,
        prices: UsdPricer | None = None,
    ) -> TxStatus:
        """Value a mined transaction's receipt in USD (with `prices`, default the latest), tell the
        breaker, publish the outcome."""
        prices = prices or self.prices
        summary = summarize_receipt(receipt, self.flasharb)
        trade = summary.trade
        asset = trade.asset if trade is not None else asset
        decimals = self.decimals.get(asset or "")
        realised_usd = gas_usd = None
        if prices is not None:
            gas_usd = prices.micro(self.native, NATIVE_DECIMALS, summary.gas_fee_wei)
            if decimals is not None and asset:
                realised_usd = prices.micro(asset, decimals, summary.realised_profit)
        if cancel:
            status = TxStatus.DROPPED
        else:
            status = TxStatus.MINED if summary.success else TxStatus.REVERTED
        pnl = (realised_usd or 0) - (gas_usd or 0)
        if status is TxStatus.MINED:
            self.breaker.record_success(pnl)
        elif status is TxStatus.REVERTED:
            self.breaker.record_failure(f"transaction {tx_hash} reverted", pnl)
        elif pnl:
            self.breaker.record_success(pnl)  # a mined cancellation: no failure, but its gas is a loss
        self.publish(TradeSettled(tx_hash, status, summary, predicted, gas_usd, realised_usd, this_run))
        logger.info(
            "tx %s %s in block %d: gas %d, realised profit %d (predicted %s)",
            tx_hash,
            status.value,
            summary.block,
            summary.gas_used,
            summary.realised_profit,
            predicted,
        )
        return status

    # --- after a restart ----------------------------------------------------------------------------

    def resume(self, unfinished: Sequence[PendingTx], head: int, account: str) -> Settled:
        """Reconcile what an earlier run left unsettled (set `prices` first, so the outcomes are valued
        and their gas reaches the breaker's loss limit): each transaction `account` sent is looked up
        by hash. Mined -> its outcome is recorded; still pending -> tracked (and replaced or cancelled
        when stuck, counted from `head`); unknown to the node -> recorded as dropped."""
        settled = Settled()
        for tx in unfinished:
            if tx.sender.lower() != account.lower():
                continue
            receipt = self.rpc.receipt(tx.hash)
            if receipt is not None and receipt.get("blockNumber") is not None:
                logger.info("resume: %s (nonce %d) was mined in the meantime", tx.hash, tx.nonce)
                settled.add(self._outcome(tx.hash, receipt, None, None, this_run=False))
                continue
            found = self.rpc.transaction(tx.hash)
            if found is not None and self.sender is not None:
                fees = FeeQuote(
                    0, as_int(found.get("maxPriorityFeePerGas", 0)), as_int(found.get("maxFeePerGas", 0))
                )
                sent = SentTransaction(
                    tx.hash,
                    tx.nonce,
                    self.sender.address,
                    str(found.get("to")),
                    bytes.fromhex(str(found.get("input", "0x"))[2:]),
                    as_int(found.get("value", 0)),
                    as_int(found.get("gas", 0)),
                    fees,
                    tx.sent_at,
                )
                self.sender.adopt(sent)
                self.in_flight.append(
                    InFlight(Ticket(tx.opportunity_id), sent, head, "", None, this_run=False)
                )
                logger.warning("resume: %s (nonce %d) is still pending; tracking it", tx.hash, tx.nonce)
                continue
            if found is not None:
                logger.warning(
                    "resume: %s (nonce %d) is still pending, but this run cannot sign for %s: "
                    "left unsettled for a run that can",
                    tx.hash,
                    tx.nonce,
                    tx.sender,
                )
                continue
            logger.warning(
                "resume: %s (nonce %d) is unknown to the node: recorded as dropped", tx.hash, tx.nonce
            )
            self.publish(TradeSettled(tx.hash, TxStatus.DROPPED, None, this_run=False))
            settled.add(TxStatus.DROPPED)
        return settled
