"""The bot end to end on a Balancer ComposableStable gap: a trader sells MaticX into the MaticX/WMATIC
stable pool (rate provider at 1.1 WMATIC per MaticX), the bot finds the pool in the Vault's registry,
reads it in its one Multicall3 batch, prices it with the exact stable math, and the trade through the
Vault realises the predicted profit to the wei."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode

from .conftest import capture_once, selector, send

SINGLE_SWAP = (
    "swap((bytes32,uint8,address,address,uint256,bytes),(address,bool,address,bool),uint256,uint256)"
)


def push_stable(
    w3: Any, book: Any, fund: Any, trader: str, pool_id: str, sell: str, buy: str, amount: int
) -> None:
    """Sells `amount` of `sell` for `buy` in the Balancer pool `pool_id` through Vault.swap."""
    vault = book.balancer_v2.vault
    token_in, token_out = book.token(sell).address, book.token(buy).address
    fund(token_in, trader, amount)
    send(
        w3,
        trader,
        token_in,
        selector("approve(address,uint256)") + encode(["address", "uint256"], [vault, amount]),
    )
    swap = selector(SINGLE_SWAP) + encode(
        [
            "(bytes32,uint8,address,address,uint256,bytes)",
            "(address,bool,address,bool)",
            "uint256",
            "uint256",
        ],
        [
            (bytes.fromhex(pool_id[2:]), 0, token_in, token_out, amount, b""),
            (trader, False, trader, False),
            0,
            2**63,
        ],
    )
    send(w3, trader, vault, swap)


def test_bot_captures_a_balancer_stable_gap_to_the_wei(
    make_bot: Any, deployed: Any, w3: Any, book: Any, fund: Any, accounts: Any, replica: Any
) -> None:
    maticx = book.token("MaticX").address
    (pool,) = [p for p in replica.manifest.balancer_stable_pools if maticx in p.tokens]
    push_stable(w3, book, fund, accounts[3].address, pool.pool_id, "MaticX", "WMATIC", 1_500_000 * 10**18)
    trade, taken = capture_once(make_bot(once=True), deployed, w3, book, pool.address)
    # the gas model counts the stable hop's extra cost: its estimate is within 10 % of the receipt
    assert abs(taken["gas_units"] - trade["gas_used"]) < trade["gas_used"] // 10
