"""Test helpers: run swaps on the fork through the venues' own routers (or the Vault, or the Curve
pool), from an unlocked dev account, and report what each swap paid out."""

from __future__ import annotations

from typing import Any

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector

from bot.addressbook import AddressBook
from bot.market.state import MarketState
from bot.route.model import HopKind
from bot.search.opportunity import HopQuote

FAR_DEADLINE = 2**64


def _sel(signature: str) -> bytes:
    return bytes(function_signature_to_4byte_selector(signature))


def send(w3: Any, sender: str, to: str, data: bytes) -> Any:
    """Send a transaction and require success."""
    tx_hash = w3.eth.send_transaction({"from": sender, "to": to, "data": "0x" + data.hex(), "gas": 3_000_000})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt["status"] == 1, f"transaction to {to} reverted"
    return receipt


def balance_of(w3: Any, token: str, account: str) -> int:
    data = _sel("balanceOf(address)") + encode(["address"], [account])
    return int.from_bytes(w3.eth.call({"to": token, "data": "0x" + data.hex()}), "big")


def approve(w3: Any, token: str, owner: str, spender: str, amount: int) -> None:
    send(
        w3, owner, token, _sel("approve(address,uint256)") + encode(["address", "uint256"], [spender, amount])
    )


def swap_v2(
    w3: Any, book: AddressBook, dex: str, sender: str, token_in: str, token_out: str, amount: int
) -> int:
    """swapExactTokensForTokens on the DEX's Router02; returns what the sender received."""
    router = book.dex(dex).router
    approve(w3, token_in, sender, router, amount)
    before = balance_of(w3, token_out, sender)
    data = _sel("swapExactTokensForTokens(uint256,uint256,address[],address,uint256)") + encode(
        ["uint256", "uint256", "address[]", "address", "uint256"],
        [amount, 0, [token_in, token_out], sender, FAR_DEADLINE],
    )
    send(w3, sender, router, data)
    return balance_of(w3, token_out, sender) - before


def swap_v3(
    w3: Any, book: AddressBook, fee: int, sender: str, token_in: str, token_out: str, amount: int
) -> int:
    """SwapRouter.exactInputSingle; returns what the sender received."""
    router = book.uniswap_v3.swap_router
    approve(w3, token_in, sender, router, amount)
    before = balance_of(w3, token_out, sender)
    data = _sel(
        "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))"
    ) + encode(
        ["(address,address,uint24,address,uint256,uint256,uint256,uint160)"],
        [(token_in, token_out, fee, sender, FAR_DEADLINE, amount, 0, 0)],
    )
    send(w3, sender, router, data)
    return balance_of(w3, token_out, sender) - before


def swap_balancer(
    w3: Any, book: AddressBook, pool_id: str, sender: str, token_in: str, token_out: str, amount: int
) -> int:
    """Vault.swap (GIVEN_IN); returns what the sender received."""
    vault = book.balancer_v2.vault
    approve(w3, token_in, sender, vault, amount)
    before = balance_of(w3, token_out, sender)
    data = _sel(
        "swap((bytes32,uint8,address,address,uint256,bytes),(address,bool,address,bool),uint256,uint256)"
    ) + encode(
        [
            "(bytes32,uint8,address,address,uint256,bytes)",
            "(address,bool,address,bool)",
            "uint256",
            "uint256",
        ],
        [
            (bytes.fromhex(pool_id[2:]), 0, token_in, token_out, amount, b""),
            (sender, False, sender, False),
            0,
            FAR_DEADLINE,
        ],
    )
    send(w3, sender, vault, data)
    return balance_of(w3, token_out, sender) - before


def swap_curve(
    w3: Any, pool: str, sender: str, i: int, j: int, token_in: str, token_out: str, amount: int
) -> int:
    """The pool's exchange(i, j, dx, 0); returns what the sender received."""
    approve(w3, token_in, sender, pool, amount)
    before = balance_of(w3, token_out, sender)
    data = _sel("exchange(int128,int128,uint256,uint256)") + encode(
        ["int128", "int128", "uint256", "uint256"], [i, j, amount, 0]
    )
    send(w3, sender, pool, data)
    return balance_of(w3, token_out, sender) - before


def run_hop(w3: Any, book: AddressBook, market: MarketState, sender: str, hop: HopQuote, amount: int) -> int:
    """Run one opportunity hop through its venue's router with `amount` in; what came out."""
    if hop.kind is HopKind.UNISWAP_V2:
        return swap_v2(w3, book, hop.dex, sender, hop.token_in, hop.token_out, amount)
    if hop.kind is HopKind.UNISWAP_V3:
        fee = market.pools[hop.pool].state.fee  # type: ignore[union-attr]
        return swap_v3(w3, book, fee, sender, hop.token_in, hop.token_out, amount)
    if hop.kind is HopKind.BALANCER:
        return swap_balancer(w3, book, hop.pool_id, sender, hop.token_in, hop.token_out, amount)
    return swap_curve(w3, hop.pool, sender, hop.index_in, hop.index_out, hop.token_in, hop.token_out, amount)
