"""Balancer V2 ComposableStable pools: the real ComposableStablePoolFactory (v3, task
20230206-composable-stable-pool-v3 of @balancer-labs/v2-deployments) at its canonical Polygon address,
and two pools created through it and INIT-joined at table prices:

- MaticX/WMATIC, a liquid-staking pool whose MaticX is priced by a rate provider. On Polygon that is
  the staking contract's exchange rate; the replica uses `RateProviderReplica` (contracts/replica), a
  stand-in whose rate the replica's admin sets, starting at the price table's MaticX/WMATIC ratio;
- USDC/USDT/DAI, a stablecoin pool without rate providers (its 6-decimal tokens scale by 1e12).

Why v3: @balancer-labs/v2-deployments 3.2.0 ships bytecode for the v2 factory and for v3 (pool and
factory) only; v3 supersedes v2 (it fixes v2's read-only reentrancy) and is the factory behind the
Polygon ComposableStable pools created from February 2023 on, the liquid-staking MATIC pools among them.
"""

from __future__ import annotations

import json
from fractions import Fraction

from eth_utils.address import to_checksum_address

from bot.replica import balancer
from bot.replica.context import BuildContext
from bot.replica.prices import USD_PRICES, amount_for_usd

ONE = 10**18
FACTORY_VERSION = json.dumps(
    {"name": "ComposableStablePoolFactory", "version": 3, "deployment": "20230206-composable-stable-pool-v3"}
)
POOL_VERSION = json.dumps(
    {"name": "ComposableStablePool", "version": 3, "deployment": "20230206-composable-stable-pool-v3"}
)
RATE_CACHE_DURATION_S = 3 * 3600
"""How long a pool keeps a token rate before it reads the provider again (Polygon pools use hours)."""
ZERO_ADDRESS = "0x" + "00" * 20

# (name, symbol, tokens, {symbol with a rate provider}, amplification A, swap fee (1e18), USD value)
POOLS: tuple[tuple[str, str, tuple[str, ...], frozenset[str], int, int, int], ...] = (
    (
        "Balancer MaticX Stable Pool",
        "MaticX-WMATIC-BPT",
        ("MaticX", "WMATIC"),
        frozenset({"MaticX"}),
        200,
        4 * 10**14,
        2_000_000,
    ),
    (
        "Balancer USD Stable Pool",
        "USDC-USDT-DAI-BPT",
        ("USDC", "USDT", "DAI"),
        frozenset(),
        2000,
        10**14,
        3_000_000,
    ),
)


def initial_rate(symbol: str) -> int:
    """A rate-provided token's starting rate: its table price in WMATIC, 18 decimals (MaticX: 1.1)."""
    ratio = Fraction(USD_PRICES[symbol]) / Fraction(USD_PRICES["WMATIC"])
    return ratio.numerator * ONE // ratio.denominator


def deploy_factory(ctx: BuildContext) -> None:
    """Queue the factory (its constructor reads nothing; it needs the Vault's address only)."""
    bal = ctx.book.balancer_v2
    ctx.placer.deploy(
        "Balancer ComposableStablePoolFactory",
        bal.composable_stable_pool_factory,
        ctx.artifact("ComposableStablePoolFactory"),
        bal.vault,
        bal.protocol_fee_percentages_provider,
        FACTORY_VERSION,
        POOL_VERSION,
    )


def seed(ctx: BuildContext) -> None:
    """Create each pool (with a RateProviderReplica per rate-provided token) and INIT-join it."""
    bal = ctx.book.balancer_v2
    factory = ctx.at("ComposableStablePoolFactory", bal.composable_stable_pool_factory)
    vault = ctx.at("Vault", bal.vault)
    for name, symbol, symbols, rated, amp, swap_fee, usd in POOLS:
        tokens = sorted((ctx.token(s) for s in symbols), key=lambda t: t.address.lower())
        providers = []
        for token in tokens:
            if token.symbol in rated:
                providers.append(
                    ctx.chain.deploy(
                        f"RateProviderReplica {token.symbol}",
                        ctx.artifact("RateProviderReplica"),
                        ctx.admin,
                        initial_rate(token.symbol),
                    )
                )
            else:
                providers.append(ZERO_ADDRESS)
        create = factory.functions.create(
            name,
            symbol,
            [t.address for t in tokens],
            amp,
            providers,
            [RATE_CACHE_DURATION_S if p != ZERO_ADDRESS else 0 for p in providers],
            [False] * len(tokens),
            swap_fee,
            ctx.admin,
        )
        pool_address = balancer.create_pool(ctx, factory, create, symbol)
        pool = ctx.at("ComposableStablePool", pool_address)
        pool_id = pool.functions.getPoolId().call()
        registered, _, _ = vault.functions.getPoolTokens(pool_id).call()
        share = Fraction(usd) / len(tokens)
        by_address = {t.address.lower(): t for t in tokens}
        amounts = [
            0
            if a.lower() == pool_address.lower()
            else amount_for_usd(by_address[a.lower()].symbol, by_address[a.lower()].decimals, share)
            for a in registered
        ]
        for token in tokens:
            ctx.approve(token.symbol, bal.vault)
        join = balancer.init_join(ctx, vault, pool_id, [str(a) for a in registered], amounts)
        ctx.chain.transact(f"Balancer INIT join {symbol}", join)
        ctx.record(
            "balancer_stable_pools",
            {
                "pool_id": "0x" + bytes(pool_id).hex(),
                "address": pool_address,
                "tokens": tuple(to_checksum_address(a) for a in registered),
                "bpt_index": int(pool.functions.getBptIndex().call()),
                "rate_providers": tuple(
                    to_checksum_address(p) for p in pool.functions.getRateProviders().call()
                ),
                "amplification": amp,
                "swap_fee": swap_fee,
            },
        )
