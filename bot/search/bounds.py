"""Cheap, safe upper bounds on the most a cycle can make, so that `Searcher.decide` sizes exactly only
the cycles that could still win. Two levels, the second tighter and dearer:

1. `hop_bound` + `cycle_bound`, a closed form. Every hop's output is bounded above by a
   constant-product curve g*x*b / (a + g*x), or for Curve by a line at the marginal rate capped at
   the pool's balance of the coin bought, min(rate*x, cap). The curves compose into one
   (bot.search.sizing.compose) and caps carry through the hops after them (every bound is
   non-decreasing), so the cycle's output is below min(F(x), C) for a composed curve F and a cap C;
   its best profit has a closed form: (sqrt(B) - sqrt(k*A/G))**2 with k = 1 + the lender's fee rate
   when the cap does not bind, C - k*F^-1(C) when it does, C*(1 - k/R) for a line of rate R.
2. `HopModel` + `model_bound`: each hop as a concave, non-decreasing float function with its slope,
   never below the exact output (a relative 1e-9 and a few units of dust added): V2 its own curve,
   V3 the level-1 curve, Balancer its weighted formula, Curve the StableSwap invariant solved in
   closed form (below). The cycle's composed model U is concave, so for any x_lo <= x_hi where
   U' - k changes sign, the two tangents of U(x) - k*x at x_lo and x_hi meet above its maximum:
   that meeting point is the bound, and the model's optimum is the sizer's starting point.

Per hop, level 1:
- Uniswap V2: the pair's own curve (the integer math rounds down from it).
- Uniswap V3: a constant-product curve at the current price with the largest in-range liquidity met
  anywhere in the snapshot's tick range in the swap's direction. With more liquidity at every price the
  price moves less per unit sold, so every unit fetches at least as much; and the snapshot cannot
  quote beyond its range at all.
- Balancer weighted, selling token i for j with r = w_i / w_j: b_j * (1 - (1 + u)**-r) with
  u = g*x / b_i is below t*r*u / (t + r*u) * b_j for t = max(1, 2r / (r + 1)) (equal slope at 0, a
  curvature no steeper, an asymptote t*b_j >= b_j), i.e. the constant-product curve
  a = t*b_i/r, b = t*b_j; for r = 1 that is the pool's exact curve.
- Curve: the line at the marginal rate (the StableSwap output is concave), capped at the balance of
  the coin bought less the fee (get_dy never pays more than the pool holds).

The Curve model (level 2): get_y solves y**2 + (b - D)*y = c by Newton's method, with b and c
fixed by the other balances and the new x_i. Written for the drop d = y0 - y from the current
balance y0 = xp_j, that quadratic is d**2 - (2*y0 + b - D)*d + F = 0 with
F = R + dx*(y0 + c0/(x_i + dx)), R its residual at dx = 0 (computed exactly, in integers, once per
snapshot), so the root d = 2F / (B + sqrt(B**2 - 4F)) loses no precision to cancellation. The
integer Newton stops within a unit or two of that root, hence the dust.

Floats are fine here: a bound only orders and prunes work, never decides an amount.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bot.amm.curve_stableswap import FEE_DENOMINATOR
from bot.market.snapshots import (
    BalancerPoolSnapshot,
    BalancerStablePoolSnapshot,
    CurvePoolSnapshot,
    PoolSnapshot,
    V2PairSnapshot,
    V3PoolSnapshot,
)
from bot.search.graph import Leg
from bot.search.quote import log_rate

CurveBound = tuple[float, float, float]
"""(a, b, g) of a constant-product bound g*x*b / (a + g*x)."""
LineBound = tuple[float, float]
"""(rate, cap) of a capped linear bound min(rate*x, cap)."""
HopBound = CurveBound | LineBound
"""A hop's level-1 bound."""

_Q96 = float(2**96)
_PAD = 1e-9
CURVE_DUST = 4.0
"""Units a Curve hop may pay above its bound or model, times 1 + its marginal rate: get_y's Newton
stops within a unit or two of the root, and its floored b and c move the root by a unit or two more
(at A = 1 and a 1000:1 imbalance the property tests see 8.7 units at a rate of 13)."""


def curve_dust(rate: float) -> float:
    """The dust of a Curve hop of marginal rate `rate` (CURVE_DUST)."""
    return CURVE_DUST * (1 + rate)


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
    if isinstance(snapshot, BalancerStablePoolSnapshot):
        # concave like Curve's: the line at the marginal rate, capped at the balance of the token bought
        rate = math.exp(log_rate(snapshot, leg)) * (1 + _PAD)
        return rate, float(snapshot.state.balances[leg.index_out]) + curve_dust(rate)
    assert isinstance(snapshot, CurvePoolSnapshot)
    pool = snapshot.state
    rate = math.exp(log_rate(snapshot, leg))
    cap = float(pool.balances[leg.index_out]) * (1 - pool.fee / FEE_DENOMINATOR) + curve_dust(rate)
    return rate, cap


def bound_out(bound: HopBound, x: float) -> float:
    """The level-1 bound's output for input `x`."""
    if len(bound) == 2:
        rate, cap = bound
        return min(rate * x, cap)
    a, b, g = bound
    return g * x * b / (a + g * x)


def cycle_bound(hops: Sequence[HopBound], fee_rate: float) -> float:
    """Upper bound on max over x of out(x) - (1 + fee_rate) * x for the composed hops (module
    docstring, level 1): finite unless every hop is an uncapped line. Curve hops' dust is added,
    carried through the later hops at their slope at zero (their largest)."""
    k = 1 + fee_rate
    linear = 1.0
    cap = math.inf
    dust = 0.0  # a Curve hop's dust, carried through the later hops at their largest slope
    composite: tuple[float, float, float] | None = None
    for hop in hops:
        if len(hop) == 2:
            rate, hop_cap = hop
            if not rate > 0:
                return 0.0  # a hop that pays nothing
            cap = min(cap * rate, hop_cap)
            dust = dust * rate + curve_dust(rate)
            if composite is None:
                linear *= rate
            else:
                big_a, big_b, big_g = composite
                composite = (big_a, big_b * rate, big_g)
            continue
        a, b, g = hop
        if cap != math.inf:
            cap = g * cap * b / (a + g * cap)
        if dust:
            dust *= g * b / a if a > 0 else 0.0
        if composite is None:
            composite = (a / linear, b, g)
        else:
            big_a, big_b, big_g = composite
            denominator = a + g * big_b
            if denominator <= 0:
                return 0.0
            composite = (big_a * a / denominator, g * big_b * b / denominator, big_g)
    if composite is None:
        if linear <= k:
            return dust
        return math.inf if cap == math.inf else cap * (1 - k / linear) * (1 + _PAD) + dust
    big_a, big_b, big_g = composite
    if big_b * big_g <= k * big_a:
        return dust
    best = (math.sqrt(big_b) - math.sqrt(k * big_a / big_g)) ** 2
    if cap < big_b:
        # the composed curve reaches the cap at x_c: beyond it the output is flat
        x_cap = big_a * cap / (big_g * (big_b - cap))
        x_star = (math.sqrt(big_g * big_a * big_b / k) - big_a) / big_g
        if x_cap < x_star:
            best = cap - k * x_cap
    return max(0.0, best) * (1 + _PAD) + dust


# --- level 2: concave float models --------------------------------------------------------------------


class HopModel:
    """A hop's output as a concave, non-decreasing float function never below the exact output."""

    __slots__ = ()

    dust: float = 0.0
    """Units the exact output may exceed the model by, besides the relative padding."""

    def at(self, x: float) -> tuple[float, float]:
        """(output, slope) at input x >= 0."""
        raise NotImplementedError


class CurveModel(HopModel):
    """A constant-product curve g*x*b / (a + g*x): V2 exactly, V3 and Balancer through their
    level-1 bounds."""

    __slots__ = ("a", "b", "g")

    def __init__(self, a: float, b: float, g: float) -> None:
        self.a, self.b, self.g = a, b, g

    def at(self, x: float) -> tuple[float, float]:
        a, b, g = self.a, self.b, self.g
        denominator = a + g * x
        if denominator <= 0:
            return 0.0, 0.0
        return g * x * b / denominator, g * a * b / (denominator * denominator)


class LineModel(HopModel):
    """min(rate * x, cap): a concave hop's tangent at zero, capped (Balancer stable pools)."""

    __slots__ = ("rate", "cap")

    def __init__(self, rate: float, cap: float) -> None:
        self.rate, self.cap = rate, cap

    def at(self, x: float) -> tuple[float, float]:
        out = self.rate * x
        return (out, self.rate) if out < self.cap else (self.cap, 0.0)


class WeightedModel(HopModel):
    """Balancer's weighted output b_out * (1 - (b_in / (b_in + g*x))**r), raw units. The pool rounds
    every step in its own favour (fee up, base up, exponent down, power up), so it pays no more."""

    __slots__ = ("b_in", "b_out", "g", "r")

    def __init__(self, b_in: float, b_out: float, g: float, r: float) -> None:
        self.b_in, self.b_out, self.g, self.r = b_in, b_out, g, r

    def at(self, x: float) -> tuple[float, float]:
        base = self.b_in + self.g * x
        u = self.g * x / self.b_in
        out = -self.b_out * math.expm1(-self.r * math.log1p(u))
        slope = self.b_out * self.r * self.g / base * math.exp(-self.r * math.log1p(u))
        return out, slope


class StableSwapModel(HopModel):
    """Curve's get_dy as the exact root of get_y's quadratic (module docstring), fee off the output."""

    __slots__ = ("x_i", "y0", "c0", "b_minus_d", "residual", "mul_in", "scale_out", "dust")

    def __init__(self, snapshot: CurvePoolSnapshot, leg: Leg) -> None:
        state = snapshot.state
        i, j = leg.index_in, leg.index_out
        mul = state.precision_multipliers
        xp = [b * m for b, m in zip(state.balances, mul, strict=True)]
        n = len(xp)
        d = state.invariant()
        ann = state.amp * n
        c = d
        s = 0
        for k in range(n):
            if k != j:
                s += xp[k]
                c = c * d // (xp[k] * n)
        c = c * d * state.a_precision // (ann * n)
        b = s + d * state.a_precision // ann
        y0 = xp[j]
        self.residual = float(y0 * y0 + (b - d) * y0 - c)
        self.x_i = float(xp[i])
        self.y0 = float(y0)
        self.c0 = float(c)
        self.b_minus_d = float(b - d)
        self.mul_in = float(mul[i])
        self.scale_out = (1 - state.fee / FEE_DENOMINATOR) / mul[j]
        self.dust = 0.0
        self.dust = curve_dust(self.at(0.0)[1])

    def at(self, x: float) -> tuple[float, float]:
        dx = x * self.mul_in
        x_new = self.x_i + dx
        y0 = self.y0
        f = self.residual + dx * (y0 + self.c0 / x_new)
        f_slope = y0 + self.c0 * self.x_i / (x_new * x_new)
        big_b = 2 * y0 + self.b_minus_d + dx
        root = math.sqrt(max(0.0, big_b * big_b - 4 * f))
        drop = 2 * f / (big_b + root) if big_b + root > 0 else y0
        drop = min(max(drop, 0.0), y0)
        denominator = big_b - 2 * drop
        slope = (f_slope - drop) / denominator if denominator > 0 else 0.0
        return drop * self.scale_out, max(0.0, slope) * self.mul_in * self.scale_out


def hop_model(snapshot: PoolSnapshot, leg: Leg, level1: HopBound) -> HopModel:
    """The level-2 model of `leg` on `snapshot` (`level1`: its level-1 bound)."""
    if isinstance(snapshot, CurvePoolSnapshot):
        if any(b <= 0 for b in snapshot.state.balances):
            return CurveModel(1.0, 0.0, 1.0)
        return StableSwapModel(snapshot, leg)
    if isinstance(snapshot, BalancerPoolSnapshot):
        weighted = snapshot.state
        b_in, b_out = float(weighted.balances[leg.index_in]), float(weighted.balances[leg.index_out])
        if b_in <= 0:
            return CurveModel(1.0, 0.0, 1.0)
        r = weighted.normalized_weights[leg.index_in] / weighted.normalized_weights[leg.index_out]
        return WeightedModel(b_in, b_out, 1 - weighted.swap_fee_percentage / 1e18, r)
    if len(level1) == 2:
        return LineModel(*level1)
    assert len(level1) == 3
    return CurveModel(*level1)


def model_run(models: Sequence[HopModel], x: float) -> tuple[float, float]:
    """(output, slope) of the composed models at x, each hop padded up (never below the exact)."""
    value, slope = x, 1.0
    for model in models:
        out, d = model.at(value)
        value = out * (1 + _PAD) + model.dust
        slope *= d * (1 + _PAD)
    return value, slope


def model_bound(models: Sequence[HopModel], fee_rate: float, guess: float) -> tuple[float, float]:
    """(bound, x): an upper bound on max over x >= 0 of out(x) - (1 + fee_rate)*x for the composed
    models (module docstring, level 2), and the input where the model peaks (0 if nowhere)."""
    k = 1 + fee_rate
    value0, slope0 = model_run(models, 0.0)
    if slope0 <= k:
        return max(0.0, value0), 0.0  # concave: the profit only falls from x = 0
    # bracket the peak: lo with slope > k, hi with slope <= k
    lo, hi = 0.0, math.inf
    x = guess if math.isfinite(guess) and guess > 0 else 1.0
    slope_lo = slope0
    value_lo = value0
    value_hi = slope_hi = 0.0
    for _ in range(200):
        value, slope = model_run(models, x)
        if slope > k:
            lo, value_lo, slope_lo = x, value, slope
            if hi == math.inf:
                x *= 4
                continue
        else:
            hi, value_hi, slope_hi = x, value, slope
            if lo == 0.0 and x > 1e-300:
                if hi < 1.0:
                    break
                x /= 4
                continue
        if hi - lo <= 1e-4 * hi:
            break
        # secant on the slope, kept inside the bracket
        if slope_lo != slope_hi:
            x = lo + (slope_lo - k) * (hi - lo) / (slope_lo - slope_hi)
        if not lo + 1e-3 * (hi - lo) < x < hi - 1e-3 * (hi - lo):
            x = (lo + hi) / 2
    if hi == math.inf:
        return math.inf, lo
    # the tangents at lo and hi of the concave profit p(x) = value(x) - k*x meet above its peak
    p_lo, s_lo = value_lo - k * lo, slope_lo - k
    p_hi, s_hi = value_hi - k * hi, slope_hi - k
    if s_lo - s_hi <= 0:
        top = max(p_lo, p_hi)
    else:
        meet = (p_hi - p_lo + s_lo * lo - s_hi * hi) / (s_lo - s_hi)
        meet = min(max(meet, lo), hi)
        top = max(p_lo + s_lo * (meet - lo), p_hi, p_lo)
    pad = _PAD * (value_hi + k * hi) + sum(m.dust for m in models)
    # where the slope's secant crosses k: exact for a quadratic profit, so far tighter than lo..hi
    peak = lo + s_lo * (hi - lo) / (s_lo - s_hi) if s_lo - s_hi > 0 else (lo if p_lo >= p_hi else hi)
    return max(0.0, top + pad), peak
