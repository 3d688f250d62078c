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

from bot.addressbook import UniswapV3Fork
from bot.errors import ReplicaError
from bot.replica.context import BuildContext
from bot.replica.uniswap_v3 import NO_TOKEN_DESCRIPTOR, seed_pools

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
    for record in seed_pools(ctx, sushi.factory, sushi.nonfungible_position_manager, POOLS, "SushiSwap V3"):
        ctx.record("v3_fork_pools", {"dex": VENUE, "factory": sushi.factory, **record})
