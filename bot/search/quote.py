"""One leg against one snapshot: its exact output (through bot.amm, never re-implemented here), its
marginal rate for the screen, and a constant-product approximation for the sizer's first guess.

The marginal rate is the output per unit of input at zero size, fee included. Every AMM's output is a
concave function of its input that starts at 0, so `out(x) <= x * rate` for every x (the integer
rounding of the real pools only lowers the output): a cycle whose product of rates is at most 1 plus
the lender's fee cannot make money at any size. That is what makes the screen safe. One exception, at
dust sizes only: Curve's get_y stops within 1 of the exact root, so get_dy of a few units can pay a
unit or two more than the rate allows; no trade of that size pays for its gas.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from bot.amm import balancer_stable
from bot.amm.balancer_weighted import calc_out_given_in
from bot.amm.curve_stableswap import FEE_DENOMINATOR, get_d, get_dy
from bot.amm.uniswap_v2 import get_amount_out
from bot.amm.v3_pool import exact_input
from bot.market.snapshots import (
    BalancerPoolSnapshot,
    BalancerStablePoolSnapshot,
    CurvePoolSnapshot,
    PoolSnapshot,
    V2PairSnapshot,
    V3PoolSnapshot,
)
from bot.search.graph import Leg

Quoter = Callable[[int], int]
"""amount in -> exact amount out; raises bot.errors.AmmError where the pool would revert."""

_LOG_Q96 = 96 * math.log(2)
_ONE_18 = 10**18


def quoter(snapshot: PoolSnapshot, leg: Leg) -> Quoter:
    """The exact output function of `leg` on `snapshot`."""
    if isinstance(snapshot, V2PairSnapshot):
        reserve_in, reserve_out = snapshot.reserves(leg.token_in)
        fee = snapshot.fee
        return lambda amount: get_amount_out(amount, reserve_in, reserve_out, fee)
    if isinstance(snapshot, V3PoolSnapshot):
        state = snapshot.state
        zero_for_one = leg.zero_for_one
        return lambda amount: exact_input(state, zero_for_one, amount)
    if isinstance(snapshot, BalancerPoolSnapshot):
        weighted = snapshot.state
        i, j = leg.index_in, leg.index_out
        return lambda amount: calc_out_given_in(weighted, i, j, amount)
    if isinstance(snapshot, BalancerStablePoolSnapshot):
        stable = snapshot.state
        i, j = leg.index_in, leg.index_out
        return lambda amount: balancer_stable.calc_out_given_in(stable, i, j, amount)
    curve = snapshot.state
    i, j = leg.index_in, leg.index_out
    return lambda amount: get_dy(curve, i, j, amount)


def log_rate(snapshot: PoolSnapshot, leg: Leg, curve_d: dict[str, int] | None = None) -> float:
    """log of the marginal rate of `leg` at zero size, fee included (-inf for an empty pool).
    `curve_d` caches Curve invariants per pool address within one block."""
    if isinstance(snapshot, V2PairSnapshot):
        reserve_in, reserve_out = snapshot.reserves(leg.token_in)
        if reserve_in <= 0 or reserve_out <= 0:
            return -math.inf
        return math.log(reserve_out) - math.log(reserve_in) + math.log1p(-snapshot.fee_bps / 10_000)
    if isinstance(snapshot, V3PoolSnapshot):
        state = snapshot.state
        log_price = 2 * (math.log(state.sqrt_price_x96) - _LOG_Q96)  # token1 per token0
        side = log_price if leg.zero_for_one else -log_price
        return side + math.log1p(-state.fee / 1_000_000)
    if isinstance(snapshot, BalancerPoolSnapshot):
        weighted = snapshot.state
        b_in, b_out = weighted.balances[leg.index_in], weighted.balances[leg.index_out]
        if b_in <= 0 or b_out <= 0:
            return -math.inf
        w_in, w_out = weighted.normalized_weights[leg.index_in], weighted.normalized_weights[leg.index_out]
        return (
            math.log(b_out)
            - math.log(w_out)
            - math.log(b_in)
            + math.log(w_in)
            + math.log1p(-weighted.swap_fee_percentage / _ONE_18)
        )
    if isinstance(snapshot, BalancerStablePoolSnapshot):
        return stable_log_rate(snapshot, leg, curve_d)
    return _curve_log_rate(snapshot, leg, curve_d)


def stable_log_rate(
    snapshot: BalancerStablePoolSnapshot, leg: Leg, invariants: dict[str, int] | None
) -> float:
    """-dy/dx of Balancer's stable invariant at the pool's upscaled balances (the BPT dropped). With
    ampTimesTotal/AMP_PRECISION in the place of Curve's Ann and P = D**(n+1) / (n**n * prod x), the
    partial derivatives are Ann + P / x_k; in raw units the rate is scaled by the two scaling factors
    (rates included) and the fee comes off the input. `invariants` caches D per pool within a block."""
    state = snapshot.state
    skip = state.bpt_index
    xp = [
        b * f // _ONE_18
        for k, (b, f) in enumerate(zip(state.balances, state.scaling_factors, strict=True))
        if k != skip
    ]
    if any(x <= 0 for x in xp):
        return -math.inf
    d = invariants.get(state.address) if invariants is not None else None
    if d is None:
        d = balancer_stable.calculate_invariant(state.amp, list(xp))
        if invariants is not None:
            invariants[state.address] = d
    n = len(xp)
    i, j = leg.index_in - (leg.index_in > skip), leg.index_out - (leg.index_out > skip)
    log_p = (n + 1) * math.log(d) - n * math.log(n) - sum(math.log(x) for x in xp)
    ann = state.amp * n / balancer_stable.AMP_PRECISION
    rate = (ann + math.exp(log_p - math.log(xp[i]))) / (ann + math.exp(log_p - math.log(xp[j])))
    scale = state.scaling_factors[leg.index_in] / state.scaling_factors[leg.index_out]
    return math.log(rate * scale) + math.log1p(-state.swap_fee_percentage / _ONE_18)


def _curve_log_rate(snapshot: CurvePoolSnapshot, leg: Leg, curve_d: dict[str, int] | None) -> float:
    """-dy/dx of the StableSwap invariant at the pool's balances: with P = D**(n+1) / (n**n * prod x),
    the partial derivatives are Ann + P / x_k, so the rate is (Ann + P/x_i) / (Ann + P/x_j) in
    normalised units."""
    state = snapshot.state
    xp = [b * m for b, m in zip(state.balances, state.precision_multipliers, strict=True)]
    if any(x <= 0 for x in xp):
        return -math.inf
    d = curve_d.get(state.address) if curve_d is not None else None
    if d is None:
        d = get_d(xp, state.amp, state.a_precision)
        if curve_d is not None:
            curve_d[state.address] = d
    n = len(xp)
    log_p = (n + 1) * math.log(d) - n * math.log(n) - sum(math.log(x) for x in xp)
    ann = state.amp * n / state.a_precision
    i, j = leg.index_in, leg.index_out
    p_over_i = math.exp(log_p - math.log(xp[i]))
    p_over_j = math.exp(log_p - math.log(xp[j]))
    rate = (ann + p_over_i) / (ann + p_over_j)
    scale = state.precision_multipliers[i] / state.precision_multipliers[j]
    return math.log(rate * scale) + math.log1p(-state.fee / FEE_DENOMINATOR)


def virtual_reserves(snapshot: PoolSnapshot, leg: Leg) -> tuple[float, float, float] | None:
    """(a, b, g): a constant-product curve out = g*x*b / (a + g*x) with the leg's marginal rate and
    curvature at zero size, in floats. Only the sizer's starting guess uses it; None if unknown."""
    if isinstance(snapshot, V2PairSnapshot):
        reserve_in, reserve_out = snapshot.reserves(leg.token_in)
        return float(reserve_in), float(reserve_out), 1 - snapshot.fee_bps / 10_000
    if isinstance(snapshot, V3PoolSnapshot):
        state = snapshot.state
        if state.liquidity == 0:
            return None
        sqrt_price = state.sqrt_price_x96 / 2**96
        reserve0, reserve1 = state.liquidity / sqrt_price, state.liquidity * sqrt_price
        g = 1 - state.fee / 1_000_000
        return (reserve0, reserve1, g) if leg.zero_for_one else (reserve1, reserve0, g)
    if isinstance(snapshot, BalancerPoolSnapshot):
        weighted = snapshot.state
        b_in, b_out = weighted.balances[leg.index_in], weighted.balances[leg.index_out]
        if b_in <= 0 or b_out <= 0:
            return None
        r = weighted.normalized_weights[leg.index_in] / weighted.normalized_weights[leg.index_out]
        # out = b_out (1 - (b_in / (b_in + x)) ** r): match out'(0) and out''(0)
        a = 2 * b_in / (r + 1)
        return a, a * b_out * r / b_in, 1 - weighted.swap_fee_percentage / _ONE_18
    if isinstance(snapshot, BalancerStablePoolSnapshot):
        return None  # the sizer brackets from its own start
    return _curve_virtual_reserves(snapshot, leg)


def _curve_virtual_reserves(snapshot: CurvePoolSnapshot, leg: Leg) -> tuple[float, float, float] | None:
    """The constant-product curve with the StableSwap hop's slope and curvature at zero size. With the
    invariant F = Ann*sum(x) + D - Ann*D - P (P = D**(n+1) / (n**n * prod x)): F_k = Ann + P/x_k,
    F_kk = -2P/x_k**2, F_ij = -P/(x_i*x_j); the hop's output o(x) = y0 - y(x_i + x) has
    o' = F_i/F_j and o'' = (F_ii - 2*F_ij*o' + F_jj*o'**2) / F_j (implicit differentiation). A curve
    g*b*x / (a + g*x) has o' = g*b/a and o'' = -2*g**2*b/a**2, so a = -2*g*o'/o'' and b = a*o'/g."""
    state = snapshot.state
    i, j = leg.index_in, leg.index_out
    mul = state.precision_multipliers
    xp = [b * m for b, m in zip(state.balances, mul, strict=True)]
    if any(x <= 0 for x in xp):
        return None
    n = len(xp)
    d = get_d(xp, state.amp, state.a_precision)
    log_p = (n + 1) * math.log(d) - n * math.log(n) - sum(math.log(x) for x in xp)
    ann = state.amp * n / state.a_precision
    x_i, x_j = float(xp[i]), float(xp[j])
    p_i, p_j = math.exp(log_p - math.log(x_i)), math.exp(log_p - math.log(x_j))  # P/x_i, P/x_j
    f_i, f_j = ann + p_i, ann + p_j
    slope = f_i / f_j
    f_ii, f_jj, f_ij = -2 * p_i / x_i, -2 * p_j / x_j, -p_i / x_j
    curvature = (f_ii - 2 * f_ij * slope + f_jj * slope * slope) / f_j
    g = 1 - state.fee / FEE_DENOMINATOR
    # raw units: x_raw * mul_i in, out / mul_j out, fee taken from the output
    slope_raw = slope * mul[i] / mul[j] * g
    curvature_raw = curvature * mul[i] * mul[i] / mul[j] * g
    if not curvature_raw < 0 or slope_raw <= 0:
        return None
    a = -2 * g * slope_raw / curvature_raw
    return a, a * slope_raw / g, g
