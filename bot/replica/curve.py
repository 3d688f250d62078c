"""A Curve StableSwap stand-in: CurveStableSwapReplica (contracts/replica/) as a USDC.e/USDT/DAI pool.

No package ships Curve pool bytecode, so the replica runs the project's own StableSwap implementation
(same ABI and invariant) at the replica-only address the address book derives for it
(`curve.replica_pools`). Parameters follow Polygon's aave pool: A = 200, fee = 0.01% (1e6 in 1e10
precision). Seeded with balanced liquidity at table prices. If the contract is not in the tree, this
step is skipped and the manifest lists no Curve pool.
"""

from __future__ import annotations

from fractions import Fraction

from bot.replica.context import BuildContext
from bot.replica.prices import amount_for_usd
from bot.replica.solidity import REPLICA_CONTRACTS

CONTRACT = "CurveStableSwapReplica"
SOURCE = REPLICA_CONTRACTS / f"{CONTRACT}.sol"
AMPLIFICATION = 200
FEE_1E10 = 1_000_000
USD_PER_COIN = 5_000_000


def available() -> bool:
    return SOURCE.is_file()


def deploy(ctx: BuildContext) -> None:
    if not available() or CONTRACT not in ctx.own:
        return
    for pool in ctx.book.curve.replica_pools:
        ctx.placer.deploy(
            f"Curve {pool.name}",
            pool.address,
            ctx.artifact(CONTRACT),
            list(pool.coins),
            AMPLIFICATION,
            FEE_1E10,
        )


def seed(ctx: BuildContext) -> None:
    if not available() or CONTRACT not in ctx.own:
        return
    for entry in ctx.book.curve.replica_pools:
        pool = ctx.at(CONTRACT, entry.address)
        amounts = []
        for coin in entry.coins:
            token = ctx.book.token_by_address(coin)
            ctx.approve(token.symbol, entry.address)
            amounts.append(amount_for_usd(token.symbol, token.decimals, Fraction(USD_PER_COIN)))
        ctx.chain.transact(f"Curve {entry.name} add_liquidity", pool.functions.add_liquidity(amounts, 0))
        ctx.record(
            "curve_pools",
            {
                "name": entry.name,
                "address": entry.address,
                "coins": entry.coins,
                "a": AMPLIFICATION,
                "fee": FEE_1E10,
            },
        )
