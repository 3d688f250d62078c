"""Seed the replica at Polygon scale (`--scale full`) from the table in `bot.replica.full_layout`.

The same calls as the small replica's venue modules make (V2 `addLiquidity` through each DEX's router,
V3 `createAndInitializePoolIfNecessary` and `mint` through the position manager with the small
replica's positions per fee tier, at Uniswap's and SushiSwap's addresses, Algebra `createPool`,
`initialize` and mints through the build's AlgebraLiquiditySeeder, Balancer `create` through the
weighted pool factory and an INIT join), with the same amounts from the price table, but queued in
batches mined one block each (`bot.replica.batch`): about 2,000 transactions in seconds instead of
minutes. Pool addresses follow from CREATE2 (V2: the book's replica init code hash; V3: the pool init
code hash; Algebra: the pool deployer and the replica's pool hash) and are checked to hold code after
mining. The extra Curve pools are CurveStableSwapReplica stand-ins at addresses derived
from their labels, like the address book's replica pool.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from bot.replica import algebra, balancer, curve, full_layout, sushiswap_v3, uniswap_v3
from bot.replica.batch import TxBatch
from bot.replica.context import DEADLINE, MAX_UINT256, BuildContext
from bot.replica.prices import amount_for_usd

logger = logging.getLogger(__name__)

V3_TICK_SPACING = {100: 1, 500: 10, 3000: 60, 10000: 200}
"""The factory's tick spacing per fee tier (100 is enabled by `uniswap_v3.configure`)."""
V3_POSITIONS = {**uniswap_v3.POSITIONS, 10000: ((None, Fraction(6, 10)), (8000, Fraction(4, 10)))}
"""The small replica's positions per fee tier, and the 1 % tier's (the small replica has none)."""


def create2(deployer: str, salt: bytes, init_code_hash: str) -> str:
    """The CREATE2 address of code with `init_code_hash` deployed by `deployer` with `salt`."""
    raw = keccak(
        b"\xff" + bytes.fromhex(deployer[2:]) + salt + bytes.fromhex(init_code_hash.removeprefix("0x"))
    )
    return str(to_checksum_address(raw[12:]))


def label_address(label: str) -> str:
    """keccak256(label), last 20 bytes: where a labelled replica-only contract sits."""
    return str(to_checksum_address("0x" + keccak(text=label).hex()[-40:]))


def _approve_all(ctx: BuildContext, batch: TxBatch, spender: str) -> None:
    for token in ctx.book.tokens.values():
        key = (token.symbol, spender.lower())
        if key not in ctx._approved:
            batch.add(
                f"approve {token.symbol} for {spender}",
                ctx.erc20(token.symbol).functions.approve(spender, MAX_UINT256),
            )
            ctx._approved.add(key)


def _require_code(ctx: BuildContext, kind: str, addresses: list[str]) -> None:
    for address in addresses:
        if ctx.chain.rpc("eth_getCode", [address, "latest"]) in ("0x", "0x0", None):
            ctx.require(False, f"full replica: the {kind} at {address} has no code after its batch")


def seed(ctx: BuildContext) -> None:
    """Every venue kind of the full layout, in table order, each by its SEEDERS entry."""
    missing = set(full_layout.VENUES) - set(SEEDERS)
    ctx.require(not missing, f"full replica: no seeder for venue kinds {sorted(missing)}")
    for venue, pools in full_layout.layout(list(ctx.book.tokens)).items():
        SEEDERS[venue](ctx, pools)


def _seed_v2(ctx: BuildContext, pairs: list[tuple[str, str, str, int]]) -> None:
    with TxBatch(ctx.chain) as batch:
        for dex in ctx.book.uniswap_v2_dexes:
            _approve_all(ctx, batch, dex.router)
        created = []
        for dex_name, symbol_a, symbol_b, usd in pairs:
            dex = ctx.book.dex(dex_name)
            token_a, token_b = ctx.token(symbol_a), ctx.token(symbol_b)
            amount_a = amount_for_usd(symbol_a, token_a.decimals, Fraction(usd, 2))
            amount_b = amount_for_usd(symbol_b, token_b.decimals, Fraction(usd, 2))
            router = ctx.at("UniswapV2Router02", dex.router)
            batch.add(
                f"{dex_name} addLiquidity {symbol_a}/{symbol_b}",
                router.functions.addLiquidity(
                    token_a.address,
                    token_b.address,
                    amount_a,
                    amount_b,
                    amount_a,
                    amount_b,
                    ctx.admin,
                    DEADLINE,
                ),
            )
            token0, token1 = sorted((token_a.address, token_b.address), key=str.lower)
            salt = keccak(bytes.fromhex(token0[2:] + token1[2:]))
            pair = create2(dex.factory, salt, dex.replica_init_code_hash)
            created.append(pair)
            ctx.record("v2_pairs", {"dex": dex_name, "address": pair, "token0": token0, "token1": token1})
    _require_code(ctx, "V2 pair", created)


def _seed_v3(ctx: BuildContext, pools: list[tuple[str, str, int, int]]) -> None:
    """Uniswap V3's pools of the full layout."""
    v3 = ctx.book.uniswap_v3
    records = _seed_v3_fork(
        ctx, pools, v3.factory, v3.nonfungible_position_manager, v3.pool_init_code_hash, "V3"
    )
    for record in records:
        ctx.record("v3_pools", record)


def _seed_sushiswap_v3(ctx: BuildContext, pools: list[tuple[str, str, int, int]]) -> None:
    """SushiSwap V3's pools of the full layout (the small replica's among them): the same Uniswap V3
    code at SushiSwap's factory and position manager."""
    sushi = sushiswap_v3.fork(ctx)
    records = _seed_v3_fork(
        ctx,
        pools,
        sushi.factory,
        sushi.nonfungible_position_manager,
        sushi.pool_init_code_hash,
        "SushiSwap V3",
    )
    for record in records:
        ctx.record("v3_fork_pools", {"dex": sushiswap_v3.VENUE, "factory": sushi.factory, **record})


def _seed_v3_fork(
    ctx: BuildContext,
    pools: list[tuple[str, str, int, int]],
    factory: str,
    npm_address: str,
    pool_init_code_hash: str,
    venue: str,
) -> list[dict[str, Any]]:
    """Create and fund `pools` (token A, token B, fee, USD) of the Uniswap V3 code at `factory` through
    its position manager, in one batch; each pool's record (address, tokens, fee, tick spacing)."""
    npm = ctx.at("NonfungiblePositionManager", npm_address)
    records: list[dict[str, Any]] = []
    with TxBatch(ctx.chain) as batch:
        _approve_all(ctx, batch, npm.address)
        for symbol_a, symbol_b, fee, usd in pools:
            token0, token1 = sorted(
                (ctx.token(symbol_a), ctx.token(symbol_b)), key=lambda t: t.address.lower()
            )
            spacing = V3_TICK_SPACING[fee]
            label = f"{venue} {token0.symbol}/{token1.symbol} {fee}"
            for what, call in uniswap_v3.pool_calls(
                npm, token0, token1, fee, usd, spacing, ctx.admin, label, V3_POSITIONS
            ):
                batch.add(what, call)
            salt = keccak(encode(["address", "address", "uint24"], [token0.address, token1.address, fee]))
            records.append(
                {
                    "address": create2(factory, salt, pool_init_code_hash),
                    "token0": token0.address,
                    "token1": token1.address,
                    "fee": fee,
                    "tick_spacing": spacing,
                }
            )
    _require_code(ctx, f"{venue} pool", [record["address"] for record in records])
    return records


def _seed_algebra(ctx: BuildContext, pools: list[tuple[str, str, int]]) -> None:
    """QuickSwap V3's (Algebra V1) pools of the full layout (the small replica's among them), created
    through the factory and funded through the build's AlgebraLiquiditySeeder, in one batch."""
    deployer = ctx.book.quickswap_v3.pool_deployer
    pool_hash = algebra.pool_init_code_hash()
    seeder = algebra.deploy_seeder(ctx)
    created = []
    with TxBatch(ctx.chain) as batch:
        _approve_all(ctx, batch, seeder.address)
        for symbol_a, symbol_b, usd in pools:
            token0, token1 = algebra.sorted_tokens(ctx, symbol_a, symbol_b)
            batch.add(*algebra.create_call(ctx, token0, token1))
            salt = keccak(encode(["address", "address"], [token0.address, token1.address]))
            pool = create2(deployer, salt, pool_hash)
            for what, call in algebra.fund_calls(ctx, seeder, pool, token0, token1, usd):
                batch.add(what, call)
            created.append((pool, token0, token1))
    algebra.remove_seeder(ctx, seeder)
    _require_code(ctx, "Algebra pool", [pool for pool, _, _ in created])
    for pool, token0, token1 in created:
        algebra.record(ctx, pool, token0, token1)


def _seed_balancer(ctx: BuildContext, pools: list[tuple[str, str, dict[str, int], int, int]]) -> None:
    bal = ctx.book.balancer_v2
    factory = ctx.at("WeightedPoolFactory", bal.weighted_pool_factory)
    vault = ctx.at("Vault", bal.vault)
    specs = []
    with TxBatch(ctx.chain) as batch:
        _approve_all(ctx, batch, bal.vault)
        for name, symbol, weights_pct, swap_fee, usd in pools:
            tokens = sorted((ctx.token(s) for s in weights_pct), key=lambda t: t.address.lower())
            weights = [weights_pct[t.symbol] * balancer.ONE // 100 for t in tokens]
            ctx.require(sum(weights) == balancer.ONE, f"Balancer pool {name}: weights sum to {sum(weights)}")
            batch.add(
                f"Balancer create {symbol}",
                factory.functions.create(
                    name,
                    symbol,
                    [t.address for t in tokens],
                    weights,
                    [balancer.ZERO_ADDRESS] * len(tokens),
                    swap_fee,
                    ctx.admin,
                ),
            )
            specs.append((symbol, tokens, weights, weights_pct, swap_fee, usd))
        receipts = batch.mine()
    created = [pool for pool in map(balancer.created_pool, receipts) if pool is not None]
    ctx.require(
        len(created) == len(specs), f"Balancer: {len(created)} PoolCreated events for {len(specs)} pools"
    )
    with TxBatch(ctx.chain) as batch:
        for pool_address, (symbol, tokens, weights, weights_pct, swap_fee, usd) in zip(
            created, specs, strict=True
        ):
            pool_id = bytes(ctx.at("WeightedPool", pool_address).functions.getPoolId().call())
            amounts = [
                amount_for_usd(t.symbol, t.decimals, Fraction(usd) * weights_pct[t.symbol] / 100)
                for t in tokens
            ]
            join = balancer.init_join(ctx, vault, pool_id, [t.address for t in tokens], amounts)
            batch.add(f"Balancer INIT join {symbol}", join)
            ctx.record(
                "balancer_pools",
                {
                    "pool_id": "0x" + pool_id.hex(),
                    "address": pool_address,
                    "tokens": tuple(t.address for t in tokens),
                    "weights": tuple(weights),
                    "swap_fee": swap_fee,
                },
            )


def _seed_curve(ctx: BuildContext, specs: list[full_layout.CurveSpec]) -> None:
    """The full layout's Curve pools: placed, then funded with their table depth spread evenly."""
    if not curve.available() or curve.CONTRACT not in ctx.own:
        return
    for spec in specs:
        coins = [ctx.token(s).address for s in spec.coins]
        ctx.placer.deploy(
            f"Curve {spec.name}",
            label_address(spec.label),
            ctx.artifact(curve.CONTRACT),
            coins,
            curve.AMPLIFICATION,
            curve.FEE_1E10,
        )
    ctx.placer.flush()
    for spec in specs:
        address = label_address(spec.label)
        pool = ctx.at(curve.CONTRACT, address)
        amounts = []
        for symbol in spec.coins:
            token = ctx.token(symbol)
            ctx.approve(symbol, address)
            amounts.append(amount_for_usd(symbol, token.decimals, Fraction(spec.usd, len(spec.coins))))
        ctx.chain.transact(f"Curve {spec.name} add_liquidity", pool.functions.add_liquidity(amounts, 0))
        ctx.record(
            "curve_pools",
            {
                "name": spec.name,
                "address": address,
                "coins": tuple(ctx.token(s).address for s in spec.coins),
                "a": curve.AMPLIFICATION,
                "fee": curve.FEE_1E10,
            },
        )


SEEDERS: dict[str, Callable[[BuildContext, list[Any]], None]] = {
    "quickswap": _seed_v2,
    "sushiswap": _seed_v2,
    "uniswap_v3": _seed_v3,
    "balancer_weighted": _seed_balancer,
    "curve": _seed_curve,
    "quickswap_v3": _seed_algebra,
    "sushiswap_v3": _seed_sushiswap_v3,
}
"""Venue kind (a key of full_layout.VENUES) -> the step that builds its pools. A venue kind added to
the full replica is one entry here and one in full_layout.VENUES."""
