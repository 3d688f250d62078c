"""Sizing optimality: the profit the search's sizer finds, against the true integer optimum, for cycles
of every hop kind. Prints a markdown table.

For each kind of cycle, pools are built at one consistent price and one of them is pushed 2-8 % off;
the cycle through them in the profitable direction is sized by `Searcher.evaluate` (the same code
the bot runs: the closed form for all-V2 cycles, the bracketed search otherwise), with no gas and a
free lender, then with Aave's 5 bps. The reference optimum is
- "exhaustive": small pools (about 2e5 units deep); the exact profit at every integer input from 1
  to twice the last input with a positive profit found by doubling from ours (the profit is concave,
  so the optimum lies below it);
- "nested grid": deep pools (about 1e12 units); 2,000 evenly spaced inputs over the same range, then
  2,000 across two spacings either side of the best, and so on down to every integer.
The ratio is found profit / reference profit (1 = the optimum; above 1 would mean the reference
missed it); the gap is the reference's profit minus ours, in the asset's smallest units. In small
pools each hop's rounding makes the integer profit bumpy by a unit or so, which is what the gaps
there show. Run: `.venv/bin/python -m bench.sizing_optimality`.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections.abc import Callable

from bot.amm.balancer_weighted import WeightedPoolState
from bot.amm.curve_stableswap import CurvePoolState
from bot.amm.tick_math import MAX_TICK, MIN_TICK, get_sqrt_ratio_at_tick
from bot.amm.v3_pool import V3PoolState
from bot.market.snapshots import (
    BalancerPoolSnapshot,
    CurvePoolSnapshot,
    PoolSnapshot,
    V2PairSnapshot,
    V3PoolSnapshot,
)
from bot.market.state import MarketState
from bot.search import LenderTerms, Searcher, enumerate_cycles
from bot.search.prices import build_price_table
from bot.search.quote import quoter
from bot.search.sizing import run_cycle

from .decision import machine

A = "0x" + "0a" * 20
B = "0x" + "0b" * 20
C = "0x" + "0c" * 20
BLOCK = 1
E18 = 10**18


def _address(n: int) -> str:
    return "0x" + f"{n:040x}"


def v2(n: int, x: str, y: str, rx: int, ry: int) -> V2PairSnapshot:
    if x > y:
        x, y, rx, ry = y, x, ry, rx
    return V2PairSnapshot(_address(n), "dex", x, y, rx, ry, 30, BLOCK)


def v3(n: int, x: str, y: str, price: float, depth: int, fee: int = 500, spacing: int = 10) -> V3PoolSnapshot:
    """A pool with about `depth` units of each token near the price, in three positions."""
    if x > y:
        x, y, price = y, x, 1 / price
    tick = math.floor(math.log(price) / math.log(1.0001))
    liquidity = int(depth / 0.05)  # about depth of token0 within +-10 %
    nets: dict[int, int] = {}
    for width, share in ((3000, 0.5), (600, 0.3), (150, 0.2)):
        low, high = (tick - width) // spacing * spacing, (tick + width) // spacing * spacing + spacing
        nets[low] = nets.get(low, 0) + int(liquidity * share)
        nets[high] = nets.get(high, 0) - int(liquidity * share)
    active = sum(net for t, net in nets.items() if t <= tick)
    ticks = tuple(sorted(nets))
    state = V3PoolState(
        _address(n),
        x,
        y,
        fee,
        spacing,
        get_sqrt_ratio_at_tick(tick),
        tick,
        active,
        ticks,
        tuple(nets[t] for t in ticks),
        MIN_TICK,
        MAX_TICK,
    )
    return V3PoolSnapshot(state, BLOCK)


def balancer(n: int, x: str, y: str, bx: int, by: int, weight_x: int = 5 * 10**17) -> BalancerPoolSnapshot:
    tokens, balances, weights = [x, y], [bx, by], [weight_x, E18 - weight_x]
    if x > y:
        tokens, balances, weights = tokens[::-1], balances[::-1], weights[::-1]
    state = WeightedPoolState(
        "0x" + _address(n)[2:] + "0" * 24,
        _address(n),
        tuple(tokens),
        tuple(balances),
        tuple(weights),
        3 * 10**15,
        (E18, E18),
    )
    return BalancerPoolSnapshot(state, BLOCK)


def curve(n: int, x: str, y: str, bx: int, by: int) -> CurvePoolSnapshot:
    state = CurvePoolState(_address(n), (x, y), (bx, by), (1, 1), 200 * 100, 1_000_000)
    return CurvePoolSnapshot(state, BLOCK)


# A kind of cycle: (name, builder(rng, scale) -> the pools of the market)
Builder = Callable[[random.Random, int], list[PoolSnapshot]]


def _skew(rng: random.Random) -> float:
    return 1 + rng.uniform(0.02, 0.08) * rng.choice((-1, 1))


KINDS: list[tuple[str, Builder]] = [
    ("V2 + V2", lambda rng, s: [v2(1, A, B, s, 2 * s), v2(2, A, B, s, int(2 * s * _skew(rng)))]),
    ("V2 + V3", lambda rng, s: [v2(1, A, B, s, 2 * s), v3(2, A, B, 2 * _skew(rng), s)]),
    ("V3 + V3", lambda rng, s: [v3(1, A, B, 2.0, s), v3(2, A, B, 2 * _skew(rng), s, fee=3000, spacing=60)]),
    (
        "V2 + Balancer 50/50",
        lambda rng, s: [v2(1, A, B, s, 2 * s), balancer(2, A, B, s, int(2 * s * _skew(rng)))],
    ),
    (
        "V3 + Balancer 80/20",
        lambda rng, s: [v3(1, A, B, 2.0, s), balancer(2, A, B, 4 * s, int(2 * s * _skew(rng)), 8 * 10**17)],
    ),
    ("V2 + Curve", lambda rng, s: [v2(1, A, B, s, s), curve(2, A, B, s, int(s * _skew(rng) ** 40))]),
    (
        "V3 + Curve",
        lambda rng, s: [
            v3(1, A, B, 1.0, s, fee=100, spacing=1),
            curve(2, A, B, s, int(s * _skew(rng) ** 40)),
        ],
    ),
    (
        "V2 + V3 + Balancer (3 hops)",
        lambda rng, s: [
            v2(1, A, B, s, 2 * s),
            v3(2, B, C, 0.5, 2 * s),
            balancer(3, C, A, s, int(s * _skew(rng))),
        ],
    ),
    (
        "V3 + Curve + V2 (3 hops)",
        lambda rng, s: [v3(1, A, B, 1.0, s), curve(2, B, C, s, s), v2(3, C, A, s, int(s * _skew(rng)))],
    ),
]


def reference(profit: Callable[[int], int | None], limit: int, dense: bool) -> int:
    """The best exact profit over 1..limit: every integer, or (dense) a nested grid: 2,000 evenly
    spaced inputs, then 2,000 across the two spacings either side of the best of them, and so on
    until the spacing is 1, when every integer within two of the best is tried."""
    if not dense:
        best = 0
        for x in range(1, limit + 1):
            value = profit(x)
            if value is None:
                break
            best = max(best, value)
        return best
    low, high = 1, limit
    while True:
        step = max(1, (high - low) // 2_000)
        values = [(v, x) for x in range(low, high + 1, step) if (v := profit(x)) is not None]
        best, center = max(values)
        if step == 1:
            return max(best, 0)
        low, high = max(1, center - 2 * step), center + 2 * step


def run(cases: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    rows = []
    for name, build in KINDS:
        for method, scale in (("exhaustive", 200_000), ("nested grid", 10**12)):
            for premium in (0, 5):
                ratios, gaps, ours, reference_seconds = [], [], [], 0.0
                for _ in range(cases):
                    pools = build(rng, int(scale * rng.uniform(0.5, 2)))
                    market = MarketState(BLOCK, {p.address: p for p in pools})
                    terms = LenderTerms(premium, aave_assets=frozenset({A}), pool_lender=premium == 0)
                    searcher = Searcher(
                        enumerate_cycles(market, [A], min_hops=len(pools), max_hops=len(pools)),
                        terms,
                        native=A,
                    )
                    prices = build_price_table(market, A)
                    best_found = None
                    for cycle in searcher.cycles:
                        found, spent = searcher.evaluate(cycle, market, 0, prices)
                        if found is not None and (
                            best_found is None or found.net_profit > best_found[0].net_profit
                        ):
                            best_found = (found, spent)
                    if best_found is None:
                        continue
                    found, spent = best_found
                    option = terms.options(found.cycle)[0]
                    quoters = [quoter(market.pools[leg.pool], leg) for leg in found.cycle.legs]

                    def profit(x: int, quoters=quoters, option=option) -> int | None:  # type: ignore[no-untyped-def]
                        out = run_cycle(quoters, x)
                        return None if out is None else out - x - option.fee(x)

                    # past the optimum for sure: where the profit turns negative (it is concave)
                    limit = max(100, found.amount_in)
                    for _ in range(64):
                        value = profit(2 * limit)
                        if value is None or value < 0:
                            break
                        limit *= 2
                    limit *= 2
                    started = time.perf_counter()
                    best = reference(profit, limit, method != "exhaustive")
                    reference_seconds += time.perf_counter() - started
                    if best <= 0:
                        continue
                    ratios.append(found.net_profit / best)
                    gaps.append(best - found.net_profit)
                    ours.append(spent)
                if ratios:
                    rows.append(
                        f"| {name} | {method} | {premium} | {len(ratios)} | {100 * min(ratios):.4f} % | "
                        f"{100 * statistics.mean(ratios):.4f} % | {max(gaps)} | "
                        f"{statistics.mean(ours):.0f} | {reference_seconds:.1f} |"
                    )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=4, help="random cases per kind, method and lender fee")
    parser.add_argument("--seed", type=int, default=11)
    options = parser.parse_args(argv)
    lines = [
        f"Machine: {machine()}",
        "",
        "| cycle | reference | lender bps | cases | worst found/optimum | mean found/optimum | "
        "worst gap (units) | our exact evaluations (mean) | reference seconds |",
        "|---|---|---|---|---|---|---|---|---|",
        *run(options.cases, options.seed),
    ]
    print("\n".join(lines))  # noqa: T201


if __name__ == "__main__":
    main()
