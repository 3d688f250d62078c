"""SushiSwap V3: Uniswap V3's own factory and position manager bytecode at SushiSwap's canonical Polygon
addresses, and pools at realistic fee tiers seeded like the Uniswap V3 ones.

SushiSwap V3 on Polygon runs Uniswap V3 code unchanged: @sushiswap/v3-sdk gives its pool init code hash
on Polygon as Uniswap's (0xe34f...8b54, keccak256 of UniswapV3Pool's creation code), so the real
UniswapV3Factory placed at SushiSwap's factory address creates its pools at the addresses SushiSwap's
own factory gives them. Only the factory differs, and so the pool addresses.

The pools are fewer and shallower than Uniswap's on the same pairs (as on Polygon), so their prices
drift apart from Uniswap's when the simulated market trades Uniswap, and gaps open between the venues.
"""

from __future__ import annotations

from fractions import Fraction

from eth_utils.address import to_checksum_address

from bot.addressbook import UniswapV3Fork
from bot.errors import ReplicaError
from bot.replica.context import DEADLINE, BuildContext
from bot.replica.prices import amount_for_usd, raw_price
from bot.replica.uniswap_v3 import NO_TOKEN_DESCRIPTOR, POSITIONS, _range, _tick_of, sqrt_price_x96

VENUE = "sushiswap-v3"
"""The address book's name for SushiSwap V3 (`uniswap_v3_forks`)."""

# (token A, token B, fee, USD value across all positions)
POOLS: tuple[tuple[str, str, int, int], ...] = (
    ("WMATIC", "USDC", 500, 600_000),
    ("WETH", "USDC", 500, 1_500_000),
    ("WMATIC", "WETH", 3000, 500_000),
    ("WBTC", "WETH", 500, 400_000),
    ("USDC", "USDT", 100, 800_000),
    ("SUSHI", "WETH", 3000, 200_000),
)


def fork(ctx: BuildContext) -> UniswapV3Fork:
    """SushiSwap V3's address book entry."""
    for entry in ctx.book.uniswap_v3_forks:
        if entry.name == VENUE:
            return entry
    raise ReplicaError(f"the address book has no uniswap_v3_forks entry named {VENUE!r}")


def deploy(ctx: BuildContext) -> None:
    """Queue the factory and the position manager (built against the canonical factory address)."""
    sushi = fork(ctx)
    wmatic = ctx.token("WMATIC").address
    ctx.placer.deploy("SushiSwap V3 factory", sushi.factory, ctx.artifact("UniswapV3Factory"))
    ctx.placer.deploy(
        "SushiSwap V3 NonfungiblePositionManager",
        sushi.nonfungible_position_manager,
        ctx.artifact("NonfungiblePositionManager"),
        sushi.factory,
        wmatic,
        NO_TOKEN_DESCRIPTOR,
    )


def configure(ctx: BuildContext) -> None:
    """Enable the 1 bp fee tier (tick spacing 1), as SushiSwap did on Polygon."""
    factory = ctx.at("UniswapV3Factory", fork(ctx).factory)
    if factory.functions.feeAmountTickSpacing(100).call() == 0:
        ctx.chain.transact("enable SushiSwap V3 fee 100", factory.functions.enableFeeAmount(100, 1))


def seed(ctx: BuildContext) -> None:
    """Create and fund every pool of POOLS through the position manager, at table prices."""
    sushi = fork(ctx)
    npm = ctx.at("NonfungiblePositionManager", sushi.nonfungible_position_manager)
    factory = ctx.at("UniswapV3Factory", sushi.factory)
    for symbol_a, symbol_b, fee, usd in POOLS:
        token0, token1 = sorted((ctx.token(symbol_a), ctx.token(symbol_b)), key=lambda t: t.address.lower())
        price = raw_price(token0.symbol, token0.decimals, token1.symbol, token1.decimals)
        label = f"SushiSwap V3 {token0.symbol}/{token1.symbol} {fee}"
        ctx.chain.transact(
            f"{label} create",
            npm.functions.createAndInitializePoolIfNecessary(
                token0.address, token1.address, fee, sqrt_price_x96(price)
            ),
        )
        pool = to_checksum_address(factory.functions.getPool(token0.address, token1.address, fee).call())
        spacing = int(factory.functions.feeAmountTickSpacing(fee).call())
        ctx.approve(token0.symbol, npm.address)
        ctx.approve(token1.symbol, npm.address)
        tick = _tick_of(price)
        for half_width, share in POSITIONS[fee]:
            lower, upper = _range(tick, half_width, spacing)
            side_usd = Fraction(usd) * share / 2
            ctx.chain.transact(
                f"{label} mint [{lower}, {upper}]",
                npm.functions.mint(
                    (
                        token0.address,
                        token1.address,
                        fee,
                        lower,
                        upper,
                        amount_for_usd(token0.symbol, token0.decimals, side_usd),
                        amount_for_usd(token1.symbol, token1.decimals, side_usd),
                        0,
                        0,
                        ctx.admin,
                        DEADLINE,
                    )
                ),
            )
        ctx.record(
            "v3_fork_pools",
            {
                "dex": VENUE,
                "factory": sushi.factory,
                "address": pool,
                "token0": token0.address,
                "token1": token1.address,
                "fee": fee,
                "tick_spacing": spacing,
            },
        )
