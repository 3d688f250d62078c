"""The bot end to end on a Balancer ComposableStable gap: a trader sells MaticX into the MaticX/WMATIC
stable pool (rate provider at 1.1 WMATIC per MaticX), the bot finds the pool in the Vault's registry,
reads it in its one Multicall3 batch, prices it with the exact stable math, and the trade through the
Vault realises the predicted profit to the wei."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode

from .conftest import balance_of, selector

SINGLE_SWAP = (
    "swap((bytes32,uint8,address,address,uint256,bytes),(address,bool,address,bool),uint256,uint256)"
)


def _send(w3: Any, sender: str, to: str, data: bytes) -> None:
    tx = w3.eth.send_transaction({"from": sender, "to": to, "data": "0x" + data.hex(), "gas": 1_000_000})
    assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1


def push_stable(
    w3: Any, book: Any, fund: Any, trader: str, pool_id: str, sell: str, buy: str, amount: int
) -> None:
    """Sells `amount` of `sell` for `buy` in the Balancer pool `pool_id` through Vault.swap."""
    vault = book.balancer_v2.vault
    token_in, token_out = book.token(sell).address, book.token(buy).address
    fund(token_in, trader, amount)
    _send(
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
    _send(w3, trader, vault, swap)


def test_bot_captures_a_balancer_stable_gap_to_the_wei(
    make_bot: Any, deployed: Any, w3: Any, book: Any, fund: Any, accounts: Any, replica: Any
) -> None:
    maticx = book.token("MaticX").address
    (pool,) = [p for p in replica.manifest.balancer_stable_pools if maticx in p.tokens]
    push_stable(w3, book, fund, accounts[3].address, pool.pool_id, "MaticX", "WMATIC", 1_500_000 * 10**18)
    bot = make_bot(once=True)
    owner = deployed.owner.address
    before = {t.address: balance_of(w3, t.address, owner) for t in book.tokens.values()}

    assert bot.loop.run().startswith("once")

    trades = bot.events.of("trade")
    assert len(trades) == 1 and trades[0]["status"] == "mined"
    trade = trades[0]
    (taken,) = [e for e in bot.events.of("opportunity") if e["decision"] == "taken"]
    assert pool.address in taken["pools"], taken["route"]
    assert trade["realised_profit"] == trade["predicted_profit"] == taken["predicted_profit"] > 0
    asset = taken["asset"]
    assert balance_of(w3, asset, owner) - before[asset] == trade["realised_profit"]
    assert 0 < trade["gas_used"] < 1_000_000
    # the gas model counts the stable hop's extra cost: its estimate is within 10 % of the receipt
    assert abs(taken["gas_units"] - trade["gas_used"]) < trade["gas_used"] // 10
