"""The per-block pipeline: refresh -> search -> guards -> route -> simulate -> send, one object with
one entry point per block.

    pipeline.step(header, controls)  -> BlockReport     # the I/O around `decide`
    pipeline.decide(BlockInput(...)) -> BlockDecision   # CPU only: what the benchmark times

`decide` prices the block (a price table from the pools, USD through the stablecoin), quotes the fees,
and runs `Searcher.decide` with the guards as its `admit` hook: the best candidate is put to the
guards (pause, breaker, lender, gas cap, USD profit range, the lender's liquidity as read in the
block's own Multicall3 batch, a transaction of an earlier block in flight); one a guard rejects is
left and the next best is tried; one accepted is applied to the state, so the candidates sharing its
pools are re-sized on the state it leaves (not dropped). The accepted ones come back with their
route's calldata. Nothing in `decide` touches the chain, so it runs offline on recorded or synthetic
blocks (`BlockPipeline.offline`).

`step` adds the I/O: one refresh (pools and lender balances in one Multicall3 round trip), the
settlement of transactions in flight, then `decide`, then for each accepted trade one simulation
round trip (eth_estimateGas, which reverts as the call would) and the broadcast. Nothing is journaled
between a decision and its broadcast: every verdict is published as a typed event, and the journal
writes them after the block's sends (bot.runtime.bookkeeping). A simulation that fails because prices
moved before anything was sent this block excludes that cycle and decides again (the next best).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.addressbook import AddressBook
from bot.errors import RpcError
from bot.execution.gas import FeeQuote, GasPricer
from bot.execution.routes import Tolerance, describe, predicted_profit, route_for
from bot.execution.rpc import NodeReplyError
from bot.execution.sender import SendError, SentTransaction
from bot.execution.simulate import Simulator, execute_calldata
from bot.market.reader import MarketReader
from bot.market.state import MarketState
from bot.ops.breaker import CircuitBreaker
from bot.ops.config import LenderSource
from bot.ops.guards import Candidate, Guards, Reason, lender_source
from bot.route.codec import encode
from bot.route.model import HopKind, Lender
from bot.runtime.bookkeeping import JournalUnavailable
from bot.runtime.events import BlockReport, Event, OpportunityDecided, Priced, Ticket
from bot.runtime.lenders import LenderBook
from bot.runtime.transactions import Settled, TransactionManager
from bot.runtime.usd import UsdPricer
from bot.search.graph import Cycle
from bot.search.opportunity import Opportunity
from bot.search.searcher import BlockWide, Searcher, SearchStats

logger = logging.getLogger(__name__)

NOT_SELECTED = "not_selected"
"""Decision: accepted by the guards but not simulated (an earlier simulation of the block failed in a
way that fails the others too, or it was priced after a trade that did not go through)."""
SIMULATION_FAILED = "simulation_failed"
"""Decision: the simulation of execute reverted; nothing was sent."""
JOURNAL_UNAVAILABLE = "journal_unavailable"
"""Decision: passed its simulation, not sent: the journal could not record the send ahead of it."""
TX_IN_FLIGHT = "tx_in_flight"
"""Decision: an earlier transaction is not mined yet; one at a time keeps the nonces in order."""
_BLOCK_WIDE = frozenset(
    (Reason.PAUSED.value, Reason.BREAKER_TRIPPED.value, Reason.GAS_PRICE_ABOVE_CAP.value, TX_IN_FLIGHT)
)
"""Verdicts that hold for every candidate of the block: the best one is journaled with it, and the
rest are not sized (a paused bot, or one waiting for a receipt, spends no time on them)."""


@dataclass(frozen=True, slots=True)
class Tokens:
    """What the pipeline knows of tokens: the native (gas) token, the USD stablecoin, decimals and
    symbols by address."""

    native: str
    usd_token: str
    decimals: Mapping[str, int]
    symbols: Mapping[str, str] = field(default_factory=dict)
    """Lower-case address -> symbol (for readable routes)."""

    @classmethod
    def from_book(cls, book: AddressBook, usd_symbol: str = "USDC") -> Tokens:
        return cls(
            native=book.token("WMATIC").address,
            usd_token=book.token(usd_symbol).address,
            decimals={t.address: t.decimals for t in book.tokens.values()},
            symbols={t.address.lower(): t.symbol for t in book.tokens.values()},
        )


@dataclass(frozen=True, slots=True)
class BlockInput:
    """Everything one block's decision depends on; no RPC handle."""

    market: MarketState
    base_fee: int
    """The block's base fee per gas, wei."""
    lender_liquidity: Mapping[tuple[Lender, str], int] | None = None
    """(lender, asset) -> what it can lend now, read in the block's refresh; None: not read (the
    liquidity guard is then not applied). A pool lender lends from the pool the search sized on."""
    paused: bool = False
    breaker_tripped: bool = False
    in_flight: str | None = None
    """The hash of a transaction of an earlier block still in flight (nothing new is sent)."""
    excluded: frozenset[tuple[Cycle, Lender]] = frozenset()
    """Cycles (with their lender) whose simulation failed earlier in this block."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """A candidate `decide` put to the guards, and their verdict (Reason.TAKEN's value: accepted)."""

    priced: Priced
    reason: str
    detail: str
    calldata: bytes = b""
    """FlashArb.execute calldata of its route (accepted ones only)."""


@dataclass(frozen=True, slots=True)
class BlockDecision:
    """One block's decision."""

    block: int
    fees: FeeQuote
    usd: UsdPricer
    accepted: tuple[Verdict, ...]
    """The trades to simulate and send, in order; each priced on the state the earlier ones leave."""
    rejected: tuple[Verdict, ...]
    """The candidates a guard rejected, in the order they were put to the guards."""
    found: int
    """Net-profitable opportunities sized this block (`Decision.found`)."""
    search: SearchStats
    seconds: float


@dataclass(frozen=True, slots=True)
class BlockHeader:
    """What the pipeline needs of a new block's header."""

    number: int
    base_fee: int
    hash: str = ""
    """The block's hash, 0x-hex lower case ("" when the source gave none)."""
    parent_hash: str = ""
    """Its parent's hash, same form."""


@dataclass(frozen=True, slots=True)
class Controls:
    """The operator's and the breaker's state at the start of a block."""

    paused: bool = False
    breaker_tripped: bool = False
    head: int | None = None
    """The newest head known (for the lag metric)."""


@dataclass(slots=True)
class ChainIO:
    """The pipeline's I/O: the reader (pools and lender balances), the simulator, the transaction
    manager, and where its events go."""

    reader: MarketReader
    lenders: LenderBook
    simulator: Simulator
    transactions: TransactionManager
    breaker: CircuitBreaker
    publish: Callable[[Event], None]
    flasharb: str
    dry_run: bool = True


def _key(o: Opportunity) -> tuple[Cycle, Lender, int]:
    return (o.cycle, o.lender, o.amount_in)


class BlockPipeline:
    """See the module docstring. Build it with `bot.runtime.assemble` (with I/O) or `offline`."""

    def __init__(
        self,
        searcher: Searcher,
        guards: Guards,
        pricer: GasPricer,
        tokens: Tokens,
        *,
        max_trades: int = 1,
        journal_per_block: int = 10,
        simulations_per_block: int = 3,
        io: ChainIO | None = None,
        tolerance: Tolerance | None = None,
    ) -> None:
        self.searcher = searcher
        self.tolerance = tolerance or Tolerance()
        """How far below the prediction a route may come out (its minProfit and per-hop minOut)."""
        self.guards = guards
        self.pricer = pricer
        self.tokens = tokens
        self.max_trades = max_trades
        self.journal_per_block = journal_per_block
        """Rejected candidates reported per block at most (the accepted ones always are)."""
        self.simulations_per_block = simulations_per_block
        """Simulations that may fail on moved prices in one block before it gives up."""
        self.io = io
        self.contract_paused = False
        """The last simulation said FlashArb is paused on-chain."""

    @classmethod
    def offline(
        cls,
        searcher: Searcher,
        tokens: Tokens | AddressBook,
        *,
        guards: Guards | None = None,
        pricer: GasPricer | None = None,
        max_trades: int = 1,
    ) -> BlockPipeline:
        """A pipeline without chain access, for `decide` only (the decision benchmark). `guards`
        default to: every lender, no USD minimum or maximum, the default gas cap."""
        if isinstance(tokens, AddressBook):
            tokens = Tokens.from_book(tokens)
        pricer = pricer or GasPricer()
        guards = guards or Guards(
            min_profit_micro_usd=0,
            max_profit_micro_usd=None,
            max_gas_price_wei=pricer.cap_wei,
            lenders=frozenset(LenderSource),
        )
        return cls(searcher, guards, pricer, tokens, max_trades=max_trades)

    # --- CPU only -------------------------------------------------------------------------------

    def _calldata(self, opportunity: Opportunity) -> bytes:
        """FlashArb.execute calldata of the opportunity's route, with the floors of `tolerance`."""
        return execute_calldata(encode(route_for(opportunity, tolerance=self.tolerance)))

    def prices(self, market: MarketState) -> UsdPricer:
        """USD prices on `market` (through the stablecoin, taken as $1)."""
        # the searcher walks the prices over an adjacency it keeps while the pool set stays the same
        table = self.searcher.price_table(market, (self.tokens.usd_token, self.tokens.native))
        return UsdPricer(table, self.tokens.usd_token, self.tokens.decimals.get(self.tokens.usd_token, 6))

    def decide(self, block: BlockInput) -> BlockDecision:
        """The block's trades (module docstring). Pure but for the searcher's sizing cache."""
        started = time.perf_counter()
        market = block.market
        usd = self.prices(market)
        prices = usd.prices
        fees = self.pricer.quote(block.base_fee)
        verdicts: list[Verdict] = []

        def admit(opportunity: Opportunity) -> str | None:
            verdict = self._verdict(opportunity, block, usd, fees)
            verdicts.append(verdict)
            if verdict.reason == Reason.TAKEN.value:
                return None
            return BlockWide(verdict.reason) if verdict.reason in _BLOCK_WIDE else verdict.reason

        decision = self.searcher.decide(
            market, fees.expected, prices, max_trades=self.max_trades, admit=admit
        )
        chosen = {_key(o) for o in decision.chosen}
        accepted = tuple(
            Verdict(v.priced, v.reason, v.detail, self._calldata(v.priced.opportunity))
            for v in verdicts
            if v.reason == Reason.TAKEN.value and _key(v.priced.opportunity) in chosen
        )
        rejected = tuple(v for v in verdicts if v.reason != Reason.TAKEN.value)
        return BlockDecision(
            market.block,
            fees,
            usd,
            accepted,
            rejected,
            decision.found,
            decision.stats,
            time.perf_counter() - started,
        )

    def price(self, opportunity: Opportunity, usd: UsdPricer) -> Priced:
        decimals = self.tokens.decimals.get(opportunity.asset)
        predicted = predicted_profit(opportunity)
        return Priced(
            opportunity,
            describe(opportunity, self.tokens.symbols),
            self.tokens.symbols.get(opportunity.asset.lower(), ""),
            predicted,
            None if decimals is None else usd.micro(opportunity.asset, decimals, predicted),
            None if decimals is None else usd.micro(opportunity.asset, decimals, opportunity.net_profit),
        )

    def _verdict(
        self, opportunity: Opportunity, block: BlockInput, usd: UsdPricer, fees: FeeQuote
    ) -> Verdict:
        priced = self.price(opportunity, usd)
        if (opportunity.cycle, opportunity.lender) in block.excluded:
            return Verdict(priced, SIMULATION_FAILED, "its simulation failed earlier in this block")
        decimals = self.tokens.decimals.get(opportunity.asset)
        available = opportunity.amount_in
        if block.lender_liquidity is not None and opportunity.lender in (Lender.AAVE, Lender.BALANCER):
            available = block.lender_liquidity.get((opportunity.lender, opportunity.asset), 0)
        candidate = Candidate(
            lender=lender_source(opportunity.lender),
            amount_borrowed=opportunity.amount_in,
            net_profit=opportunity.net_profit,
            asset_decimals=decimals or 0,
            asset_price=None if decimals is None else usd.price(opportunity.asset, decimals),
            max_fee_per_gas=fees.needed,
            lender_liquidity=available,
        )
        decision = self.guards.check(candidate, paused=block.paused, breaker_tripped=block.breaker_tripped)
        if not decision.taken:
            return Verdict(priced, decision.reason.value, decision.detail)
        if block.in_flight is not None:
            return Verdict(priced, TX_IN_FLIGHT, f"waiting for {block.in_flight} to be mined")
        return Verdict(priced, Reason.TAKEN.value, decision.detail)

    # --- with the chain ---------------------------------------------------------------------------

    def step(self, header: BlockHeader, controls: Controls) -> BlockReport:
        """Process one new block: refresh, settle what is in flight, decide, simulate, send. Publishes
        one OpportunityDecided per verdict; returns the block's report."""
        io = self.io
        if io is None:
            raise RuntimeError("an offline pipeline only decides; build it with assemble to step")
        started = time.perf_counter()
        number = header.number
        report = BlockReport(number)
        read = io.reader.read(number)
        report.failed_pools = len(read.refresh.failed)
        market = read.refresh.market
        txs = io.transactions
        txs.prices = self.prices(market)
        self._count(report, txs.poll(number))
        earlier = txs.earlier(number)
        block = BlockInput(
            market,
            header.base_fee,
            io.lenders.available(read.balances),
            controls.paused,
            controls.breaker_tripped,
            None if earlier is None else earlier.latest.hash,
        )
        reported: set[tuple[Cycle, Lender, int]] = set()
        rejections = 0
        excluded: set[tuple[Cycle, Lender]] = set()
        sent_any = False
        first_send: float | None = None
        sent_block = max(number, controls.head or number)
        """The chain's head as the loop knows it: a transaction's stuck age counts from its send."""
        for attempt in range(self.simulations_per_block):
            decision = self.decide(block)
            if attempt == 0:
                report.opportunities = decision.found
            for verdict in decision.rejected:
                key = _key(verdict.priced.opportunity)
                if key in reported or rejections >= self.journal_per_block:
                    continue
                reported.add(key)
                rejections += 1
                self._decided(report, io, number, verdict.priced, verdict.reason, verdict.detail)
            retry = False
            failed_pools: set[str] = set()
            for k, verdict in enumerate(decision.accepted):
                opportunity = verdict.priced.opportunity
                reported.add(_key(opportunity))
                if failed_pools.intersection(opportunity.pools):
                    self._decided(
                        report,
                        io,
                        number,
                        verdict.priced,
                        NOT_SELECTED,
                        "priced after a trade of this block that failed its simulation",
                    )
                    continue
                # An Algebra pool's fee and gas depend on the block time (its first swap of a block writes a
                # timepoint and recomputes the fee): such a trade is simulated in the next block's env.
                next_block = sent_any or any(h.kind is HopKind.ALGEBRA for h in opportunity.hops)
                try:
                    simulation = io.simulator.run(verdict.calldata, "pending" if next_block else "latest")
                except NodeReplyError as exc:
                    # the node refused to run it (-32000 "header not found", "out of gas", ...): no
                    # verdict on the trade and nothing sent; the block's other verdicts still count
                    logger.warning("block %d: the node could not simulate: %s", number, exc)
                    for rest in decision.accepted[k:]:
                        self._decided(report, io, number, rest.priced, NOT_SELECTED, f"not simulated: {exc}")
                    break
                if not simulation.ok:
                    assert simulation.revert is not None
                    revert = simulation.revert
                    self._decided(report, io, number, verdict.priced, SIMULATION_FAILED, simulation.reason)
                    logger.info("block %d: simulation failed, not sent: %s", number, simulation.reason)
                    if revert.name == "TradingPaused":
                        if not self.contract_paused:
                            logger.error(
                                "FlashArb %s is paused on-chain: nothing can be sent until its owner "
                                "unpauses it",
                                io.flasharb,
                            )
                        self.contract_paused = True
                    if not revert.market_moved:
                        if not report.simulation_fault:
                            # one count per block: a fault (paused contract, lost role) fails every
                            # candidate alike
                            report.simulation_fault = True
                            io.breaker.record_failure(f"simulation failed: {revert}")
                        for rest in decision.accepted[k + 1 :]:
                            self._decided(
                                report,
                                io,
                                number,
                                rest.priced,
                                NOT_SELECTED,
                                f"not simulated: the block's simulation failed with {revert}",
                            )
                        break
                    if not sent_any:
                        excluded.add((opportunity.cycle, opportunity.lender))
                        retry = True
                        break
                    failed_pools.update(opportunity.pools)
                    continue
                self.contract_paused = False
                assert simulation.gas_estimate is not None
                if io.dry_run:
                    self._decided(
                        report,
                        io,
                        number,
                        verdict.priced,
                        Reason.TAKEN.value,
                        f"dry run: simulation passed (gas estimate {simulation.gas_estimate}); not sent. "
                        f"{verdict.detail}",
                        gas_estimate=simulation.gas_estimate,
                    )
                    continue
                ticket = Ticket()
                opening = OpportunityDecided(
                    number,
                    ticket,
                    verdict.priced,
                    Reason.TAKEN.value,
                    verdict.detail,
                    simulation.gas_estimate,
                )
                try:
                    sent = txs.broadcast(
                        verdict.calldata,
                        simulation.gas_estimate,
                        decision.fees,
                        ticket=ticket,
                        opening=opening,
                        block=sent_block,
                    )
                except JournalUnavailable as exc:
                    logger.error("block %d: not sent: %s", number, exc)
                    self._decided(
                        report,
                        io,
                        number,
                        verdict.priced,
                        JOURNAL_UNAVAILABLE,
                        str(exc),
                        gas_estimate=simulation.gas_estimate,
                        ticket=ticket,
                    )
                    break
                except (SendError, RpcError) as exc:
                    logger.error("block %d: send failed: %s", number, exc)
                    self._decided(
                        report,
                        io,
                        number,
                        verdict.priced,
                        Reason.TAKEN.value,
                        verdict.detail,
                        gas_estimate=simulation.gas_estimate,
                        send_error=str(exc),
                        ticket=ticket,
                    )
                    break  # the next trades would take the nonce after one that was not sent
                if first_send is None:
                    first_send = time.perf_counter()
                sent_any = True
                report.sent += 1
                ticket = self._decided(
                    report,
                    io,
                    number,
                    verdict.priced,
                    Reason.TAKEN.value,
                    verdict.detail,
                    gas_estimate=simulation.gas_estimate,
                    sent=sent,
                    ticket=ticket,
                )
                settled = Settled()
                txs.track(
                    ticket, sent, sent_block, opportunity.asset, verdict.priced.predicted_profit, settled
                )
                self._count(report, settled)
            if not retry:
                break
            block = BlockInput(
                block.market,
                block.base_fee,
                block.lender_liquidity,
                block.paused,
                block.breaker_tripped,
                block.in_flight,
                frozenset(excluded),
            )
        report.decision_seconds = (first_send or time.perf_counter()) - started
        report.head_lag = max(0, (controls.head or number) - number)
        return report

    @staticmethod
    def _count(report: BlockReport, settled: Settled) -> None:
        report.mined += settled.mined
        report.reverted += settled.reverted

    @staticmethod
    def _decided(
        report: BlockReport,
        io: ChainIO,
        block: int,
        priced: Priced,
        reason: str,
        detail: str,
        *,
        gas_estimate: int | None = None,
        sent: SentTransaction | None = None,
        send_error: str | None = None,
        ticket: Ticket | None = None,
    ) -> Ticket:
        ticket = ticket or Ticket()
        report.decisions[reason] = report.decisions.get(reason, 0) + 1
        io.publish(OpportunityDecided(block, ticket, priced, reason, detail, gas_estimate, sent, send_error))
        return ticket
