"""QuickSwap V3 (Algebra V1): factory, pool deployer, quoter and swap router at their canonical Polygon
addresses, and pools at the price table's prices, each funded with positions of several widths.

The bytecode is `@cryptoalgebra/core` 2.0.0 (Algebra V1's source, an unoptimised build: its contracts
exceed EIP-170, so the build node runs with the code-size limit lifted) and `@cryptoalgebra/periphery`
2.0.1 (quoter, router). Three contracts carry the pool init code hash as one `PUSH32` constant: the
factory (to bind each pool's DataStorageOperator to the pool's CREATE2 address) holds Polygon's hash,
the quoter and router hold core 3.0.0's. Each is placed with that constant replaced by the hash of the
pool creation code the deployer really uses, so pools, their data storage, the quoter and the router
agree. docs/algebra.md lists every difference from Polygon's deployment.

Algebra V1 has one pool per pair (no fee tiers: the fee is adaptive) and a fixed tick spacing of 60.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from fractions import Fraction
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.contract import Contract

from bot.addressbook import Token
from bot.amm.tick_math import get_sqrt_ratio_at_tick
from bot.errors import ReplicaError
from bot.replica.artifacts import NODE_MODULES, Artifact, npm_artifact
from bot.replica.context import BuildContext
from bot.replica.prices import amount_for_usd, raw_price
from bot.replica.uniswap_v3 import sqrt_price_x96

TICK_SPACING = 60
"""Algebra V1's tick spacing (a constant of the pool, the same for every pool)."""
MAX_TICK = 887272
Q96 = 2**96
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"

# (token A, token B, USD value across all positions)
POOLS: tuple[tuple[str, str, int], ...] = (
    ("WMATIC", "USDC", 2_000_000),
    ("WETH", "USDC", 3_000_000),
    ("WMATIC", "WETH", 1_500_000),
    ("WBTC", "WETH", 1_000_000),
    ("USDC", "USDT", 1_500_000),
    ("QUICK", "WMATIC", 200_000),
)
STABLE = frozenset({"USDC", "USDC.e", "USDT", "DAI"})

# (half width in ticks or None for full range, share of the pool's value)
VOLATILE_POSITIONS: tuple[tuple[int | None, Fraction], ...] = (
    (None, Fraction(4, 10)),
    (3000, Fraction(35, 100)),
    (600, Fraction(25, 100)),
)
STABLE_POSITIONS: tuple[tuple[int | None, Fraction], ...] = (
    (1200, Fraction(3, 10)),
    (240, Fraction(4, 10)),
    (60, Fraction(3, 10)),
)


def pool_init_code_hash() -> str:
    """keccak256 of the AlgebraPool creation code the replica's deployer uses (0x hex)."""
    return "0x" + keccak(bytes.fromhex(npm_artifact("AlgebraPool").bytecode)).hex()


def _periphery_pool_hash() -> str:
    """The pool init code hash compiled into `@cryptoalgebra/periphery` (its PoolAddress library)."""
    source = NODE_MODULES / "@cryptoalgebra/periphery/contracts/libraries/PoolAddress.sol"
    match = re.search(r"POOL_INIT_CODE_HASH\s*=\s*0x([0-9a-fA-F]{64})", source.read_text())
    if match is None:
        raise ReplicaError(f"{source} no longer defines POOL_INIT_CODE_HASH")
    return match.group(1).lower()


def with_pool_hash(artifact: Artifact, old_hash: str, new_hash: str) -> Artifact:
    """`artifact` with its one `PUSH32 old_hash` replaced by `PUSH32 new_hash`."""
    old, new = "7f" + old_hash.lower().removeprefix("0x"), "7f" + new_hash.lower().removeprefix("0x")
    count = artifact.bytecode.lower().count(old)
    if count != 1:
        raise ReplicaError(f"{artifact.name}: expected one PUSH32 of pool hash {old_hash}, found {count}")
    return replace(artifact, bytecode=artifact.bytecode.lower().replace(old, new))


def deploy(ctx: BuildContext) -> None:
    """Batch 1: pool deployer (told its factory), factory, quoter and router, for canonical addresses."""
    algebra = ctx.book.quickswap_v3
    wmatic = ctx.token("WMATIC").address
    replica_hash = pool_init_code_hash()
    ctx.require(
        replica_hash == algebra.replica_pool_init_code_hash,
        f"AlgebraPool hashes to {replica_hash}, the address book says "
        f"{algebra.replica_pool_init_code_hash}: regenerate it (node tools/addressbook_from_npm.js)",
    )
    deployer = ctx.placer.deploy(
        "AlgebraPoolDeployer", algebra.pool_deployer, npm_artifact("AlgebraPoolDeployer")
    )
    ctx.chain.transact(
        "Algebra pool deployer: set factory",
        ctx.chain.contract(npm_artifact("AlgebraPoolDeployer"), deployer).functions.setFactory(
            algebra.factory
        ),
    )
    factory = with_pool_hash(npm_artifact("AlgebraFactory"), algebra.pool_init_code_hash, replica_hash)
    # The vault receives the community fee, which is 0 unless the factory owner sets it.
    ctx.placer.deploy("AlgebraFactory", algebra.factory, factory, algebra.pool_deployer, ctx.admin)
    periphery_hash = _periphery_pool_hash()
    for name, canonical in (("AlgebraQuoter", algebra.quoter), ("AlgebraSwapRouter", algebra.swap_router)):
        artifact = with_pool_hash(npm_artifact(name), periphery_hash, replica_hash)
        ctx.placer.deploy(name, canonical, artifact, algebra.factory, wmatic, algebra.pool_deployer)


def _tick_of(price: Fraction) -> int:
    # Only a range boundary depends on this (never an amount), so a float logarithm is fine here.
    return math.floor(math.log(price.numerator / price.denominator) / math.log(1.0001))


def _range(tick: int, half_width: int | None) -> tuple[int, int]:
    top = (MAX_TICK // TICK_SPACING) * TICK_SPACING
    if half_width is None:
        return -top, top
    lower = math.floor((tick - half_width) / TICK_SPACING) * TICK_SPACING
    upper = math.ceil((tick + half_width) / TICK_SPACING) * TICK_SPACING
    return max(lower, -top), min(upper, top)


def liquidity_for(sqrt_price: int, lower: int, upper: int, amount0: int, amount1: int) -> int:
    """The most liquidity in [lower, upper] that `amount0` and `amount1` can pay for at `sqrt_price`
    (a price inside the range)."""
    sqrt_a, sqrt_b = get_sqrt_ratio_at_tick(lower), get_sqrt_ratio_at_tick(upper)
    from_0 = amount0 * sqrt_price * sqrt_b // ((sqrt_b - sqrt_price) * Q96)
    from_1 = amount1 * Q96 // (sqrt_price - sqrt_a)
    return min(from_0, from_1)


def sorted_tokens(ctx: BuildContext, symbol_a: str, symbol_b: str) -> tuple[Token, Token]:
    """The pair's tokens as the pool orders them (token0 has the lower address)."""
    token0, token1 = sorted((ctx.token(symbol_a), ctx.token(symbol_b)), key=lambda t: t.address.lower())
    return token0, token1


def deploy_seeder(ctx: BuildContext) -> Contract:
    """The AlgebraLiquiditySeeder every mint goes through (remove it with `remove_seeder`)."""
    return ctx.at(
        "AlgebraLiquiditySeeder",
        ctx.chain.deploy("AlgebraLiquiditySeeder", ctx.artifact("AlgebraLiquiditySeeder")),
    )


def remove_seeder(ctx: BuildContext, seeder: Contract) -> None:
    """The seeder was a build tool: leave no code of it behind."""
    ctx.chain.rpc("anvil_setCode", [seeder.address, "0x"])


def create_call(ctx: BuildContext, token0: Token, token1: Token) -> tuple[str, Any]:
    """The factory call that creates pool (token0, token1): (label, call)."""
    factory = ctx.at("AlgebraFactory", ctx.book.quickswap_v3.factory)
    return f"Algebra create {token0.symbol}/{token1.symbol}", factory.functions.createPool(
        token0.address, token1.address
    )


def fund_calls(
    ctx: BuildContext, seeder: Contract, pool_address: str, token0: Token, token1: Token, usd: int
) -> list[tuple[str, Any]]:
    """The calls that initialise the created pool at `pool_address` at the table price and fund its
    positions (STABLE_POSITIONS or VOLATILE_POSITIONS) with `usd` in all through `seeder`, for the
    admin: (label, call) pairs, in order. The caller sends them one by one or in a batch, the admin's
    tokens approved for the seeder."""
    label = f"{token0.symbol}/{token1.symbol}"
    price = raw_price(token0.symbol, token0.decimals, token1.symbol, token1.decimals)
    sqrt_price = sqrt_price_x96(price)
    pool = ctx.at("AlgebraPool", pool_address)
    calls: list[tuple[str, Any]] = [(f"Algebra initialize {label}", pool.functions.initialize(sqrt_price))]
    tick = _tick_of(price)
    stable = token0.symbol in STABLE and token1.symbol in STABLE
    for half_width, share in STABLE_POSITIONS if stable else VOLATILE_POSITIONS:
        lower, upper = _range(tick, half_width)
        side_usd = Fraction(usd) * share / 2
        amount0 = amount_for_usd(token0.symbol, token0.decimals, side_usd)
        amount1 = amount_for_usd(token1.symbol, token1.decimals, side_usd)
        liquidity = liquidity_for(sqrt_price, lower, upper, amount0, amount1)
        calls.append(
            (
                f"Algebra mint {label} [{lower}, {upper}]",
                seeder.functions.seed(pool_address, ctx.admin, lower, upper, liquidity),
            )
        )
    return calls


def record(ctx: BuildContext, pool_address: str, token0: Token, token1: Token) -> None:
    """Record a created pool for the manifest (with its DataStorageOperator, read from the pool)."""
    pool = ctx.at("AlgebraPool", pool_address)
    ctx.record(
        "algebra_pools",
        {
            "address": pool_address,
            "token0": token0.address,
            "token1": token1.address,
            "data_storage_operator": to_checksum_address(pool.functions.dataStorageOperator().call()),
        },
    )


def seed(ctx: BuildContext) -> None:
    """Create, initialise and fund each pool of POOLS; record it for the manifest."""
    factory = ctx.at("AlgebraFactory", ctx.book.quickswap_v3.factory)
    seeder = deploy_seeder(ctx)
    for symbol_a, symbol_b, usd in POOLS:
        token0, token1 = sorted_tokens(ctx, symbol_a, symbol_b)
        ctx.chain.transact(*create_call(ctx, token0, token1))
        pool_address = to_checksum_address(
            factory.functions.poolByPair(token0.address, token1.address).call()
        )
        ctx.require(
            pool_address != ZERO_ADDRESS, f"Algebra factory made no pool for {token0.symbol}/{token1.symbol}"
        )
        ctx.approve(token0.symbol, seeder.address)
        ctx.approve(token1.symbol, seeder.address)
        for what, call in fund_calls(ctx, seeder, pool_address, token0, token1, usd):
            ctx.chain.transact(what, call)
        record(ctx, pool_address, token0, token1)
    remove_seeder(ctx, seeder)
