"""On-chain prices from the snapshots, for gas costs and for ranking opportunities in different assets.

Each token's price against the native token (WMATIC, what gas is paid in) is the mid price along the
deepest path from the native token: a breadth-first walk that reaches each token, layer by layer,
through the pool holding the most value on the side it comes from. Mid prices are exact ratios of the
pool state (V2 reserves, V3 sqrtPriceX96 squared, Balancer balances over weights, Curve's 1:1 in
normalised units) kept as 128-bit fixed point integers, so converting an amount is integer math.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.market.snapshots import (
    BalancerPoolSnapshot,
    BalancerStablePoolSnapshot,
    CurvePoolSnapshot,
    PoolSnapshot,
    V2PairSnapshot,
    V3PoolSnapshot,
)
from bot.market.state import MarketState

Q128 = 1 << 128
_Q192 = 1 << 192
_Q96 = 1 << 96


@dataclass(frozen=True, slots=True)
class PriceTable:
    """Conversion rates between the native token and every token reachable from it."""

    native: str
    """The gas token's wrapped form (WMATIC)."""
    per_native: Mapping[str, int] = field(default_factory=dict)
    """token -> units of the token per unit of native, Q128 fixed point."""
    to_native_rate: Mapping[str, int] = field(default_factory=dict)
    """token -> units of native per unit of the token, Q128 fixed point."""

    def from_native(self, token: str, amount: int) -> int | None:
        """`amount` of native expressed in `token` (None if the token has no price)."""
        rate = self.per_native.get(token)
        return None if rate is None else amount * rate // Q128

    def to_native(self, token: str, amount: int) -> int | None:
        """`amount` of `token` expressed in native (None if the token has no price); negative amounts
        convert too (rounding towards minus infinity)."""
        rate = self.to_native_rate.get(token)
        return None if rate is None else amount * rate // Q128


def _mid(snapshot: PoolSnapshot, i: int, j: int) -> tuple[int, int, int] | None:
    """(numerator, denominator, depth of token i) of the mid price token i -> token j, or None."""
    if isinstance(snapshot, V2PairSnapshot):
        reserves = (snapshot.reserve0, snapshot.reserve1)
        if reserves[i] <= 0 or reserves[j] <= 0:
            return None
        return reserves[j], reserves[i], reserves[i]
    if isinstance(snapshot, V3PoolSnapshot):
        state = snapshot.state
        if state.liquidity == 0:
            return None
        square = state.sqrt_price_x96 * state.sqrt_price_x96
        if i == 0:
            return square, _Q192, state.liquidity * _Q96 // state.sqrt_price_x96
        return _Q192, square, state.liquidity * state.sqrt_price_x96 // _Q96
    if isinstance(snapshot, BalancerPoolSnapshot):
        weighted = snapshot.state
        b_i, b_j = weighted.balances[i], weighted.balances[j]
        if b_i <= 0 or b_j <= 0:
            return None
        w_i, w_j = weighted.normalized_weights[i], weighted.normalized_weights[j]
        return b_j * w_i, b_i * w_j, b_i
    if isinstance(snapshot, BalancerStablePoolSnapshot):
        stable = snapshot.state
        if stable.bpt_index in (i, j) or stable.balances[i] <= 0 or stable.balances[j] <= 0:
            return None
        # near the peg a stable pool prices its tokens by their scaling factors (decimals and rates)
        return stable.scaling_factors[i], stable.scaling_factors[j], stable.balances[i]
    assert isinstance(snapshot, CurvePoolSnapshot)
    curve = snapshot.state
    if curve.balances[i] <= 0 or curve.balances[j] <= 0:
        return None
    return curve.precision_multipliers[i], curve.precision_multipliers[j], curve.balances[i]


Adjacency = dict[str, list[tuple[str, int, int]]]
"""token -> (pool address, index of the token, index of a token it trades for) of every pool."""


def price_adjacency(market: MarketState) -> Adjacency:
    """Which pools connect which tokens (depends on the pool set only, not on the pools' state)."""
    edges: Adjacency = {}
    for snapshot in market:
        tokens = snapshot.tokens
        for i, token in enumerate(tokens):
            for j in range(len(tokens)):
                if i != j:
                    edges.setdefault(token, []).append((snapshot.address, i, j))
    return edges


def build_price_table(
    market: MarketState,
    native: str,
    targets: Collection[str] | None = None,
    adjacency: Adjacency | None = None,
) -> PriceTable:
    """Prices of every token reachable from `native` through the market's pools. With `targets`, the
    walk stops after the layer that priced the last of them (their prices are the same: a later layer
    never changes a price). `adjacency`: price_adjacency(market), when the caller keeps it."""
    per_native = {native: Q128}
    to_native = {native: Q128}
    edges = price_adjacency(market) if adjacency is None else adjacency
    pools = market.pools
    wanted = None if targets is None else set(targets) - {native}
    frontier = [native]
    while frontier and (wanted is None or wanted):
        best: dict[str, tuple[int, int, int]] = {}  # token -> (depth in native, per_native, to_native)
        for token in frontier:
            for address, i, j in edges.get(token, ()):
                snapshot = pools[address]
                target = snapshot.tokens[j]
                if target in per_native:
                    continue
                mid = _mid(snapshot, i, j)
                if mid is None:
                    continue
                numerator, denominator, depth = mid
                value = depth * to_native[token] // Q128
                if target not in best or value > best[target][0]:
                    best[target] = (
                        value,
                        per_native[token] * numerator // denominator,
                        to_native[token] * denominator // numerator,
                    )
        for target, (_, rate_in, rate_out) in best.items():
            per_native[target] = rate_in
            to_native[target] = rate_out
            if wanted is not None:
                wanted.discard(target)
        frontier = list(best)
    return PriceTable(native, MappingProxyType(per_native), MappingProxyType(to_native))
