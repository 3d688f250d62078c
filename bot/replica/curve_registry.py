"""Curve's AddressProvider on the replica: CurveRegistryReplica (contracts/replica/) at the
AddressProvider's canonical address, listing the replica's Curve pools.

Pool discovery finds Curve pools through the AddressProvider and its registries on any chain
(`bot.market.pool_sources`); no package ships Curve's registry bytecode, so the replica runs a stand-in
that answers the same read functions. Skipped when the book names no AddressProvider.
"""

from __future__ import annotations

from bot.replica.context import BuildContext
from bot.replica.solidity import REPLICA_CONTRACTS

CONTRACT = "CurveRegistryReplica"
SOURCE = REPLICA_CONTRACTS / f"{CONTRACT}.sol"


def deploy(ctx: BuildContext) -> None:
    """Queue the registry for placement at the AddressProvider's address."""
    provider = ctx.book.curve.address_provider
    if provider is None or CONTRACT not in ctx.own:
        return
    ctx.placer.deploy(
        "Curve AddressProvider (CurveRegistryReplica)", provider, ctx.artifact(CONTRACT), ctx.admin
    )


def list_pools(ctx: BuildContext) -> None:
    """List every Curve pool the build seeded (call after the Curve steps)."""
    provider = ctx.book.curve.address_provider
    if provider is None or CONTRACT not in ctx.own:
        return
    registry = ctx.at(CONTRACT, provider)
    for pool in ctx.records.get("curve_pools", ()):
        ctx.chain.transact(
            f"Curve registry add_pool {pool['name']}",
            registry.functions.add_pool(pool["address"], list(pool["coins"])),
        )
