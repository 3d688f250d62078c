"""Balancer V2: Authorizer, Vault (with its ProtocolFeesCollector), ProtocolFeePercentagesProvider,
BalancerQueries and the v3 WeightedPoolFactory at their canonical Polygon addresses, and weighted
pools created through that factory and INIT-joined at table prices.

The Vault is deployed with the canonical constructor arguments (Authorizer, WMATIC as its WETH, the
90-day pause window and 30-day buffer of the real deployment). Its constructor creates its
ProtocolFeesCollector with CREATE; that collector is moved together with the Vault, to the collector's
canonical address, and both contracts' immutables (the Vault's pointer to the collector, the
collector's pointer to the Vault, each one's action-id disambiguator) are rewritten to the canonical
addresses in the same step (see bot.replica.placement). So `vault.getProtocolFeesCollector()` answers
0xce88686553686DA562CE7Cea497CE749DA109f9F, whose `vault()` is the canonical Vault, as on Polygon.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from bot.replica.context import MAX_UINT256, BuildContext
from bot.replica.prices import amount_for_usd

ONE = 10**18
PAUSE_WINDOW_S = 90 * 24 * 3600
BUFFER_PERIOD_S = 30 * 24 * 3600
MAX_YIELD_FEE = ONE // 2
MAX_AUM_FEE = ONE // 2
FACTORY_VERSION = json.dumps(
    {"name": "WeightedPoolFactory", "version": 3, "deployment": "20230206-weighted-pool-v3"}
)
POOL_VERSION = json.dumps({"name": "WeightedPool", "version": 3, "deployment": "20230206-weighted-pool-v3"})
JOIN_KIND_INIT = 0
ZERO_ADDRESS = "0x" + "00" * 20
"""No rate provider: every token of these pools is priced 1:1 in its own units."""
POOL_CREATED_TOPIC = "0x" + keccak(text="PoolCreated(address)").hex()

# (name, symbol, {token symbol: weight in %}, swap fee in 1e18 fixed point, USD value)
POOLS: tuple[tuple[str, str, dict[str, int], int, int], ...] = (
    ("Balancer 80 BAL 20 WETH", "B-80BAL-20WETH", {"BAL": 80, "WETH": 20}, 10**16, 1_000_000),
    ("Balancer 50 WMATIC 50 USDC", "B-50WMATIC-50USDC", {"WMATIC": 50, "USDC": 50}, 3 * 10**15, 2_000_000),
    ("Balancer 50 WETH 50 USDC.e", "B-50WETH-50USDC.e", {"WETH": 50, "USDC.e": 50}, 10**15, 2_000_000),
    (
        "Balancer 40 WMATIC 30 WETH 30 USDC.e",
        "B-40WMATIC-30WETH-30USDC.e",
        {"WMATIC": 40, "WETH": 30, "USDC.e": 30},
        2 * 10**15,
        3_000_000,
    ),
    ("Balancer 50 WBTC 50 WETH", "B-50WBTC-50WETH", {"WBTC": 50, "WETH": 50}, 25 * 10**14, 1_500_000),
)


def deploy_core(ctx: BuildContext) -> None:
    """Queue the Authorizer, the Vault and the Vault's ProtocolFeesCollector."""
    bal = ctx.book.balancer_v2
    ctx.placer.deploy("Balancer Authorizer", bal.authorizer, ctx.artifact("Authorizer"), ctx.admin)
    scratch_vault = ctx.placer.deploy(
        "Balancer Vault",
        bal.vault,
        ctx.artifact("Vault"),
        bal.authorizer,
        ctx.token("WMATIC").address,
        PAUSE_WINDOW_S,
        BUFFER_PERIOD_S,
    )
    collector = ctx.at("Vault", scratch_vault).functions.getProtocolFeesCollector().call()
    ctx.placer.add("Balancer ProtocolFeesCollector", collector, bal.protocol_fees_collector)


def deploy_periphery(ctx: BuildContext) -> None:
    """Queue the ProtocolFeePercentagesProvider and BalancerQueries (their constructors read the Vault)."""
    bal = ctx.book.balancer_v2
    ctx.placer.deploy(
        "Balancer ProtocolFeePercentagesProvider",
        bal.protocol_fee_percentages_provider,
        ctx.artifact("ProtocolFeePercentagesProvider"),
        bal.vault,
        MAX_YIELD_FEE,
        MAX_AUM_FEE,
    )
    ctx.placer.deploy("BalancerQueries", bal.queries, ctx.artifact("BalancerQueries"), bal.vault)


def deploy_factory(ctx: BuildContext) -> None:
    bal = ctx.book.balancer_v2
    ctx.placer.deploy(
        "Balancer WeightedPoolFactory",
        bal.weighted_pool_factory,
        ctx.artifact("WeightedPoolFactory"),
        bal.vault,
        bal.protocol_fee_percentages_provider,
        FACTORY_VERSION,
        POOL_VERSION,
    )


def created_pool(receipt: Mapping[str, Any], factory: str | None = None) -> str | None:
    """The pool a factory's `create` announced in `receipt` (its PoolCreated event, emitted by
    `factory` if given), or None if it announced none."""
    for log in receipt["logs"]:
        if log["topics"] and log["topics"][0] == POOL_CREATED_TOPIC:
            if factory is None or log["address"].lower() == factory.lower():
                return str(to_checksum_address("0x" + log["topics"][1][-40:]))
    return None


def create_pool(ctx: BuildContext, factory: Any, call: Any, symbol: str) -> str:
    """Send a pool factory's `create` call and return the pool it created."""
    receipt = ctx.chain.transact(f"Balancer create {symbol}", call)
    pool = created_pool(receipt, factory.address)
    if pool is None:
        ctx.require(False, f"Balancer create {symbol}: no PoolCreated event")
    assert pool is not None
    return pool


def init_join(
    ctx: BuildContext, vault: Any, pool_id: bytes, assets: Sequence[str], amounts: Sequence[int]
) -> Any:
    """The Vault call that INIT-joins pool `pool_id` with `amounts` of `assets` (the Vault's order),
    from and for the admin. Its tokens must be approved for the Vault."""
    user_data = encode(["uint256", "uint256[]"], [JOIN_KIND_INIT, list(amounts)])
    return vault.functions.joinPool(
        pool_id, ctx.admin, ctx.admin, (list(assets), [MAX_UINT256] * len(assets), user_data, False)
    )


def seed(ctx: BuildContext) -> None:
    """Create each weighted pool through the factory and INIT-join it at table prices."""
    bal = ctx.book.balancer_v2
    factory = ctx.at("WeightedPoolFactory", bal.weighted_pool_factory)
    vault = ctx.at("Vault", bal.vault)
    for name, symbol, weights_pct, swap_fee, usd in POOLS:
        tokens = sorted((ctx.token(s) for s in weights_pct), key=lambda t: t.address.lower())
        weights = [weights_pct[t.symbol] * ONE // 100 for t in tokens]
        ctx.require(sum(weights) == ONE, f"Balancer pool {name}: weights sum to {sum(weights)}, not 1e18")
        create = factory.functions.create(
            name,
            symbol,
            [t.address for t in tokens],
            weights,
            [ZERO_ADDRESS] * len(tokens),
            swap_fee,
            ctx.admin,
        )
        pool_address = create_pool(ctx, factory, create, symbol)
        pool_id = ctx.at("WeightedPool", pool_address).functions.getPoolId().call()
        amounts = [
            amount_for_usd(t.symbol, t.decimals, Fraction(usd) * weights_pct[t.symbol] / 100) for t in tokens
        ]
        for token in tokens:
            ctx.approve(token.symbol, bal.vault)
        join = init_join(ctx, vault, pool_id, [t.address for t in tokens], amounts)
        ctx.chain.transact(f"Balancer INIT join {symbol}", join)
        ctx.record(
            "balancer_pools",
            {
                "pool_id": "0x" + bytes(pool_id).hex(),
                "address": pool_address,
                "tokens": tuple(t.address for t in tokens),
                "weights": tuple(weights),
                "swap_fee": swap_fee,
            },
        )
