"""The block loop: what the bot does with every new block.

    control poll -> latest block and base fee -> market refresh (one Multicall3 round trip) -> price
    table -> search -> select -> journal every opportunity -> guards (pause, breaker, lender, gas cap,
    USD profit range, lender liquidity) -> route -> simulate (eth_call from the executor) ->
    dry run: journal only | live: sign + send -> receipt -> realised profit from the Trade event ->
    journal, metrics, breaker, live view, JSON events

Sending never blocks the loop: right after the broadcast the receipt is asked for once (a node that
mines on arrival, like the replica, has it already); a transaction not mined yet stays in flight and
is checked at the start of every block. After `stuck_blocks` blocks it is replaced with fees +12.5 %
(up to `max_replacements` times), then cancelled. While a transaction of an earlier block is in flight
no new trade is sent, so nonces stay in order; trades of the same block (disjoint pools, up to
`max_trades_per_block`) take consecutive nonces. A run that stops waits up to `receipt_timeout_s` for
the receipts still in flight, so `--once` reports the outcome of what it sent.

RPC failures are retried inside each call (bot.execution.rpc, bot.market.multicall); a block that still
fails is logged and skipped, and the loop goes on with the next one. A pool that fails to refresh is
left out of that block's market. Nothing but a stop (control, --once, --max-blocks, Ctrl-C) ends `run`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from bot.addressbook import AddressBook
from bot.errors import FlashArbError, RpcError
from bot.execution.gas import FeeQuote, GasPricer, gas_limit
from bot.execution.routes import describe, predicted_profit, route_for
from bot.execution.rpc import Rpc, as_int
from bot.execution.sender import Sender, SendError, SentTransaction
from bot.execution.simulate import Simulator, execute_calldata
from bot.execution.trade_event import summarize_receipt
from bot.market.multicall import Multicall
from bot.market.reader import MarketReader
from bot.ops.alarms import LowBalanceAlarm
from bot.ops.breaker import CircuitBreaker
from bot.ops.config import BotConfig
from bot.ops.control import ControlChannel
from bot.ops.guards import Candidate, Guards, Reason, lender_source
from bot.ops.journal import Journal, OpportunityRecord, Outcome, SentTx, TxStatus
from bot.ops.metrics import BotMetrics
from bot.ops.view import LiveStats
from bot.route.codec import encode
from bot.route.model import Lender
from bot.runtime.events import EventSink, NullSink
from bot.runtime.lenders import LenderBook, liquidity
from bot.runtime.usd import UsdPricer
from bot.search.opportunity import Opportunity
from bot.search.prices import build_price_table
from bot.search.searcher import Searcher

logger = logging.getLogger(__name__)

NOT_SELECTED = "not_selected"
"""Decision: a better opportunity of the same block shares a pool with it."""
SIMULATION_FAILED = "simulation_failed"
"""Decision: the eth_call of execute reverted; nothing was sent."""
TX_IN_FLIGHT = "tx_in_flight"
"""Decision: an earlier transaction is not mined yet; one at a time keeps the nonces in order."""
SEND_FAILED = "send_failed"
"""Decision detail when the node refused the transaction."""
NATIVE_DECIMALS = 18


class View(Protocol):
    def update(self, stats: LiveStats) -> None: ...


@dataclass(frozen=True, slots=True)
class LoopSettings:
    """How the loop sends and waits (the BotConfig holds the operator's limits)."""

    dry_run: bool = True
    max_trades_per_block: int = 1
    """Opportunities sent per block at most (disjoint pools, best first)."""
    candidates_per_block: int = 5
    """Opportunities with distinct pool sets put to the guards per block, best first: when a guard
    stops the best one (say its profit is above the believable maximum), the next may still be sent."""
    receipt_timeout_s: float = 30.0
    """How long a stopping run waits for the receipts of its transactions still in flight."""
    stuck_blocks: int = 5
    """Blocks a transaction may stay in flight before it is replaced with higher fees."""
    max_replacements: int = 2
    """Replacements before a stuck transaction is cancelled."""
    journal_per_block: int = 10
    """Opportunities journaled per block at most: the selected ones, then the best others, one per set
    of pools (a cycle's rotations and reversals are the same arbitrage). All are counted in metrics."""
    balance_every_blocks: int = 20
    """Check the executor's gas balance every this many blocks."""
    idle_sleep_s: float = 0.5
    """Sleep between polls for a new block."""
    error_sleep_s: float = 1.0
    """Sleep after a block failed."""


@dataclass(slots=True)
class InFlight:
    """A trade sent and not mined yet."""

    opportunity_id: int
    latest: SentTransaction
    first_block: int
    asset: str
    predicted_profit: int | None
    replacements: int = 0
    cancelled: bool = False
    this_run: bool = True
    """Sent by this run (False: adopted from the journal after a restart; it counts in its own run)."""


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
    failed_pools: int = 0
    simulation_fault: bool = False
    """A simulation failed for a reason other than moved prices (counted once by the breaker)."""


class BlockLoop:
    """One bot: every part it needs, wired together. Build it with `bot.runtime.assemble`."""

    def __init__(
        self,
        *,
        config: BotConfig,
        settings: LoopSettings,
        rpc: Rpc,
        multicall: Multicall,
        reader: MarketReader,
        searcher: Searcher,
        lenders: LenderBook,
        book: AddressBook,
        flasharb: str,
        simulator: Simulator,
        sender: Sender | None,
        pricer: GasPricer,
        journal: Journal,
        run_id: int,
        control: ControlChannel,
        breaker: CircuitBreaker,
        metrics: BotMetrics,
        guards: Guards,
        usd_token: str,
        sink: EventSink | None = None,
        view: View | None = None,
    ) -> None:
        if not settings.dry_run and sender is None:
            raise FlashArbError("a live loop needs a sender (an account to sign with)")
        self.config = config
        self.settings = settings
        self.rpc = rpc
        self.multicall = multicall
        self.reader = reader
        self.searcher = searcher
        self.lenders = lenders
        self.book = book
        self.flasharb = flasharb
        self.simulator = simulator
        self.sender = sender
        self.pricer = pricer
        self.journal = journal
        self.run_id = run_id
        self.control = control
        self.breaker = breaker
        self.metrics = metrics
        self.guards = guards
        self.sink: EventSink = sink or NullSink()
        self.view = view
        self.native = book.token("WMATIC").address
        self.usd_token = usd_token
        self.decimals: Mapping[str, int] = {t.address: t.decimals for t in book.tokens.values()}
        self.symbols: Mapping[str, str] = {t.address.lower(): t.symbol for t in book.tokens.values()}
        self.alarm = LowBalanceAlarm(config.low_gas_balance_wei, simulator.executor)
        self.stats = LiveStats(mode="dry-run" if settings.dry_run else "live", network=config.network)
        self.in_flight: list[InFlight] = []
        self.last_block: int | None = None
        self.blocks_done = 0
        self.paused = False
        self.stop_requested = False
        self.contract_paused = False
        self.usd: UsdPricer | None = None
        self.block_seconds: list[float] = []
        self._closed = False

    # --- start and stop -------------------------------------------------------------------------

    def resume(self) -> None:
        """Reconcile what an earlier run left unsettled: transactions sent without an outcome are
        looked up by hash (mined -> outcome recorded; still pending -> tracked; unknown -> dropped)."""
        state = self.journal.resume()
        if state.last_block is not None:
            logger.info("journal: the last run processed up to block %d", state.last_block)
        mine = self.simulator.executor.lower()
        for tx in state.unfinished:
            if tx.sender.lower() != mine:
                continue
            receipt = self.rpc.receipt(tx.hash)
            if receipt is not None and receipt.get("blockNumber") is not None:
                logger.info("resume: %s (nonce %d) was mined in the meantime", tx.hash, tx.nonce)
                self._record_outcome(tx.opportunity_id, tx.hash, receipt, None, None, count=False)
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
                head = self.rpc.block_number()
                self.in_flight.append(InFlight(tx.opportunity_id, sent, head, "", None, this_run=False))
                logger.warning("resume: %s (nonce %d) is still pending; tracking it", tx.hash, tx.nonce)
                continue
            logger.warning(
                "resume: %s (nonce %d) is unknown to the node: recorded as dropped", tx.hash, tx.nonce
            )
            self.journal.record_outcome(tx.hash, Outcome(TxStatus.DROPPED, None, 0, 0, 0))

    def close(self, reason: str) -> None:
        """Record the run's end (once); the view and the status file show the final numbers."""
        if self._closed:
            return
        self._closed = True
        if self.view is not None:
            self.view.update(self.stats)
        try:
            self.journal.stop_run(self.run_id, reason)
        finally:
            self.control.close(details=self._details())
        logger.info("bot stopped: %s", reason)

    def run(self) -> str:
        """Process new blocks until a stop; returns why it stopped."""
        reason = "stopped"
        failures = 0
        try:
            while True:
                if self.stop_requested:
                    reason = "stopped by the operator"
                    break
                if self.config.max_blocks is not None and self.blocks_done >= self.config.max_blocks:
                    reason = f"max_blocks ({self.config.max_blocks}) reached"
                    break
                try:
                    report = self.step()
                    failures = 0
                except (RpcError, FlashArbError, ValueError, KeyError, ArithmeticError) as exc:
                    failures += 1
                    logger.error(
                        "block failed (%d in a row): %s: %s; going on with the next block",
                        failures,
                        type(exc).__name__,
                        exc,
                        exc_info=failures == 1 and not isinstance(exc, RpcError),
                    )
                    if self.config.once:
                        reason = f"error: {exc}"
                        break
                    time.sleep(min(30.0, self.settings.error_sleep_s * failures))
                    continue
                if report is None:
                    time.sleep(self.config.poll_interval_s)
                    continue
                if self.config.once:
                    reason = "once: one block processed"
                    break
        except KeyboardInterrupt:
            reason = "interrupted (Ctrl-C)"
        finally:
            try:
                self.drain(0.0 if reason.startswith("interrupted") else None)
            finally:
                self.close(reason)
        return reason

    def drain(self, timeout_s: float | None = None) -> None:
        """Wait up to `timeout_s` (default `receipt_timeout_s`) for the transactions in flight and
        record the outcome of those mined; the others stay unsettled in the journal, and the next run
        picks them up (`resume`)."""
        if not self.in_flight or self.sender is None:
            return
        timeout = self.settings.receipt_timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + timeout
        report = BlockReport(self.last_block or 0)
        delay = 0.05
        while self.in_flight:
            still: list[InFlight] = []
            for flight in self.in_flight:
                try:
                    found = self.sender.receipt(flight.latest)
                except RpcError as exc:
                    logger.warning("could not read the receipt of %s: %s", flight.latest.hash, exc)
                    found = None
                if found is None:
                    still.append(flight)
                else:
                    self._settle(flight, *found, report)
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

    # --- one block --------------------------------------------------------------------------------

    def step(self) -> BlockReport | None:
        """Process the latest block if it is new; None if there is none."""
        started = time.perf_counter()
        self._poll_control(None)
        header = self.rpc.block("latest")
        number = as_int(header["number"])
        if self.last_block is not None and number <= self.last_block:
            return None
        base_fee = as_int(header.get("baseFeePerGas") or 0)
        report = BlockReport(number)
        self._check_in_flight(number, report)

        refresh = self.reader.refresh(number)
        market = refresh.market
        report.failed_pools = len(refresh.failed)
        prices = build_price_table(market, self.native)
        self.usd = UsdPricer(prices, self.usd_token, self.decimals.get(self.usd_token, 6))
        fees = self.pricer.quote(base_fee)
        result = self.searcher.search(market, fees.expected, prices)
        report.opportunities = len(result.opportunities)
        self._decide_block(result.opportunities, number, fees, report)
        report.decision_seconds = time.perf_counter() - started

        self.journal.mark_block(self.run_id, number, found=report.opportunities)
        self.stats.count_block(report.opportunities)
        self.last_block = number
        self.blocks_done += 1
        if self.blocks_done % self.settings.balance_every_blocks == 1:
            self._check_balance()
        report.seconds = time.perf_counter() - started
        self.block_seconds.append(report.seconds)
        self.metrics.blocks.inc()
        self.metrics.decision_seconds.observe(report.decision_seconds)
        self.metrics.found.inc(report.opportunities)
        self.metrics.set_flags(paused=self.paused, breaker_tripped=self.breaker.tripped)
        self.stats.last_block = number
        self.stats.last_block_time = time.time()
        self.stats.breaker = self.breaker.state.reason or "tripped" if self.breaker.tripped else "ok"
        self.stats.paused = self.paused
        if self.view is not None:
            self.view.update(self.stats)
        self._poll_control(self._details())
        logger.debug(
            "block %d: %d opportunities, %d sent, %.1f ms (%d pools failed)",
            number,
            report.opportunities,
            report.sent,
            1e3 * report.seconds,
            report.failed_pools,
        )
        return report

    def _decide_block(
        self, found: Sequence[Opportunity], block: int, fees: FeeQuote, report: BlockReport
    ) -> None:
        """Best first: put up to `candidates_per_block` opportunities to the guards, skipping any that
        shares a pool with one already taken this block (its numbers assumed the pool as read; the
        ones taken are disjoint, so each stays exact). Every opportunity was priced on the block's
        real state, so one a guard stops leaves its pools to the next. Then journal some others."""
        taken_pools: set[str] = set()
        seen: set[frozenset[str]] = set()
        candidates = 0
        for opportunity in found:
            if candidates >= self.settings.candidates_per_block:
                break
            key = frozenset(opportunity.pools)
            if key in seen or taken_pools.intersection(key):
                continue
            seen.add(key)
            candidates += 1
            room = report.decisions.get(Reason.TAKEN.value, 0) < self.settings.max_trades_per_block
            if self._handle(opportunity, room, block, fees, report) == Reason.TAKEN.value:
                taken_pools |= key
        room_left = self.settings.journal_per_block - candidates
        for opportunity in found:
            if room_left <= 0:
                break
            key = frozenset(opportunity.pools)
            if key in seen:
                continue
            seen.add(key)
            room_left -= 1
            self._handle(opportunity, False, block, fees, report)

    def _poll_control(self, details: dict[str, Any] | None) -> None:
        state = self.control.poll(on_reset_breaker=self._reset_breaker, details=details)
        self.paused = state.paused
        if state.stop:
            self.stop_requested = True

    def _reset_breaker(self) -> str:
        self.breaker.reset()
        return "circuit breaker reset"

    def _details(self) -> dict[str, Any]:
        """The status file's details: the run's `RunTotals` under their names, then the loop's state."""
        return {
            **self.stats.as_dict(),
            "block": self.last_block,
            "mode": self.stats.mode,
            "breaker": self.stats.breaker,
            "contract_paused": self.contract_paused,
            "in_flight": [f.latest.hash for f in self.in_flight],
        }

    # --- one opportunity ----------------------------------------------------------------------------

    def _handle(
        self, opportunity: Opportunity, selected: bool, block: int, fees: FeeQuote, report: BlockReport
    ) -> str:
        assert self.usd is not None
        decimals = self.decimals.get(opportunity.asset)
        predicted = predicted_profit(opportunity)
        predicted_usd = None if decimals is None else self.usd.micro(opportunity.asset, decimals, predicted)
        net_usd = (
            None if decimals is None else self.usd.micro(opportunity.asset, decimals, opportunity.net_profit)
        )
        record = OpportunityRecord(
            block=block,
            route=describe(opportunity, self.symbols),
            lender=opportunity.lender.name,
            asset=opportunity.asset,
            amount_in=opportunity.amount_in,
            predicted_profit=predicted,
            gas_units=opportunity.gas_units,
            predicted_profit_micro_usd=predicted_usd,
        )
        opportunity_id = self.journal.record_opportunity(self.run_id, record)
        event: dict[str, Any] = {
            "block": block,
            "route": record.route,
            "pools": list(opportunity.pools),
            "lender": opportunity.lender.name,
            "asset": opportunity.asset,
            "asset_symbol": self.symbols.get(opportunity.asset.lower(), ""),
            "amount_in": opportunity.amount_in,
            "amount_out": opportunity.amount_out,
            "hop_amounts": [h.amount_out for h in opportunity.hops],
            "lender_fee": opportunity.lender_fee,
            "predicted_profit": predicted,
            "predicted_profit_micro_usd": predicted_usd,
            "gas_units": opportunity.gas_units,
            "gas_cost": opportunity.gas_cost,
            "net_profit": opportunity.net_profit,
            "net_profit_micro_usd": net_usd,
        }
        reason, detail = self._decide(
            opportunity, opportunity_id, selected, decimals, fees, block, report, event
        )
        report.decisions[reason] = report.decisions.get(reason, 0) + 1
        if reason != Reason.TAKEN.value:
            self.metrics.skipped.labels(reason=reason).inc()
        else:
            self.metrics.taken.inc()
        self.sink.emit("opportunity", {**event, "decision": reason, "detail": detail})
        return reason

    def _decide(
        self,
        opportunity: Opportunity,
        opportunity_id: int,
        selected: bool,
        decimals: int | None,
        fees: FeeQuote,
        block: int,
        report: BlockReport,
        event: dict[str, Any],
    ) -> tuple[str, str]:
        """Decide on one opportunity, journal the decision, and send if it is taken live."""
        assert self.usd is not None

        def decided(reason: str, detail: str) -> tuple[str, str]:
            self.journal.record_decision(opportunity_id, reason, detail)
            self.stats.count_decision(reason)
            return reason, detail

        if not selected:
            return decided(
                NOT_SELECTED,
                "not among the block's candidates: a better one shares its pools, or the send limit "
                "was reached",
            )
        price = None if decimals is None else self.usd.price(opportunity.asset, decimals)
        candidate = Candidate(
            lender=lender_source(opportunity.lender),
            amount_borrowed=opportunity.amount_in,
            net_profit=opportunity.net_profit,
            asset_decimals=decimals or 0,
            asset_price=price,
            max_fee_per_gas=fees.needed,
            lender_liquidity=opportunity.amount_in,
        )
        decision = self.guards.check(candidate, paused=self.paused, breaker_tripped=self.breaker.tripped)
        if decision.taken and opportunity.lender in (Lender.AAVE, Lender.BALANCER):
            available = liquidity(
                self.multicall, self.lenders, opportunity.lender, opportunity.asset, opportunity.amount_in
            )
            decision = self.guards.check(
                replace(candidate, lender_liquidity=available),
                paused=self.paused,
                breaker_tripped=self.breaker.tripped,
            )
        if not decision.taken:
            return decided(decision.reason.value, decision.detail)
        earlier = [f for f in self.in_flight if f.first_block < block]
        if earlier:
            return decided(TX_IN_FLIGHT, f"waiting for {earlier[0].latest.hash} to be mined")

        route = route_for(opportunity)
        calldata = execute_calldata(encode(route))
        simulation = self.simulator.run(calldata)
        if not simulation.ok:
            assert simulation.revert is not None
            revert = simulation.revert
            if revert.name == "TradingPaused":
                if not self.contract_paused:
                    logger.error(
                        "FlashArb %s is paused on-chain: nothing can be sent until its owner unpauses it",
                        self.flasharb,
                    )
                self.contract_paused = True
            if not revert.market_moved and not report.simulation_fault:
                # one count per block: a fault (paused contract, lost role) fails every candidate alike
                report.simulation_fault = True
                self.breaker.record_failure(f"simulation failed: {revert}")
            logger.info("block %d: simulation failed, not sent: %s", block, simulation.reason)
            return decided(SIMULATION_FAILED, simulation.reason)
        self.contract_paused = False
        assert simulation.gas_estimate is not None
        event["gas_estimate"] = simulation.gas_estimate
        if self.settings.dry_run:
            return decided(
                Reason.TAKEN.value,
                f"dry run: simulation passed (gas estimate {simulation.gas_estimate}); not sent. "
                f"{decision.detail}",
            )
        decided(Reason.TAKEN.value, decision.detail)
        self._send(opportunity, opportunity_id, calldata, simulation.gas_estimate, fees, block, report, event)
        return Reason.TAKEN.value, decision.detail

    def _send(
        self,
        opportunity: Opportunity,
        opportunity_id: int,
        calldata: bytes,
        estimate: int,
        fees: FeeQuote,
        block: int,
        report: BlockReport,
        event: dict[str, Any],
    ) -> None:
        assert self.sender is not None
        try:
            sent = self.sender.send(self.flasharb, calldata, gas_limit(estimate), fees)
        except (SendError, RpcError) as exc:
            self.breaker.record_failure(f"send failed: {exc}")
            logger.error("block %d: send failed: %s", block, exc)
            event["send_error"] = str(exc)
            return
        self._journal_sent(opportunity_id, sent)
        report.sent += 1
        self.metrics.tx_sent.inc()
        event["tx"] = sent.hash
        event["nonce"] = sent.nonce
        flight = InFlight(opportunity_id, sent, block, opportunity.asset, predicted_profit(opportunity))
        try:
            found = self.sender.receipt(sent)  # one look, no waiting: the next blocks check again
        except RpcError as exc:
            logger.warning("block %d: could not read the receipt of %s yet: %s", block, sent.hash, exc)
            found = None
        if found is None:
            logger.info("block %d: %s not mined yet; checking it every block", block, sent.hash)
            self.in_flight.append(flight)
            return
        version, receipt = found
        self._settle(flight, version, receipt, report)

    def _journal_sent(self, opportunity_id: int, sent: SentTransaction, count: bool = True) -> None:
        """Journal a broadcast (`count`: it is this run's, so it counts in the live totals)."""
        self.journal.record_sent(
            opportunity_id,
            SentTx(
                hash=sent.hash,
                nonce=sent.nonce,
                sender=sent.sender,
                max_fee_per_gas=sent.fees.max_fee,
                max_priority_fee_per_gas=sent.fees.max_priority_fee,
                gas_limit=sent.gas_limit,
            ),
        )
        if count:
            self.stats.count_sent()

    # --- receipts -------------------------------------------------------------------------------------

    def _check_in_flight(self, block: int, report: BlockReport) -> None:
        if not self.in_flight or self.sender is None:
            return
        still: list[InFlight] = []
        for flight in self.in_flight:
            found = self.sender.receipt(flight.latest)
            if found is not None:
                version, receipt = found
                self._settle(flight, version, receipt, report)
                continue
            still.append(flight)
            age = block - flight.first_block
            due = self.settings.stuck_blocks * (flight.replacements + 1)
            if age < due or flight.cancelled:
                continue
            cap = self.config.max_gas_price_wei
            try:
                if flight.replacements < self.settings.max_replacements:
                    flight.latest = self.sender.replace(flight.latest, cap)
                    flight.replacements += 1
                else:
                    flight.latest = self.sender.cancel(flight.latest, cap)
                    flight.cancelled = True
                self._journal_sent(flight.opportunity_id, flight.latest, count=flight.this_run)
            except (SendError, RpcError) as exc:
                logger.error("could not replace stuck transaction %s: %s", flight.latest.hash, exc)
        self.in_flight = still

    def _settle(
        self, flight: InFlight, version: SentTransaction, receipt: Mapping[str, Any], report: BlockReport
    ) -> None:
        """Record the outcome of a mined transaction (and drop its other versions)."""
        status = self._record_outcome(
            flight.opportunity_id,
            version.hash,
            receipt,
            flight.predicted_profit,
            flight.asset,
            cancel=version.kind == "cancel",
            count=flight.this_run,
        )
        others = self.sender.settle(version.nonce) if self.sender is not None else []
        for other in others:
            if other.hash != version.hash:
                self.journal.record_outcome(other.hash, Outcome(TxStatus.DROPPED, None, 0, 0, 0))
                if flight.this_run:
                    self.stats.count_outcome(TxStatus.DROPPED)
        if status is TxStatus.MINED:
            report.mined += 1
        elif status is TxStatus.REVERTED:
            report.reverted += 1

    def _record_outcome(
        self,
        opportunity_id: int,
        tx_hash: str,
        receipt: Mapping[str, Any],
        predicted: int | None,
        asset: str | None,
        cancel: bool = False,
        count: bool = True,
    ) -> TxStatus:
        """Journal a mined transaction's outcome (`count`: it is this run's, so it counts in the live
        totals; a transaction of an earlier run counts in that run's)."""
        summary = summarize_receipt(receipt, self.flasharb)
        trade = summary.trade
        asset = trade.asset if trade is not None else asset
        decimals = self.decimals.get(asset or "")
        realised_usd = gas_usd = None
        if self.usd is not None:
            gas_usd = self.usd.micro(self.native, NATIVE_DECIMALS, summary.gas_fee_wei)
            if decimals is not None and asset:
                realised_usd = self.usd.micro(asset, decimals, summary.realised_profit)
        if cancel:
            status = TxStatus.DROPPED
        else:
            status = TxStatus.MINED if summary.success else TxStatus.REVERTED
        self.journal.record_outcome(
            tx_hash,
            Outcome(
                status=status,
                block=summary.block,
                gas_used=summary.gas_used,
                effective_gas_price=summary.effective_gas_price,
                realised_profit=summary.realised_profit,
                realised_profit_micro_usd=realised_usd,
                gas_fee_micro_usd=gas_usd,
            ),
        )
        if count:
            self.stats.count_outcome(status, summary.gas_fee_wei, gas_usd, realised_usd)
        self.metrics.set_gas_spent(self.stats.gas_spent_wei)
        pnl = (realised_usd or 0) - (gas_usd or 0)
        if status is TxStatus.MINED:
            self.metrics.tx_mined.inc()
            self.metrics.set_realised_profit(self.stats.realised_profit_micro_usd)
            self.breaker.record_success(pnl)
        elif status is TxStatus.REVERTED:
            self.metrics.tx_reverted.inc()
            self.breaker.record_failure(f"transaction {tx_hash} reverted", pnl)
        self.sink.emit(
            "trade",
            {
                "tx": tx_hash,
                "status": status.value,
                "block": summary.block,
                "gas_used": summary.gas_used,
                "effective_gas_price": summary.effective_gas_price,
                "gas_fee_wei": summary.gas_fee_wei,
                "gas_fee_micro_usd": gas_usd,
                "realised_profit": summary.realised_profit,
                "realised_profit_micro_usd": realised_usd,
                "predicted_profit": predicted,
                "exact": predicted is not None and predicted == summary.realised_profit,
            },
        )
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

    def _check_balance(self) -> None:
        try:
            balance = self.rpc.balance(self.simulator.executor)
        except RpcError as exc:
            logger.warning("could not read the executor's balance: %s", exc)
            return
        self.metrics.set_executor_balance(balance)
        self.alarm.check(balance)
