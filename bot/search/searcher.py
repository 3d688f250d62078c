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
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.amm.v3_pool import swap
from bot.errors import ConfigError
from bot.market.snapshots import (
    BalancerPoolSnapshot,
    BalancerStablePoolSnapshot,
    PoolSnapshot,
    V2PairSnapshot,
    V3PoolSnapshot,
)
from bot.market.state import MarketState
from bot.route.model import HopKind
from bot.search.apply import after_trade
from bot.search.bounds import HopBound, HopModel, cycle_bound, hop_bound, hop_model, model_bound
from bot.search.gas import GasModel
from bot.search.graph import Cycle, Leg
from bot.search.lenders import LenderOption, LenderTerms
from bot.search.opportunity import HopQuote, Opportunity
from bot.search.prices import Adjacency, PriceTable, build_price_table, price_adjacency
from bot.search.quote import Quoter, log_rate, quoter, virtual_reserves
from bot.search.sizing import Sized, compose, optimum, size_bracketed, size_constant_product

logger = logging.getLogger(__name__)


class BlockWide(str):
    """A rejection from `decide`'s `admit` that holds for every candidate of the block (sending paused,
    the breaker tripped, the fee above its cap, a trade still in flight): decide stops at it rather
    than size every other candidate only to reject it too."""


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
    rejected: tuple[tuple[Opportunity, str], ...] = ()
    """Candidates `admit` turned down, with its reason, in the order they were put to it. None of
    them was applied to the state."""
    found: int = 0
    """Net-profitable opportunities sized this block (each cycle counted once, before `admit`): with
    the lazy, bound-ordered sizing this counts only the cycles that could still win."""


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Ranked opportunities of one block."""

    opportunities: tuple[Opportunity, ...]
    """Net-profitable opportunities, best first (by net profit in native units)."""
    stats: SearchStats


_MISSING = object()


def _rate_key(snapshot: PoolSnapshot) -> object:
    """What a pool's marginal rates depend on (cheap to build and compare)."""
    if isinstance(snapshot, V2PairSnapshot):
        return (snapshot.reserve0, snapshot.reserve1, snapshot.fee_bps)
    if isinstance(snapshot, V3PoolSnapshot):
        return (snapshot.state.sqrt_price_x96, snapshot.state.fee)
    if isinstance(snapshot, BalancerPoolSnapshot):
        weighted = snapshot.state
        return (weighted.balances, weighted.normalized_weights, weighted.swap_fee_percentage)
    if isinstance(snapshot, BalancerStablePoolSnapshot):
        stable = snapshot.state
        return (stable.balances, stable.scaling_factors, stable.amp, stable.swap_fee_percentage)
    curve = snapshot.state
    return (curve.balances, curve.precision_multipliers, curve.amp, curve.fee, curve.a_precision)


def state_key(snapshot: PoolSnapshot) -> object:
    """What a pool's quotes depend on, as a hashable value (the block number left out): two snapshots
    with equal keys quote every amount the same."""
    if isinstance(snapshot, V2PairSnapshot):
        return (snapshot.address, snapshot.reserve0, snapshot.reserve1, snapshot.fee_bps)
    return snapshot.state


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A sized cycle with its exact net profit, not yet built into an Opportunity."""

    cycle: Cycle
    snapshots: tuple[PoolSnapshot, ...]
    option: LenderOption
    sized: Sized
    gas_units: int
    gas_cost: int
    lender_fee: int
    net_profit: int
    net_profit_native: int


def _run(cycle: Cycle, snapshots: Sequence[PoolSnapshot], amount: int) -> list[int]:
    """Each hop's exact output for `amount` in."""
    out = []
    for snapshot, leg in zip(snapshots, cycle.legs, strict=True):
        amount = quoter(snapshot, leg)(amount)
        out.append(amount)
    return out


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
            min(
                (
                    self.gas.units(
                        o.lender, [g.kind for g in c.legs], underlying_hops=sum(g.underlying for g in c.legs)
                    )
                    for o in opts
                ),
                default=0,
            )
            for c, opts in zip(self.cycles, self.options, strict=True)
        ]
        """Gas of each cycle with its cheapest-gas lender and no V3 tick crossed: a lower bound."""
        self._sized: dict[tuple[Cycle, LenderOption, tuple[object, ...]], Sized | None] = {}
        """Sizing results of this block (see the module docstring)."""
        self._sized_before: dict[tuple[Cycle, LenderOption, tuple[object, ...]], Sized | None] = {}
        """Sizing results of the block before, promoted to `_sized` when used again."""
        kinds = [{leg.kind for leg in c.legs} for c in self.cycles]
        self.refine: list[bool] = [bool(k & {HopKind.CURVE, HopKind.BALANCER}) for k in kinds]
        """Cycles whose level-1 bound is loose (a Curve or Balancer hop): bounded again at level 2
        before they are sized."""
        self.exact_model: list[bool] = [not k & {HopKind.UNISWAP_V3, HopKind.ALGEBRA} for k in kinds]
        """Cycles whose level-2 model is their exact curve up to float rounding (no V3 hop, whose model
        is a bound at the largest liquidity in range): its peak starts a short bracket."""
        self._guess_hint: list[float] = [math.nan] * len(self.cycles)
        """Where each cycle's level-2 model peaked last time (the next solve starts there)."""
        self._rates = np.full(len(self.edges) + 1, -math.inf, dtype=np.float64)
        self._rates[-1] = 0.0  # the padding edge
        self._rate_keys: dict[str, object] = {}
        """pool -> the `_rate_key` its entries in `_rates` were computed for."""
        self.assets = frozenset(c.asset for c in self.cycles)
        self._adjacency: tuple[tuple[str, ...], Adjacency] | None = None
        """The price walk's adjacency and the pool set (in order) it was built for."""
        self.thresholds = np.array(
            [math.log1p(opts[0].fee_bps / 10_000) if opts else math.inf for opts in self.options],
            dtype=np.float64,
        )

    # --- the screen -----------------------------------------------------------------------------

    def edge_log_rates(self, market: MarketState) -> npt.NDArray[Any]:
        """log marginal rate of every edge on this block's snapshots (-inf for a pool not in the
        market: it failed to refresh); the last entry is the padding 0. A pool's rates are computed
        again only when what they depend on changed since the last call (`_rate_key`)."""
        rates = self._rates
        keys = self._rate_keys
        curve_d: dict[str, int] = {}
        pools = market.pools
        edges = self.edges
        for address, edge_ids in self.pool_edges.items():
            snapshot = pools.get(address)
            if snapshot is None:
                if keys.get(address, _MISSING) is not _MISSING:
                    keys[address] = _MISSING
                    for k in edge_ids:
                        rates[k] = -math.inf
                continue
            key = _rate_key(snapshot)
            if keys.get(address) == key:
                continue
            keys[address] = key
            for k in edge_ids:
                rates[k] = log_rate(snapshot, edges[k], curve_d)
        return rates.copy()

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
        candidate, evaluations = self._assess(cycle, market, fee_per_gas, prices, options)
        if candidate is None:
            return None, evaluations
        return self._price(candidate, market.block, prices), evaluations

    def _assess(
        self,
        cycle: Cycle,
        market: MarketState,
        fee_per_gas: int,
        prices: PriceTable,
        options: Sequence[LenderOption] | None = None,
        guess: tuple[float, int] | None = None,
    ) -> tuple[_Candidate | None, int]:
        """`evaluate` without building the opportunity: the best lender's sizing and its exact net
        profit (the hops' amounts come from the sizer's own exact run; V3 hops are swapped once more
        for the ticks they cross, which the gas depends on). `guess`: (input, lender bps) where a
        float model of a cycle without V3 hops peaks at that lender fee (bot.search.bounds), a start
        close enough for a bracket of the tolerance's width."""
        if options is None:
            options = self.lenders.options(cycle)
        snapshots = [market.pools.get(leg.pool) for leg in cycle.legs]
        if not options or any(s is None for s in snapshots):
            return None, 0
        present: list[PoolSnapshot] = [s for s in snapshots if s is not None]
        quoters: list[Quoter] | None = None
        states = tuple(state_key(s) for s in present)
        evaluations = 0
        best: _Candidate | None = None
        for option in options:
            key = (cycle, option, states)
            if key in self._sized:
                sized = self._sized[key]
            elif key in self._sized_before:
                sized = self._sized[key] = self._sized_before[key]
            else:
                if quoters is None:
                    quoters = [quoter(s, leg) for s, leg in zip(present, cycle.legs, strict=True)]
                sized = self._sized[key] = self._size(cycle, present, quoters, option, guess)
                if sized is not None:
                    evaluations += sized.evaluations
            if sized is None or sized.profit <= 0:
                if option.cap is None:
                    break
                continue
            found = self._net(cycle, present, option, sized, fee_per_gas, prices)
            if found is not None and (best is None or found.net_profit > best.net_profit):
                best = found
            if option.cap is None or sized.amount_in < option.cap:
                break  # a dearer lender cannot beat an unconstrained cheaper one
        return best, evaluations

    def _size(
        self,
        cycle: Cycle,
        snapshots: Sequence[PoolSnapshot],
        quoters: list[Quoter],
        option: LenderOption,
        model_guess: tuple[float, int] | None = None,
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
        first_step = 1.05
        if model_guess is not None and model_guess[0] >= 1 and model_guess[1] == option.fee_bps:
            # the model is the exact curve up to float rounding: a bracket of the tolerance's width
            guess: float | None = model_guess[0]
            first_step = 1 + config.rel_tol
        else:
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
            first_step=first_step,
        )

    def _net(
        self,
        cycle: Cycle,
        snapshots: Sequence[PoolSnapshot],
        option: LenderOption,
        sized: Sized,
        fee_per_gas: int,
        prices: PriceTable,
    ) -> _Candidate | None:
        """The exact net profit of a sized cycle: gas (with the V3 ticks crossed) and the lender's fee
        off its exact output. None if the asset has no price."""
        amounts = sized.amounts
        if len(amounts) != len(snapshots):  # not traced by the sizer: run the hops again
            amounts = tuple(_run(cycle, snapshots, sized.amount_in))
        crossed = 0
        amount = sized.amount_in
        for snapshot, leg, out in zip(snapshots, cycle.legs, amounts, strict=True):
            if isinstance(snapshot, V3PoolSnapshot):
                crossed += swap(snapshot.state, leg.zero_for_one, amount).ticks_crossed
            amount = out
        stable_hops = sum(isinstance(s, BalancerStablePoolSnapshot) for s in snapshots)
        underlying = sum(leg.underlying for leg in cycle.legs)
        units = self.gas.units(
            option.lender,
            (leg.kind for leg in cycle.legs),
            crossed,
            stable_hops=stable_hops,
            underlying_hops=underlying,
        )
        gas_cost = prices.from_native(cycle.asset, units * fee_per_gas)
        if gas_cost is None:
            logger.debug("search: no on-chain price for %s; cycle %s skipped", cycle.asset, cycle)
            return None
        lender_fee = option.fee(sized.amount_in)
        net = sized.amount_out - sized.amount_in - lender_fee - gas_cost
        net_native = prices.to_native(cycle.asset, net)
        assert net_native is not None
        return _Candidate(
            cycle, tuple(snapshots), option, sized, units, gas_cost, lender_fee, net, net_native
        )

    def _price(self, candidate: _Candidate, block: int, prices: PriceTable) -> Opportunity:
        """The opportunity of a candidate, every hop quoted again with the exact math (which must
        give the sizer's amounts)."""
        cycle, sized = candidate.cycle, candidate.sized
        hops = []
        amount = sized.amount_in
        for snapshot, leg in zip(candidate.snapshots, cycle.legs, strict=True):
            out = quoter(snapshot, leg)(amount)
            extra: dict[str, object] = {}
            if isinstance(snapshot, V2PairSnapshot):
                extra = {"zero_for_one": leg.zero_for_one, "fee_bps": snapshot.fee_bps, "dex": snapshot.dex}
            elif isinstance(snapshot, V3PoolSnapshot):
                ticks = swap(snapshot.state, leg.zero_for_one, amount).ticks_crossed
                extra = {"zero_for_one": leg.zero_for_one, "ticks_crossed": ticks, "dex": snapshot.dex}
            elif isinstance(snapshot, (BalancerPoolSnapshot, BalancerStablePoolSnapshot)):
                extra = {
                    "pool_id": snapshot.state.pool_id,
                    "index_in": leg.index_in,
                    "index_out": leg.index_out,
                }
            else:
                extra = {"index_in": leg.index_in, "index_out": leg.index_out, "underlying": leg.underlying}
            hops.append(HopQuote(leg.kind, leg.pool, leg.token_in, leg.token_out, amount, out, **extra))  # type: ignore[arg-type]
            amount = out
        if amount != sized.amount_out:
            raise AssertionError(f"cycle {cycle}: re-run gives {amount}, the sizer saw {sized.amount_out}")
        return Opportunity(
            block=block,
            cycle=cycle,
            lender=candidate.option.lender,
            amount_in=sized.amount_in,
            amount_out=sized.amount_out,
            hops=tuple(hops),
            lender_fee=candidate.lender_fee,
            gas_units=candidate.gas_units,
            gas_cost=candidate.gas_cost,
            net_profit=candidate.net_profit,
            net_profit_native=candidate.net_profit_native,
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
            prices = self.price_table(market)
        passing = self.screen(market)
        return started, prices, passing, time.perf_counter()

    def price_table(self, market: MarketState, also: Collection[str] = ()) -> PriceTable:
        """The block's prices of the cycles' assets and of `also` (build_price_table, walking only as
        far as they need, over an adjacency kept while the pool set stays the same)."""
        pool_set = tuple(market.pools)
        if self._adjacency is None or self._adjacency[0] != pool_set:
            self._adjacency = (pool_set, price_adjacency(market))
        targets = self.assets | {self.native} | set(also)
        return build_price_table(market, self.native, targets, self._adjacency[1])

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
        admit: Callable[[Opportunity], str | None] | None = None,
    ) -> Decision:
        """The block's trades: screen, then size lazily in order of a safe profit bound (module
        docstring). Each candidate it would take is first put to `admit` (when given): None accepts it
        (it is applied to the state, and later candidates sharing its pools are re-sized on the state
        it leaves); a string rejects it with that reason (it is not applied, and the next best is
        tried; a BlockWide string rejects it and ends the search). At most `max_trades` are accepted."""
        started, prices, passing, screened = self._open_block(market, fee_per_gas, prices)
        minimum = self.config.min_net_profit_native
        state = market
        taken: list[Opportunity] = []
        rejected: list[tuple[Opportunity, str]] = []
        profitable: set[int] = set()
        hop_bounds: list[HopBound | None] = [None] * len(self.edges)
        models: list[HopModel | None] = [None] * len(self.edges)
        v3_liquidity: dict[tuple[str, bool], int] = {}
        evaluations = sized = 0
        # entries: (-key, sequence, trades taken when computed, cycle index, what the key is):
        # None a level-1 bound, a float a level-2 bound (where its model peaks), a _Candidate an
        # exact net profit
        queue: list[tuple[int, int, int, int, _Candidate | float | None]] = []
        sequence = 0

        def push_bound(index: int, level2: bool = False) -> None:
            nonlocal sequence
            found = self._bound_native(
                index, state, fee_per_gas, prices, hop_bounds, v3_liquidity, models if level2 else None
            )
            if found is not None and found[0] >= minimum:
                key, peak = found
                entry = None if peak is None else peak
                heapq.heappush(queue, (-key, sequence, len(taken), index, entry))
                sequence += 1

        for index in passing:
            push_bound(int(index))
        while queue and (max_trades is None or len(taken) < max_trades):
            _, _, version, index, candidate = heapq.heappop(queue)
            cycle = self.cycles[index]
            if version < len(taken) and any(
                not self.cycle_pools[index].isdisjoint(o.pools) for o in taken[version:]
            ):
                push_bound(index)  # priced on a state that has since changed
                continue
            if candidate is None and self.refine[index]:
                push_bound(index, level2=True)  # a level-1 bound: tighten it before sizing
                continue
            if not isinstance(candidate, _Candidate):
                guess = None
                if candidate is not None and self.exact_model[index]:
                    guess = (candidate, self.options[index][0].fee_bps)
                found, spent = self._assess(cycle, state, fee_per_gas, prices, self.options[index], guess)
                evaluations += spent
                sized += 1
                if found is not None and found.net_profit_native >= minimum:
                    profitable.add(index)
                    heapq.heappush(queue, (-found.net_profit_native, sequence, len(taken), index, found))
                    sequence += 1
                continue
            opportunity = self._price(candidate, state.block, prices)
            reason = admit(opportunity) if admit is not None else None
            if reason is not None:
                rejected.append((opportunity, reason))
                if isinstance(reason, BlockWide):
                    break
                continue
            taken.append(opportunity)
            state = after_trade(state, opportunity)
            for pool in opportunity.pools:  # their bounds change with the trade
                for edge in self.pool_edges.get(pool, ()):
                    hop_bounds[edge] = None
                    models[edge] = None
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
            "decide: block %d, %d cycles, %d passed the screen, %d sized, %d found, %d taken, "
            "%d rejected, %.1f ms",
            market.block,
            stats.cycles,
            stats.passed_screen,
            sized,
            len(profitable),
            len(taken),
            len(rejected),
            1e3 * (done - started),
        )
        return Decision(tuple(taken), stats, tuple(rejected), len(profitable))

    def _bound_native(
        self,
        index: int,
        market: MarketState,
        fee_per_gas: int,
        prices: PriceTable,
        hop_bounds: list[HopBound | None],
        v3_liquidity: dict[tuple[str, bool], int],
        models: list[HopModel | None] | None = None,
    ) -> tuple[int, float | None] | None:
        """An upper bound on the cycle's net profit on `market`, in native units, and (level 2 only)
        where the model peaks; None: unpriced, a pool missing, or no profit possible. `hop_bounds`
        (and `models`) cache each edge's level-1 bound (level-2 model) by edge id for the current
        state; with `models` the bound is level 2 (bot.search.bounds)."""
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
        fee_rate = options[0].fee_bps / 10_000
        peak: float | None = None
        if models is None:
            gross = cycle_bound(bounds, fee_rate)
        else:
            hops = []
            for edge, bound in zip(self.cycle_edges[index], bounds, strict=True):
                model = models[edge]
                if model is None:
                    leg = self.edges[edge]
                    model = models[edge] = hop_model(market.pools[leg.pool], leg, bound)
                hops.append(model)
            gross, peak = model_bound(hops, fee_rate, self._guess_hint[index])
            self._guess_hint[index] = peak
        if gross <= 0:
            return None
        asset = self.cycles[index].asset
        gas_cost = prices.from_native(asset, self.min_gas_units[index] * fee_per_gas)
        if gas_cost is None:
            return None
        if math.isinf(gross):
            return 1 << 255, peak
        net = (
            math.ceil(gross) + 1 - gas_cost
        )  # + 1: Aave's fee rounds half up, so it can be 1/2 below the rate
        value = prices.to_native(asset, net)
        return None if value is None else (value + 1, peak)
