"""Multicall3 at 0xcA11bde05977b3631167028862bE2a173976CA11, from the creation code viem ships."""

from __future__ import annotations

from bot.replica.artifacts import multicall3_creation_code
from bot.replica.context import BuildContext


def deploy(ctx: BuildContext) -> None:
    scratch = ctx.chain.deploy_code("deploy Multicall3", multicall3_creation_code())
    ctx.placer.add("Multicall3", scratch, ctx.book.multicall3.address, with_storage=False)
