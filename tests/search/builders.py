"""Small synthetic snapshots and markets for the search's unit tests (no chain)."""

from __future__ import annotations

import math

from bot.amm.balancer_weighted import WeightedPoolState
from bot.amm.curve_stableswap import CurvePoolState
from bot.amm.tick_math import MAX_TICK, MIN_TICK, get_sqrt_ratio_at_tick
from bot.amm.v3_pool import V3PoolState
from bot.market.snapshots import BalancerPoolSnapshot, CurvePoolSnapshot, V2PairSnapshot, V3PoolSnapshot
from bot.market.state import MarketState

BLOCK = 100
A = "0x" + "0a" * 20
B = "0x" + "0b" * 20
C = "0x" + "0c" * 20
D = "0x" + "0d" * 20


def address(n: int) -> str:
    """A distinct pool address per number."""
    return "0x" + f"{n:040x}"


def v2(
    n: int, token_a: str, token_b: str, reserve_a: int, reserve_b: int, fee_bps: int = 30
) -> V2PairSnapshot:
    """A pair between token_a and token_b holding the given reserves (ordered by address)."""
    if token_a.lower() < token_b.lower():
        return V2PairSnapshot(address(n), "dex", token_a, token_b, reserve_a, reserve_b, fee_bps, BLOCK)
    return V2PairSnapshot(address(n), "dex", token_b, token_a, reserve_b, reserve_a, fee_bps, BLOCK)


def v3(
    n: int,
    token0: str,
    token1: str,
    price: float,
    liquidity: int,
    fee: int = 3000,
    spacing: int = 60,
    width: int = 20,
) -> V3PoolSnapshot:
    """A V3 pool at `price` (token1 per token0) with `liquidity` in one position `width` spacings
    either side of the price, and the whole tick map known."""
    assert token0.lower() < token1.lower()
    tick = math.floor(math.log(price) / math.log(1.0001))
    base = (tick // spacing) * spacing
    low, high = base - width * spacing, base + width * spacing
    state = V3PoolState(
        address=address(n),
        token0=token0,
        token1=token1,
        fee=fee,
        tick_spacing=spacing,
        sqrt_price_x96=get_sqrt_ratio_at_tick(tick),
        tick=tick,
        liquidity=liquidity,
        ticks=(low, high),
        liquidity_net=(liquidity, -liquidity),
        covered_from=MIN_TICK,
        covered_to=MAX_TICK,
    )
    return V3PoolSnapshot(state, BLOCK)


def balancer(
    n: int,
    tokens: tuple[str, ...],
    balances: tuple[int, ...],
    weights: tuple[int, ...],
    fee: int = 3 * 10**15,
) -> BalancerPoolSnapshot:
    """A weighted pool of 18-decimal tokens; weights in 1e18 fixed point."""
    state = WeightedPoolState(
        pool_id="0x" + address(n)[2:] + "0" * 24,
        address=address(n),
        tokens=tokens,
        balances=balances,
        normalized_weights=weights,
        swap_fee_percentage=fee,
        scaling_factors=tuple(10**18 for _ in tokens),
    )
    return BalancerPoolSnapshot(state, BLOCK)


def curve(
    n: int, coins: tuple[str, ...], balances: tuple[int, ...], amp: int = 20_000, fee: int = 1_000_000
) -> CurvePoolSnapshot:
    """A StableSwap pool of 18-decimal coins (amp includes A_PRECISION 100)."""
    state = CurvePoolState(
        address=address(n),
        coins=coins,
        balances=balances,
        precision_multipliers=tuple(1 for _ in coins),
        amp=amp,
        fee=fee,
    )
    return CurvePoolSnapshot(state, BLOCK)


def market(*snapshots) -> MarketState:  # type: ignore[no-untyped-def]
    return MarketState(BLOCK, {s.address: s for s in snapshots})
