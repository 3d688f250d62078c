"""A cheap, safe upper bound on the most a cycle can make, so that `Searcher.decide` sizes exactly only
the cycles that could still win.

Every hop's output is bounded above by a constant-product curve g*x*b / (a + g*x) (or, for Curve, by
the straight line rate*x): such curves compose into one (bot.search.sizing.compose), whose best
profit has a closed form, (sqrt(B) - sqrt(k*A/G))**2 with k = 1 + the lender's fee rate. Per hop:

- Uniswap V2: the pair's own curve (the integer math rounds down from it).
- Uniswap V3: a constant-product curve at the current price with the largest in-range liquidity met
  anywhere in the snapshot's tick range in the swap's direction. With more liquidity at every price the
  price moves less per unit sold, so every unit fetches at least as much; and the snapshot cannot
  quote beyond its range at all.
- Balancer weighted, selling token i for j with r = w_i / w_j: b_j * (1 - (1 + u)**-r) with
  u = g*x / b_i is below t*r*u / (t + r*u) * b_j for t = max(1, 2r / (r + 1)) (equal slope at 0, a
  curvature no steeper, an asymptote t*b_j >= b_j), i.e. the constant-product curve
  a = t*b_i/r, b = t*b_j; for r = 1 that is the pool's exact curve.
- Curve: the line at the marginal rate (the StableSwap output is concave).

Floats are fine here: the bound only orders and prunes work, and it is padded by a relative 1e-9.
"""

from __future__ import annotations

import math

from bot.market.snapshots import (
    BalancerPoolSnapshot,
    CurvePoolSnapshot,
    PoolSnapshot,
    V2PairSnapshot,
    V3PoolSnapshot,
)
from bot.search.graph import Leg
from bot.search.quote import log_rate

HopBound = tuple[float, float, float] | float
"""(a, b, g) of a constant-product bound, or a float: the rate of a linear bound."""

_Q96 = float(2**96)
_PAD = 1e-9


def v3_max_liquidity(snapshot: V3PoolSnapshot, zero_for_one: bool) -> int:
    """The largest in-range liquidity from the current tick to the covered range's edge in the swap's
    direction (the liquidity after crossing each initialised tick on the way)."""
    state = snapshot.state
    liquidity = best = state.liquidity
    ticks, nets = state.ticks, state.liquidity_net
    if zero_for_one:
        for k in range(len(ticks) - 1, -1, -1):
            if ticks[k] <= state.tick:
                liquidity -= nets[k]
                best = max(best, liquidity)
    else:
        for k in range(len(ticks)):
            if ticks[k] > state.tick:
                liquidity += nets[k]
                best = max(best, liquidity)
    return best


def hop_bound(
    snapshot: PoolSnapshot, leg: Leg, v3_cache: dict[tuple[str, bool], int] | None = None
) -> HopBound:
    """An upper bound on `leg`'s output as a function of its input (module docstring)."""
    if isinstance(snapshot, V2PairSnapshot):
        reserve_in, reserve_out = snapshot.reserves(leg.token_in)
        return float(reserve_in), float(reserve_out), 1 - snapshot.fee_bps / 10_000
    if isinstance(snapshot, V3PoolSnapshot):
        key = (snapshot.address, leg.zero_for_one)
        liquidity = v3_cache.get(key) if v3_cache is not None else None
        if liquidity is None:
            liquidity = v3_max_liquidity(snapshot, leg.zero_for_one)
            if v3_cache is not None:
                v3_cache[key] = liquidity
        state = snapshot.state
        sqrt_price = state.sqrt_price_x96 / _Q96
        g = 1 - state.fee / 1_000_000
        if liquidity <= 0:
            return 1.0, 0.0, g
        reserve0, reserve1 = liquidity / sqrt_price, liquidity * sqrt_price
        return (reserve0, reserve1, g) if leg.zero_for_one else (reserve1, reserve0, g)
    if isinstance(snapshot, BalancerPoolSnapshot):
        weighted = snapshot.state
        b_in, b_out = float(weighted.balances[leg.index_in]), float(weighted.balances[leg.index_out])
        g = 1 - weighted.swap_fee_percentage / 1e18
        if b_in <= 0:
            return 1.0, 0.0, g
        r = weighted.normalized_weights[leg.index_in] / weighted.normalized_weights[leg.index_out]
        t = max(1.0, 2 * r / (r + 1))
        return t * b_in / r, t * b_out, g
    assert isinstance(snapshot, CurvePoolSnapshot)
    return math.exp(log_rate(snapshot, leg))


def cycle_bound(hops: list[HopBound], fee_rate: float) -> float:
    """Upper bound on max over x of out(x) - (1 + fee_rate) * x for the composed hops (may be inf)."""
    k = 1 + fee_rate
    linear = 1.0
    composite: tuple[float, float, float] | None = None
    for hop in hops:
        if isinstance(hop, float):
            if composite is None:
                linear *= hop
            else:
                big_a, big_b, big_g = composite
                composite = (big_a, big_b * hop, big_g)
        elif composite is None:
            a, b, g = hop
            composite = (a / linear, b, g)
        else:
            big_a, big_b, big_g = composite
            a, b, g = hop
            denominator = a + g * big_b
            if denominator <= 0:
                return 0.0
            composite = (big_a * a / denominator, g * big_b * b / denominator, big_g)
    if composite is None:
        return math.inf if linear > k else 0.0
    big_a, big_b, big_g = composite
    if big_b * big_g <= k * big_a:
        return 0.0
    return (math.sqrt(big_b) - math.sqrt(k * big_a / big_g)) ** 2 * (1 + _PAD)
