"""QuickSwap and SushiSwap: Uniswap V2 factory + Router02 at each DEX's canonical address, with pairs.

Both DEXes run the Uniswap V2 bytecode (@uniswap/v2-core, @uniswap/v2-periphery): QuickSwap is a
Uniswap V2 fork with the same pair init code hash; SushiSwap's real pair bytecode differs (its init
code hash is 0xe18a34eb...), so on the replica SushiSwap pairs sit at Uniswap-V2 CREATE2 addresses and
must be found with factory.getPair. Each router is built with the canonical factory and WMATIC as
constructor arguments (immutables) before its code is placed. The two venues get different depths.
"""

from __future__ import annotations

from fractions import Fraction

from bot.replica.context import DEADLINE, BuildContext
from bot.replica.prices import amount_for_usd

# (dex, token A, token B, USD value of the pair, both sides together)
PAIRS: tuple[tuple[str, str, str, int], ...] = (
    ("quickswap", "WMATIC", "USDC.e", 4_000_000),
    ("quickswap", "WMATIC", "USDC", 3_000_000),
    ("quickswap", "WMATIC", "WETH", 5_000_000),
    ("quickswap", "WMATIC", "USDT", 2_000_000),
    ("quickswap", "WETH", "USDC.e", 6_000_000),
    ("quickswap", "WETH", "USDC", 4_000_000),
    ("quickswap", "WETH", "USDT", 2_000_000),
    ("quickswap", "WBTC", "WETH", 3_000_000),
    ("quickswap", "WBTC", "USDC", 1_000_000),
    ("quickswap", "USDC", "USDC.e", 2_000_000),
    ("quickswap", "USDC.e", "USDT", 3_000_000),
    ("quickswap", "DAI", "USDC.e", 1_500_000),
    ("quickswap", "LINK", "WETH", 800_000),
    ("quickswap", "AAVE", "WETH", 600_000),
    ("quickswap", "QUICK", "WMATIC", 500_000),
    ("quickswap", "GHST", "USDC.e", 300_000),
    ("quickswap", "MaticX", "WMATIC", 1_000_000),
    ("quickswap", "CRV", "WETH", 300_000),
    ("quickswap", "UNI", "WETH", 200_000),
    ("sushiswap", "WMATIC", "WETH", 2_000_000),
    ("sushiswap", "WETH", "USDC.e", 3_000_000),
    ("sushiswap", "WETH", "USDC", 1_000_000),
    ("sushiswap", "WETH", "USDT", 1_000_000),
    ("sushiswap", "WETH", "DAI", 700_000),
    ("sushiswap", "WBTC", "WETH", 1_500_000),
    ("sushiswap", "WMATIC", "USDC.e", 1_000_000),
    ("sushiswap", "USDC.e", "USDT", 1_000_000),
    ("sushiswap", "DAI", "USDC.e", 800_000),
    ("sushiswap", "SUSHI", "WETH", 500_000),
    ("sushiswap", "LINK", "WETH", 400_000),
    ("sushiswap", "AAVE", "WETH", 300_000),
    ("sushiswap", "CRV", "WETH", 200_000),
    ("sushiswap", "BAL", "WETH", 200_000),
)


def deploy(ctx: BuildContext) -> None:
    """Queue each DEX's factory (feeToSetter = admin) and Router02(factory, WMATIC) for placement."""
    wmatic = ctx.token("WMATIC").address
    for dex in ctx.book.uniswap_v2_dexes:
        ctx.placer.deploy(f"{dex.name} factory", dex.factory, ctx.artifact("UniswapV2Factory"), ctx.admin)
        ctx.placer.deploy(
            f"{dex.name} router", dex.router, ctx.artifact("UniswapV2Router02"), dex.factory, wmatic
        )


def seed(ctx: BuildContext) -> None:
    """Create and fund every pair through its DEX's router at table prices."""
    for dex_name, symbol_a, symbol_b, usd in PAIRS:
        dex = ctx.book.dex(dex_name)
        token_a, token_b = ctx.token(symbol_a), ctx.token(symbol_b)
        amount_a = amount_for_usd(symbol_a, token_a.decimals, Fraction(usd, 2))
        amount_b = amount_for_usd(symbol_b, token_b.decimals, Fraction(usd, 2))
        ctx.approve(symbol_a, dex.router)
        ctx.approve(symbol_b, dex.router)
        router = ctx.at("UniswapV2Router02", dex.router)
        ctx.chain.transact(
            f"{dex_name} addLiquidity {symbol_a}/{symbol_b}",
            router.functions.addLiquidity(
                token_a.address, token_b.address, amount_a, amount_b, amount_a, amount_b, ctx.admin, DEADLINE
            ),
        )
        factory = ctx.at("UniswapV2Factory", dex.factory)
        pair = factory.functions.getPair(token_a.address, token_b.address).call()
        token0, token1 = sorted((token_a.address, token_b.address), key=str.lower)
        ctx.record("v2_pairs", {"dex": dex_name, "address": pair, "token0": token0, "token1": token1})
