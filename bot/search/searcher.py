"""The per-block search: screen every cycle, size the promising ones, price them, rank them, and pick a
set that can all be taken.

    searcher = Searcher(cycles, lenders, native=book.token("WMATIC").address)
    decision = searcher.decide(market, fee_per_gas)     # the block's trades, best first
    # or, to see every opportunity of the block:
    result = searcher.search(market, fee_per_gas)       # ranked, net-profitable opportunities
    chosen = searcher.select(result.opportunities, market, fee_per_gas)

Pure: snapshots in, opportunities out, no I/O.

The screen sums each cycle's marginal log-rates (one float per directed pool edge, computed once per
block) with numpy, and passes a cycle only if its rate product beats 1 plus the cheapest lender's fee
(see bot.search.quote for why that never drops a profitable cycle). Only those are sized.

`decide` goes further and sizes lazily, best bound first: each cycle that passed the screen gets a
safe upper bound on its net profit (bot.search.bounds); the one with the highest key (a bound, or an
exact net profit once sized) is sized, or taken when its exact profit is the highest key left. A cycle
whose pools a taken trade moved is bounded again on the state after that trade. This takes the same
trades as `select(search(...))` (both take the best that still pays and re-evaluate what shares a
pool with it), while sizing only the cycles that could still win.

Sizing is a pure function of the cycle, the lender option and its pools' states, so its result is
kept from one block to the next, keyed by those states' values (`state_key`): a cycle whose pools did
not move is not sized again, and neither is one re-sized on the state an identical trade left
(blocks often repeat the same trades). Results unused for a whole block are dropped. The amounts are
still re-run with the exact integer math and priced at the block's gas fee and prices.
"""

from __future__ import annotations

import heapq
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.amm.v3_pool import swap
from bot.errors import ConfigError
from bot.market.snapshots import BalancerPoolSnapshot, PoolSnapshot, V2PairSnapshot, V3PoolSnapshot
from bot.market.state import MarketState
from bot.search.apply import after_trade
from bot.search.bounds import HopBound, cycle_bound, hop_bound
from bot.search.gas import GasModel
from bot.search.graph import Cycle, Leg
from bot.search.lenders import LenderOption, LenderTerms
from bot.search.opportunity import HopQuote, Opportunity
from bot.search.prices import PriceTable, build_price_table
from bot.search.quote import Quoter, log_rate, quoter, virtual_reserves
from bot.search.sizing import Sized, compose, optimum, size_bracketed, size_constant_product

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SearchConfig:
    """Knobs of the search."""

    min_net_profit_native: int = 1
    """Report only opportunities whose net profit is worth at least this much native (WMATIC wei)."""
    screen_tolerance: float = 1e-9
    """Slack in log space granted to the screen's float sums (in favour of sizing a cycle)."""
    rel_tol: float = 1e-5
    """The golden-section search stops when its interval is this fraction of the input."""
    scan_limit: int = 1024
    """Most integers the constant-product sizer scans to make its answer the exact integer optimum:
    only shallow pools have so few candidates (in deep ones the closed form's neighbours are kept)."""
    max_evaluations: int = 120
    """Most exact evaluations of one cycle in the bracketed search."""

    def __post_init__(self) -> None:
        if self.screen_tolerance < 0:
            raise ConfigError(f"screen_tolerance must not be negative, got {self.screen_tolerance}")
        if not 0 < self.rel_tol < 1:
            raise ConfigError(f"rel_tol must be in (0, 1), got {self.rel_tol}")
        if self.scan_limit < 1 or self.max_evaluations < 10:
            raise ConfigError(
                "scan_limit must be >= 1 and max_evaluations >= 10, "
                f"got {self.scan_limit} and {self.max_evaluations}"
            )


@dataclass(frozen=True, slots=True)
class SearchStats:
    """What one search did (for logs, metrics and benchmarks)."""

    cycles: int
    """Cycles considered."""
    passed_screen: int
    """Cycles the screen let through to sizing."""
    profitable: int
    """Sized cycles with a net profit above the minimum."""
    evaluations: int
    """Exact cycle evaluations the sizers ran."""
    screen_seconds: float
    """Time to rate the edges and screen the cycles."""
    sizing_seconds: float
    """Time to size and price the cycles that passed (for decide: bounds, sizing and selection)."""
    sized: int = 0
    """Cycles sized exactly (search: all that passed the screen; decide: those the bounds let through)."""


@dataclass(frozen=True, slots=True)
class Decision:
    """The trades of one block."""

    chosen: tuple[Opportunity, ...]
    """Opportunities to take, in the order taken; each priced on the state the earlier ones leave."""
    stats: SearchStats


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Ranked opportunities of one block."""

    opportunities: tuple[Opportunity, ...]
    """Net-profitable opportunities, best first (by net profit in native units)."""
    stats: SearchStats


def state_key(snapshot: PoolSnapshot) -> object:
    """What a pool's quotes depend on, as a hashable value (the block number left out): two snapshots
    with equal keys quote every amount the same."""
    if isinstance(snapshot, V2PairSnapshot):
        return (snapshot.address, snapshot.reserve0, snapshot.reserve1, snapshot.fee_bps)
    return snapshot.state


class Searcher:
    """Searches a fixed set of cycles block after block."""

    def __init__(
        self,
        cycles: Sequence[Cycle],
        lenders: LenderTerms,
        *,
        native: str,
        gas: GasModel | None = None,
        config: SearchConfig | None = None,
    ) -> None:
        """`cycles`: from bot.search.graph.enumerate_cycles; `native`: the wrapped gas token (WMATIC),
        the unit gas is paid in and opportunities are ranked in."""
        self.cycles = tuple(cycles)
        self.lenders = lenders
        self.native = native
        self.gas = gas or GasModel()
        self.config = config or SearchConfig()
        self.options: list[list[LenderOption]] = [lenders.options(c) for c in self.cycles]
        edge_ids: dict[Leg, int] = {}
        for cycle in self.cycles:
            for leg in cycle.legs:
                edge_ids.setdefault(leg, len(edge_ids))
        self.edges: tuple[Leg, ...] = tuple(edge_ids)
        pad = len(self.edges)  # an extra edge whose log-rate is always 0
        matrix = np.full((len(self.cycles), 4), pad, dtype=np.int64)
        for row, cycle in enumerate(self.cycles):
            for col, leg in enumerate(cycle.legs):
                matrix[row, col] = edge_ids[leg]
        self.matrix = matrix
        self.cycle_edges: list[tuple[int, ...]] = [
            tuple(edge_ids[leg] for leg in c.legs) for c in self.cycles
        ]
        self.cycle_pools: list[frozenset[str]] = [frozenset(c.pools) for c in self.cycles]
        self.pool_edges: dict[str, list[int]] = {}
        for k, leg in enumerate(self.edges):
            self.pool_edges.setdefault(leg.pool, []).append(k)
        self.min_gas_units: list[int] = [
            min((self.gas.units(o.lender, [leg.kind for leg in c.legs]) for o in opts), default=0)
            for c, opts in zip(self.cycles, self.options, strict=True)
        ]
        """Gas of each cycle with its cheapest-gas lender and no V3 tick crossed: a lower bound."""
        self._sized: dict[tuple[Cycle, LenderOption, tuple[object, ...]], Sized | None] = {}
        """Sizing results of this block (see the module docstring)."""
        self._sized_before: dict[tuple[Cycle, LenderOption, tuple[object, ...]], Sized | None] = {}
        """Sizing results of the block before, promoted to `_sized` when used again."""
        self.thresholds = np.array(
            [math.log1p(opts[0].fee_bps / 10_000) if opts else math.inf for opts in self.options],
            dtype=np.float64,
        )

    # --- the screen -----------------------------------------------------------------------------

    def edge_log_rates(self, market: MarketState) -> npt.NDArray[Any]:
        """log marginal rate of every edge on this block's snapshots (-inf for a pool not in the
        market: it failed to refresh); the last entry is the padding 0."""
        rates = np.empty(len(self.edges) + 1, dtype=np.float64)
        curve_d: dict[str, int] = {}
        pools = market.pools
        for k, leg in enumerate(self.edges):
            snapshot = pools.get(leg.pool)
            rates[k] = -math.inf if snapshot is None else log_rate(snapshot, leg, curve_d)
        rates[-1] = 0.0
        return rates

    def screen(self, market: MarketState) -> npt.NDArray[Any]:
        """Indices of the cycles whose marginal rate product beats 1 + the cheapest lender fee."""
        if not self.cycles:
            return np.empty(0, dtype=np.int64)
        sums = self.edge_log_rates(market)[self.matrix].sum(axis=1)
        passing = np.nonzero(sums > self.thresholds - self.config.screen_tolerance)[0]
        # best first: the likeliest winners are sized first
        return passing[np.argsort(-sums[passing], kind="stable")]

    # --- sizing and pricing one cycle -------------------------------------------------------------

    def new_block(self) -> None:
        """Start a block: the sizing results of the last block stay available one more block."""
        self._sized_before = self._sized
        self._sized = {}

    def forget(self) -> None:
        """Drop every kept sizing result (the next block sizes from scratch)."""
        self._sized_before = {}
        self._sized = {}

    def evaluate(
        self,
        cycle: Cycle,
        market: MarketState,
        fee_per_gas: int,
        prices: PriceTable,
        options: Sequence[LenderOption] | None = None,
    ) -> tuple[Opportunity | None, int]:
        """The best opportunity `cycle` offers on `market` (None if it cannot be priced or no input is
        profitable before gas), and the number of exact evaluations spent."""
        if options is None:
            options = self.lenders.options(cycle)
        snapshots = [market.pools.get(leg.pool) for leg in cycle.legs]
        if not options or any(s is None for s in snapshots):
            return None, 0
        present: list[PoolSnapshot] = [s for s in snapshots if s is not None]
        quoters = [quoter(s, leg) for s, leg in zip(present, cycle.legs, strict=True)]
        states = tuple(state_key(s) for s in present)
        evaluations = 0
        best: Opportunity | None = None
        for option in options:
            key = (cycle, option, states)
            if key in self._sized:
                sized = self._sized[key]
            elif key in self._sized_before:
                sized = self._sized[key] = self._sized_before[key]
            else:
                sized = self._sized[key] = self._size(cycle, present, quoters, option)
                if sized is not None:
                    evaluations += sized.evaluations
            if sized is None or sized.profit <= 0:
                if option.cap is None:
                    break
                continue
            found = self._price(cycle, present, option, sized, market.block, fee_per_gas, prices)
            if found is not None and (best is None or found.net_profit > best.net_profit):
                best = found
            if option.cap is None or sized.amount_in < option.cap:
                break  # a dearer lender cannot beat an unconstrained cheaper one
        return best, evaluations

    def _size(
        self, cycle: Cycle, snapshots: Sequence[PoolSnapshot], quoters: list[Quoter], option: LenderOption
    ) -> Sized | None:
        config = self.config
        if all(isinstance(s, V2PairSnapshot) for s in snapshots):
            hops = []
            for snapshot, leg in zip(snapshots, cycle.legs, strict=True):
                assert isinstance(snapshot, V2PairSnapshot)
                reserve_in, reserve_out = snapshot.reserves(leg.token_in)
                if reserve_in <= 0 or reserve_out <= 0:
                    return None
                fee = snapshot.fee
                hops.append((reserve_in, reserve_out, fee.numerator, fee.denominator))
            return size_constant_product(
                hops,
                quoters,
                option.fee_bps,
                lender_fee=option.fee,
                scan_limit=config.scan_limit,
                max_amount=option.cap,
            )
        approximations = [virtual_reserves(s, leg) for s, leg in zip(snapshots, cycle.legs, strict=True)]
        guess = None
        if all(a is not None for a in approximations):
            guess = optimum(*compose([a for a in approximations if a is not None]), option.fee_bps)
        return size_bracketed(
            quoters,
            guess,
            option.fee,
            max_amount=option.cap,
            rel_tol=config.rel_tol,
            max_evaluations=config.max_evaluations,
        )

    def _price(
        self,
        cycle: Cycle,
        snapshots: Sequence[PoolSnapshot],
        option: LenderOption,
        sized: Sized,
        block: int,
        fee_per_gas: int,
        prices: PriceTable,
    ) -> Opportunity | None:
        hops = []
        amount = sized.amount_in
        crossed = 0
        for snapshot, leg in zip(snapshots, cycle.legs, strict=True):
            out = quoter(snapshot, leg)(amount)
            extra: dict[str, object] = {}
            if isinstance(snapshot, V2PairSnapshot):
                extra = {"zero_for_one": leg.zero_for_one, "fee_bps": snapshot.fee_bps, "dex": snapshot.dex}
            elif isinstance(snapshot, V3PoolSnapshot):
                ticks = swap(snapshot.state, leg.zero_for_one, amount).ticks_crossed
                crossed += ticks
                extra = {"zero_for_one": leg.zero_for_one, "ticks_crossed": ticks}
            elif isinstance(snapshot, BalancerPoolSnapshot):
                extra = {
                    "pool_id": snapshot.state.pool_id,
                    "index_in": leg.index_in,
                    "index_out": leg.index_out,
                }
            else:
                extra = {"index_in": leg.index_in, "index_out": leg.index_out}
            hops.append(HopQuote(leg.kind, leg.pool, leg.token_in, leg.token_out, amount, out, **extra))  # type: ignore[arg-type]
            amount = out
        if amount != sized.amount_out:
            raise AssertionError(f"cycle {cycle}: re-run gives {amount}, the sizer saw {sized.amount_out}")
        units = self.gas.units(option.lender, (leg.kind for leg in cycle.legs), crossed)
        gas_cost = prices.from_native(cycle.asset, units * fee_per_gas)
        if gas_cost is None:
            logger.debug("search: no on-chain price for %s; cycle %s skipped", cycle.asset, cycle)
            return None
        lender_fee = option.fee(sized.amount_in)
        net = sized.amount_out - sized.amount_in - lender_fee - gas_cost
        net_native = prices.to_native(cycle.asset, net)
        assert net_native is not None
        return Opportunity(
            block=block,
            cycle=cycle,
            lender=option.lender,
            amount_in=sized.amount_in,
            amount_out=sized.amount_out,
            hops=tuple(hops),
            lender_fee=lender_fee,
            gas_units=units,
            gas_cost=gas_cost,
            net_profit=net,
            net_profit_native=net_native,
        )

    # --- the whole block --------------------------------------------------------------------------

    def _open_block(
        self, market: MarketState, fee_per_gas: int, prices: PriceTable | None
    ) -> tuple[float, PriceTable, npt.NDArray[Any], float]:
        """The start shared by `search` and `decide`: check the fee, start the block's sizing cache,
        price the block and screen it. Returns (start time, prices, passing cycles, screen end time)."""
        if fee_per_gas < 0:
            raise ConfigError(f"fee_per_gas must not be negative, got {fee_per_gas}")
        started = time.perf_counter()
        self.new_block()
        if prices is None:
            prices = build_price_table(market, self.native)
        passing = self.screen(market)
        return started, prices, passing, time.perf_counter()

    def search(self, market: MarketState, fee_per_gas: int, prices: PriceTable | None = None) -> SearchResult:
        """Screen, size and price every cycle on `market`; the net-profitable ones, best first."""
        started, prices, passing, screened = self._open_block(market, fee_per_gas, prices)
        found = []
        evaluations = 0
        for index in passing:
            opportunity, spent = self.evaluate(
                self.cycles[index], market, fee_per_gas, prices, self.options[index]
            )
            evaluations += spent
            if opportunity is not None and opportunity.net_profit_native >= self.config.min_net_profit_native:
                found.append(opportunity)
        found.sort(key=lambda o: (-o.net_profit_native, o.cycle.pools))
        done = time.perf_counter()
        stats = SearchStats(
            len(self.cycles),
            len(passing),
            len(found),
            evaluations,
            screened - started,
            done - screened,
            len(passing),
        )
        logger.debug(
            "search: block %d, %d cycles, %d passed the screen, %d profitable, %d evaluations, %.1f ms",
            market.block,
            stats.cycles,
            stats.passed_screen,
            stats.profitable,
            evaluations,
            1e3 * (done - started),
        )
        return SearchResult(tuple(found), stats)

    def select(
        self,
        opportunities: Sequence[Opportunity],
        market: MarketState,
        fee_per_gas: int,
        prices: PriceTable | None = None,
        *,
        limit: int | None = None,
    ) -> list[Opportunity]:
        """Take opportunities best first. One that shares a pool with an opportunity already taken is
        re-sized on the market as the taken trades leave it; if it still pays it goes back in line at
        its new rank (and is re-sized again should another trade touch its pools before its turn)."""
        if prices is None:
            prices = build_price_table(market, self.native)
        taken: list[Opportunity] = []
        state = market
        # (rank key, tie-break, number of trades taken when it was priced, opportunity)
        queue = [(-o.net_profit_native, k, 0, o) for k, o in enumerate(opportunities)]
        heapq.heapify(queue)
        counter = len(queue)
        while queue and (limit is None or len(taken) < limit):
            _, _, priced_after, opportunity = heapq.heappop(queue)
            touched_since = {p for o in taken[priced_after:] for p in o.pools}
            if touched_since.intersection(opportunity.pools):
                again, _ = self.evaluate(opportunity.cycle, state, fee_per_gas, prices)
                if again is None or again.net_profit_native < self.config.min_net_profit_native:
                    logger.debug(
                        "select: %s no longer pays after the trades taken before it", opportunity.cycle
                    )
                    continue
                heapq.heappush(queue, (-again.net_profit_native, counter, len(taken), again))
                counter += 1
                continue
            taken.append(opportunity)
            state = after_trade(state, opportunity)
        return taken

    def decide(
        self,
        market: MarketState,
        fee_per_gas: int,
        prices: PriceTable | None = None,
        *,
        max_trades: int | None = None,
    ) -> Decision:
        """The block's trades: screen, then size lazily in order of a safe profit bound (class
        docstring). At most `max_trades` are taken."""
        started, prices, passing, screened = self._open_block(market, fee_per_gas, prices)
        minimum = self.config.min_net_profit_native
        state = market
        taken: list[Opportunity] = []
        hop_bounds: list[HopBound | None] = [None] * len(self.edges)
        v3_liquidity: dict[tuple[str, bool], int] = {}
        evaluations = sized = 0
        # entries: (-key, sequence, trades taken when computed, cycle index, opportunity or None)
        queue: list[tuple[int, int, int, int, Opportunity | None]] = []
        sequence = 0

        def push_bound(index: int) -> None:
            nonlocal sequence
            key = self._bound_native(index, state, fee_per_gas, prices, hop_bounds, v3_liquidity)
            if key is not None and key >= minimum:
                heapq.heappush(queue, (-key, sequence, len(taken), index, None))
                sequence += 1

        for index in passing:
            push_bound(int(index))
        while queue and (max_trades is None or len(taken) < max_trades):
            _, _, version, index, opportunity = heapq.heappop(queue)
            cycle = self.cycles[index]
            if version < len(taken) and any(
                not self.cycle_pools[index].isdisjoint(o.pools) for o in taken[version:]
            ):
                push_bound(index)  # priced on a state that has since changed
                continue
            if opportunity is None:
                found, spent = self.evaluate(cycle, state, fee_per_gas, prices, self.options[index])
                evaluations += spent
                sized += 1
                if found is not None and found.net_profit_native >= minimum:
                    heapq.heappush(queue, (-found.net_profit_native, sequence, len(taken), index, found))
                    sequence += 1
                continue
            taken.append(opportunity)
            state = after_trade(state, opportunity)
            for pool in opportunity.pools:  # their bounds change with the trade
                for edge in self.pool_edges.get(pool, ()):
                    hop_bounds[edge] = None
                v3_liquidity.pop((pool, True), None)
                v3_liquidity.pop((pool, False), None)
        done = time.perf_counter()
        stats = SearchStats(
            len(self.cycles),
            len(passing),
            len(taken),
            evaluations,
            screened - started,
            done - screened,
            sized,
        )
        logger.debug(
            "decide: block %d, %d cycles, %d passed the screen, %d sized, %d taken, %.1f ms",
            market.block,
            stats.cycles,
            stats.passed_screen,
            sized,
            len(taken),
            1e3 * (done - started),
        )
        return Decision(tuple(taken), stats)

    def _bound_native(
        self,
        index: int,
        market: MarketState,
        fee_per_gas: int,
        prices: PriceTable,
        hop_bounds: list[HopBound | None],
        v3_liquidity: dict[tuple[str, bool], int],
    ) -> int | None:
        """An upper bound on the cycle's net profit on `market`, in native units (None: unpriced or
        a pool missing). `hop_bounds` caches each edge's bound (by edge id) for the current state."""
        options = self.options[index]
        if not options:
            return None
        bounds = []
        for edge in self.cycle_edges[index]:
            bound = hop_bounds[edge]
            if bound is None:
                leg = self.edges[edge]
                snapshot = market.pools.get(leg.pool)
                if snapshot is None:
                    return None
                bound = hop_bound(snapshot, leg, v3_liquidity)
                hop_bounds[edge] = bound
            bounds.append(bound)
        gross = cycle_bound(bounds, options[0].fee_bps / 10_000)
        if gross <= 0:
            return None
        asset = self.cycles[index].asset
        gas_cost = prices.from_native(asset, self.min_gas_units[index] * fee_per_gas)
        if gas_cost is None:
            return None
        if math.isinf(gross):
            return 1 << 255
        net = (
            math.ceil(gross) + 1 - gas_cost
        )  # + 1: Aave's fee rounds half up, so it can be 1/2 below the rate
        value = prices.to_native(asset, net)
        return None if value is None else value + 1
