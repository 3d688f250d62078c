"""Uniswap V3: factory, SwapRouter, QuoterV2 and NonfungiblePositionManager at their canonical
addresses, and pools at realistic fee tiers, each funded with several positions of different widths.

Each pool gets a wide position (full range, or +-20% for stable pairs) and narrower ones around the
table price, so a moderate swap leaves the narrow ranges and crosses initialised ticks. The 1 bp fee
tier (tick spacing 1) is enabled by the factory owner, as Uniswap governance did on Polygon.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from eth_utils.address import to_checksum_address

from bot.addressbook import Token
from bot.replica.context import DEADLINE, BuildContext
from bot.replica.prices import amount_for_usd, raw_price

MIN_TICK, MAX_TICK = -887272, 887272
NO_TOKEN_DESCRIPTOR = "0x0000000000000000000000000000000000000000"
"""NonfungiblePositionManager's token descriptor (tokenURI only): not deployed on the replica."""

# (token A, token B, fee, USD value across all positions)
POOLS: tuple[tuple[str, str, int, int], ...] = (
    ("WMATIC", "USDC", 500, 3_000_000),
    ("WMATIC", "USDC.e", 500, 2_000_000),
    ("WMATIC", "WETH", 3000, 3_000_000),
    ("WMATIC", "WETH", 500, 1_000_000),
    ("WETH", "USDC", 500, 6_000_000),
    ("WETH", "USDC.e", 500, 4_000_000),
    ("WETH", "USDT", 500, 2_000_000),
    ("WBTC", "WETH", 500, 3_000_000),
    ("WBTC", "USDC", 3000, 1_000_000),
    ("USDC", "USDT", 100, 3_000_000),
    ("USDC", "USDC.e", 100, 2_000_000),
    ("USDC.e", "USDT", 100, 1_000_000),
    ("DAI", "USDC", 100, 1_000_000),
    ("LINK", "WETH", 3000, 500_000),
    ("AAVE", "WETH", 3000, 400_000),
    ("UNI", "WETH", 3000, 200_000),
    ("CRV", "WETH", 3000, 200_000),
    ("MaticX", "WMATIC", 500, 500_000),
)

# Per fee tier: (half width in ticks or None for full range, share of the pool's value).
POSITIONS: dict[int, tuple[tuple[int | None, Fraction], ...]] = {
    100: ((2000, Fraction(3, 10)), (100, Fraction(4, 10)), (20, Fraction(3, 10))),
    500: ((None, Fraction(4, 10)), (2000, Fraction(35, 100)), (400, Fraction(25, 100))),
    3000: ((None, Fraction(5, 10)), (3000, Fraction(3, 10)), (600, Fraction(2, 10))),
}


def deploy(ctx: BuildContext) -> None:
    v3 = ctx.book.uniswap_v3
    wmatic = ctx.token("WMATIC").address
    ctx.placer.deploy("UniswapV3Factory", v3.factory, ctx.artifact("UniswapV3Factory"))
    ctx.placer.deploy("SwapRouter", v3.swap_router, ctx.artifact("SwapRouter"), v3.factory, wmatic)
    ctx.placer.deploy("QuoterV2", v3.quoter_v2, ctx.artifact("QuoterV2"), v3.factory, wmatic)
    ctx.placer.deploy(
        "NonfungiblePositionManager",
        v3.nonfungible_position_manager,
        ctx.artifact("NonfungiblePositionManager"),
        v3.factory,
        wmatic,
        NO_TOKEN_DESCRIPTOR,
    )


def configure(ctx: BuildContext) -> None:
    """Enable the 1 bp fee tier (tick spacing 1)."""
    factory = ctx.at("UniswapV3Factory", ctx.book.uniswap_v3.factory)
    if factory.functions.feeAmountTickSpacing(100).call() == 0:
        ctx.chain.transact("enable V3 fee 100", factory.functions.enableFeeAmount(100, 1))


def sqrt_price_x96(price: Fraction) -> int:
    """floor(sqrt(price) * 2**96) for a raw token1-per-token0 price, exactly."""
    return math.isqrt(price.numerator * 2**192 // price.denominator)


def _tick_of(price: Fraction) -> int:
    # Only a range boundary depends on this (never an amount), so a float logarithm is fine here.
    return math.floor(math.log(price.numerator / price.denominator) / math.log(1.0001))


def _range(tick: int, half_width: int | None, spacing: int) -> tuple[int, int]:
    if half_width is None:
        return -(MAX_TICK // spacing) * spacing, (MAX_TICK // spacing) * spacing
    lower = math.floor((tick - half_width) / spacing) * spacing
    upper = math.ceil((tick + half_width) / spacing) * spacing
    return max(lower, -(MAX_TICK // spacing) * spacing), min(upper, (MAX_TICK // spacing) * spacing)


def pool_calls(
    npm: Any,
    token0: Token,
    token1: Token,
    fee: int,
    usd: int,
    spacing: int,
    recipient: str,
    label: str,
    positions: Mapping[int, tuple[tuple[int | None, Fraction], ...]] = POSITIONS,
) -> list[tuple[str, Any]]:
    """The position manager `npm`'s calls that create pool (token0, token1, fee) at the table price and
    fund `positions[fee]` with `usd` in all, for `recipient`: (label, call) pairs, in order. The
    caller sends them one by one or in a batch, its tokens approved for `npm`."""
    price = raw_price(token0.symbol, token0.decimals, token1.symbol, token1.decimals)
    calls = [
        (
            f"{label} create",
            npm.functions.createAndInitializePoolIfNecessary(
                token0.address, token1.address, fee, sqrt_price_x96(price)
            ),
        )
    ]
    tick = _tick_of(price)
    for half_width, share in positions[fee]:
        lower, upper = _range(tick, half_width, spacing)
        side_usd = Fraction(usd) * share / 2
        amount0 = amount_for_usd(token0.symbol, token0.decimals, side_usd)
        amount1 = amount_for_usd(token1.symbol, token1.decimals, side_usd)
        mint = (
            token0.address,
            token1.address,
            fee,
            lower,
            upper,
            amount0,
            amount1,
            0,
            0,
            recipient,
            DEADLINE,
        )
        calls.append((f"{label} mint [{lower}, {upper}]", npm.functions.mint(mint)))
    return calls


def seed_pools(
    ctx: BuildContext,
    factory_address: str,
    npm_address: str,
    pools: tuple[tuple[str, str, int, int], ...],
    venue: str,
) -> list[dict[str, Any]]:
    """Create and fund `pools` (token A, token B, fee, USD) through the position manager at
    `npm_address`, one transaction at a time; return each pool's record (address, tokens, fee, spacing)."""
    npm = ctx.at("NonfungiblePositionManager", npm_address)
    factory = ctx.at("UniswapV3Factory", factory_address)
    records = []
    for symbol_a, symbol_b, fee, usd in pools:
        token0, token1 = sorted((ctx.token(symbol_a), ctx.token(symbol_b)), key=lambda t: t.address.lower())
        spacing = int(factory.functions.feeAmountTickSpacing(fee).call())
        ctx.approve(token0.symbol, npm.address)
        ctx.approve(token1.symbol, npm.address)
        label = f"{venue} {token0.symbol}/{token1.symbol} {fee}"
        for what, call in pool_calls(npm, token0, token1, fee, usd, spacing, ctx.admin, label):
            ctx.chain.transact(what, call)
        pool = to_checksum_address(factory.functions.getPool(token0.address, token1.address, fee).call())
        ctx.require(int(pool, 16) != 0, f"{label}: the factory has no such pool")
        records.append(
            {
                "address": pool,
                "token0": token0.address,
                "token1": token1.address,
                "fee": fee,
                "tick_spacing": spacing,
            }
        )
    return records


def seed(ctx: BuildContext) -> None:
    v3 = ctx.book.uniswap_v3
    for record in seed_pools(ctx, v3.factory, v3.nonfungible_position_manager, POOLS, "V3"):
        ctx.record("v3_pools", record)
