"""The market as it would be after an opportunity's swaps: new snapshots of the pools it touched.

Used to re-evaluate a second opportunity that shares a pool with one already taken. Each pool moves
as its contract moves it: V2 reserves by the amounts; a V3 pool to the price, tick and liquidity its
swap ends at (its tick map does not change); a Balancer pool's Vault balances by the amounts; a Curve
pool's balances by dx in and dy plus the admin's share of the fee out (Curve's exchange; a lending
pool's share comes from its dynamic fee, and exchange_underlying moves the same balances).
"""

from __future__ import annotations

from dataclasses import replace

from bot.amm import curve_lending
from bot.amm.curve_stableswap import FEE_DENOMINATOR, get_y
from bot.amm.v3_pool import swap
from bot.market.snapshots import (
    AlgebraPoolSnapshot,
    BalancerPoolSnapshot,
    BalancerStablePoolSnapshot,
    CurvePoolSnapshot,
    PoolSnapshot,
    V2PairSnapshot,
    V3PoolSnapshot,
)
from bot.market.state import MarketState
from bot.search.opportunity import HopQuote, Opportunity


def after_hop(snapshot: PoolSnapshot, hop: HopQuote) -> PoolSnapshot:
    """`snapshot` after `hop` ran in it."""
    if isinstance(snapshot, V2PairSnapshot):
        if hop.zero_for_one:
            return replace(
                snapshot,
                reserve0=snapshot.reserve0 + hop.amount_in,
                reserve1=snapshot.reserve1 - hop.amount_out,
            )
        return replace(
            snapshot, reserve0=snapshot.reserve0 - hop.amount_out, reserve1=snapshot.reserve1 + hop.amount_in
        )
    if isinstance(snapshot, V3PoolSnapshot):
        result = swap(snapshot.state, hop.zero_for_one, hop.amount_in)
        state = replace(
            snapshot.state, sqrt_price_x96=result.sqrt_price_x96, tick=result.tick, liquidity=result.liquidity
        )
        if isinstance(snapshot, AlgebraPoolSnapshot):  # the fee stays: later swaps in the block pay it
            return replace(snapshot, state=state)
        return V3PoolSnapshot(state, snapshot.block, snapshot.dex)
    if isinstance(snapshot, BalancerPoolSnapshot):
        balances = list(snapshot.state.balances)
        balances[hop.index_in] += hop.amount_in
        balances[hop.index_out] -= hop.amount_out
        return BalancerPoolSnapshot(replace(snapshot.state, balances=tuple(balances)), snapshot.block)
    if isinstance(snapshot, BalancerStablePoolSnapshot):
        # the Vault's balances move by exactly what was paid in and out (protocol fees on a
        # ComposableStable pool are minted as BPT, not taken from the balances)
        stable = list(snapshot.state.balances)
        stable[hop.index_in] += hop.amount_in
        stable[hop.index_out] -= hop.amount_out
        return BalancerStablePoolSnapshot(replace(snapshot.state, balances=tuple(stable)), snapshot.block)
    assert isinstance(snapshot, CurvePoolSnapshot)
    pool = snapshot.state
    i, j = hop.index_in, hop.index_out
    admin = 0
    if snapshot.admin_fee and pool.lending:
        admin = curve_lending.admin_fee_out(pool, i, j, hop.amount_in, snapshot.admin_fee)
    elif snapshot.admin_fee:
        mul = pool.precision_multipliers
        xp = [b * m for b, m in zip(pool.balances, mul, strict=True)]
        y = get_y(i, j, xp[i] + hop.amount_in * mul[i], xp, pool.amp, pool.a_precision)
        dy_fee = (xp[j] - y - 1) * pool.fee // FEE_DENOMINATOR
        admin = dy_fee * snapshot.admin_fee // FEE_DENOMINATOR // mul[j]
    balances = list(pool.balances)
    balances[i] += hop.amount_in
    balances[j] -= hop.amount_out + admin
    return CurvePoolSnapshot(replace(pool, balances=tuple(balances)), snapshot.block, snapshot.admin_fee)


def after_trade(market: MarketState, opportunity: Opportunity) -> MarketState:
    """`market` after all of `opportunity`'s hops."""
    moved = []
    for hop in opportunity.hops:
        snapshot = market.pools[hop.pool]
        moved.append(after_hop(snapshot, hop))
    return market.replace(*moved)
