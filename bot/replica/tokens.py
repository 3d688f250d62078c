"""The tokens, at their real Polygon addresses with their real name, symbol and decimals.

WMATIC is the real WETH9 bytecode (@uniswap/v2-periphery build/WETH9.json) with its name and symbol
storage set to the Polygon contract's ("Wrapped Matic", "WMATIC"); every other token is a
`ReplicaToken` (contracts/replica/ReplicaToken.sol) minted by the admin.
"""

from __future__ import annotations

from bot.replica.context import BuildContext
from bot.replica.prices import amount_for_usd

WRAPPED_NATIVE = "WMATIC"
MINT_USD = 10_000_000_000
"""The admin receives this much (USD at table prices) of every token to seed the venues from."""


def short_string_slot(text: str) -> str:
    """A Solidity storage word holding a string of at most 31 bytes: data left-aligned, length*2 last."""
    data = text.encode()
    if len(data) > 31:
        raise ValueError(f"{text!r} is longer than 31 bytes")
    return "0x" + (data + b"\0" * (31 - len(data)) + bytes([len(data) * 2])).hex()


def deploy(ctx: BuildContext) -> None:
    """Queue every token for placement at its canonical address."""
    for token in ctx.book.tokens.values():
        if token.symbol == WRAPPED_NATIVE:
            ctx.placer.deploy(f"token {token.symbol}", token.address, ctx.artifact("WETH9"))
        else:
            ctx.placer.deploy(
                f"token {token.symbol}",
                token.address,
                ctx.artifact("ReplicaToken"),
                token.name,
                token.symbol,
                token.decimals,
                ctx.admin,
            )


def fund_admin(ctx: BuildContext) -> None:
    """After placement: name WMATIC like Polygon's, wrap native POL, mint every other token."""
    wmatic = ctx.token(WRAPPED_NATIVE)
    # WETH9 keeps name in slot 0 and symbol in slot 1 (decimals, slot 2, stays 18).
    ctx.chain.rpc("anvil_setStorageAt", [wmatic.address, "0x0", short_string_slot(wmatic.name)])
    ctx.chain.rpc("anvil_setStorageAt", [wmatic.address, "0x1", short_string_slot(wmatic.symbol)])
    wrap = amount_for_usd(wmatic.symbol, wmatic.decimals, MINT_USD)
    weth9 = ctx.at("WETH9", wmatic.address)
    ctx.chain.transact("wrap POL into WMATIC", weth9.functions.deposit(), value=wrap)
    for token in ctx.book.tokens.values():
        if token.symbol == WRAPPED_NATIVE:
            continue
        amount = amount_for_usd(token.symbol, token.decimals, MINT_USD)
        ctx.chain.transact(f"mint {token.symbol}", ctx.erc20(token.symbol).functions.mint(ctx.admin, amount))
    ctx.records["tokens"] = {
        token.symbol: {"address": token.address, "decimals": token.decimals}
        for token in ctx.book.tokens.values()
    }
