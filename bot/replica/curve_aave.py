"""A stand-in for Curve's Polygon aave pool: CurveAavePoolReplica (contracts/replica/) at the pool's
real address, trading the replica's Aave V3 aTokens of DAI, USDC.e and USDT (wrapped coins) and the
three assets themselves (underlying coins, through `exchange_underlying`).

Parameters are the real pool's constructor arguments (Curve's deployment record): A = 200, fee 0.04 %
(4e6 in 1e10 precision), admin fee 50 % (5e9), offpeg_fee_multiplier 2 (2e10). It is seeded with the
same dollar value of each underlying coin at table prices, deposited through Aave (so the pool holds
aTokens). Real Polygon's pool holds Aave V2 aTokens; the replica builds Aave V3 only, whose Pool has
the same `deposit` and `withdraw` the pool calls.

The aTokens exist only once Aave's reserves are initialised, so this step runs after the Aave market
is configured and seeded, with a placement flush of its own.
"""

from __future__ import annotations

from fractions import Fraction

from bot.errors import ReplicaError
from bot.replica.context import BuildContext
from bot.replica.prices import amount_for_usd

CONTRACT = "CurveAavePoolReplica"
POOL_NAME = "aave"
AMPLIFICATION = 200
FEE_1E10 = 4_000_000
ADMIN_FEE_1E10 = 5_000_000_000
OFFPEG_FEE_MULTIPLIER_1E10 = 20_000_000_000
USD_PER_COIN = 5_000_000


def deploy(ctx: BuildContext) -> None:
    """Queue the pool for its canonical address (Aave's reserves must be initialised by now)."""
    if CONTRACT not in ctx.own:
        return
    entry = next((p for p in ctx.book.curve.pools if p.name == POOL_NAME and p.underlying_coins), None)
    if entry is None:
        return
    reserves = {r["asset"].lower(): r["a_token"] for r in ctx.records.get("aave_reserves", ())}
    a_tokens = []
    for coin in entry.underlying_coins:
        if coin.lower() not in reserves:
            raise ReplicaError(f"Curve {POOL_NAME}: the replica's Aave market has no reserve for {coin}")
        a_tokens.append(reserves[coin.lower()])
    ctx.placer.deploy(
        f"Curve {POOL_NAME}",
        entry.address,
        ctx.artifact(CONTRACT),
        a_tokens,
        list(entry.underlying_coins),
        ctx.book.aave_v3.pool,
        AMPLIFICATION,
        FEE_1E10,
        ADMIN_FEE_1E10,
        OFFPEG_FEE_MULTIPLIER_1E10,
    )
    ctx.records["curve_aave_a_tokens"] = a_tokens


def seed(ctx: BuildContext) -> None:
    """Deposit USD_PER_COIN of each underlying coin through Aave and record the pool."""
    if CONTRACT not in ctx.own:
        return
    entry = next((p for p in ctx.book.curve.pools if p.name == POOL_NAME and p.underlying_coins), None)
    if entry is None:
        return
    pool = ctx.at(CONTRACT, entry.address)
    amounts = []
    for coin in entry.underlying_coins:
        token = ctx.book.token_by_address(coin)
        ctx.approve(token.symbol, entry.address)
        amounts.append(amount_for_usd(token.symbol, token.decimals, Fraction(USD_PER_COIN)))
    ctx.chain.transact(f"Curve {POOL_NAME} add_liquidity", pool.functions.add_liquidity(amounts, 0, True))
    a_tokens = ctx.records.pop("curve_aave_a_tokens")
    ctx.record(
        "curve_lending_pools",
        {
            "name": POOL_NAME,
            "address": entry.address,
            "coins": a_tokens,
            "underlying_coins": list(entry.underlying_coins),
            "a": AMPLIFICATION,
            "fee": FEE_1E10,
            "admin_fee": ADMIN_FEE_1E10,
            "offpeg_fee_multiplier": OFFPEG_FEE_MULTIPLIER_1E10,
        },
    )
