"""ReplicaNode serves the cached state and leaves no process behind; deal sets balances exactly."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3

from bot.errors import ReplicaError
from bot.replica import ReplicaNode
from bot.replica.anvil import free_port
from bot.replica.build import Replica
from bot.replica.deal import deal
from bot.replica.node import KEPT_STATES


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_node_serves_the_replica_and_stops_without_leftovers(replica: Any) -> None:
    with ReplicaNode(replica) as node:
        pid = node.pid
        w3 = Web3(Web3.HTTPProvider(node.url))
        assert w3.eth.chain_id == 137
        assert w3.eth.block_number == replica.manifest.block_number
        assert len(w3.eth.get_code(replica.manifest.tokens["WETH"].address)) > 0
    assert gone(pid)
    assert not node.alive()


def test_a_serving_node_keeps_a_bounded_history_of_states(replica: Any) -> None:
    """A replica serving a block every 2 s for days must not grow without bound: the last KEPT_STATES
    block states are kept (in memory), older ones are dropped; blocks and logs all stay."""
    weth = replica.manifest.tokens["WETH"].address
    with ReplicaNode(replica) as node:
        w3 = Web3(Web3.HTTPProvider(node.url))
        built = w3.eth.block_number
        for _ in range(KEPT_STATES + 20):
            w3.provider.make_request("evm_mine", [])
        head = w3.eth.block_number
        assert len(w3.eth.get_code(weth, head - KEPT_STATES + 10)) > 0
        reply = w3.provider.make_request("eth_getCode", [weth, hex(head - KEPT_STATES - 10)])
        assert "error" in reply, reply
        assert w3.eth.get_block(built)["number"] == built  # the chain itself is all there
        assert w3.eth.get_logs({"fromBlock": 0, "toBlock": built})


def test_node_on_a_chosen_port_and_two_at_once(replica: Any) -> None:
    port = free_port()
    first = ReplicaNode(replica, port=port).start()
    second = ReplicaNode(replica).start()
    try:
        assert first.url == f"http://127.0.0.1:{port}"
        assert second.port != port
        assert Web3(Web3.HTTPProvider(second.url)).eth.chain_id == 137
    finally:
        first.stop()
        second.stop()
    first.stop()  # stopping twice is harmless
    assert not first.alive() and not second.alive()


def test_node_refuses_a_missing_state(replica: Any, tmp_path: Path) -> None:
    ghost = Replica(directory=tmp_path, manifest=replica.manifest)
    with pytest.raises(ReplicaError, match="state file .* does not exist"):
        ReplicaNode(ghost).start()


@pytest.mark.parametrize("symbol", ["WMATIC", "USDC", "USDC.e", "USDT", "DAI", "WETH", "WBTC", "QUICK"])
def test_deal_sets_the_exact_balance(symbol: str, w3: Any, book: Any, accounts: Any, erc20: Any) -> None:
    token = book.tokens[symbol]
    for amount in (123_456_789, 0, 10**30):
        deal(w3, token.address, accounts[7].address, amount)
        assert erc20(token.address).balanceOf(accounts[7]) == amount
    # another account of the same token (the remembered layout) does not disturb the first
    deal(w3, token.address, accounts[8].address, 42)
    assert erc20(token.address).balanceOf(accounts[8]) == 42
    assert erc20(token.address).balanceOf(accounts[7]) == 10**30


def test_deal_works_for_lp_tokens(w3: Any, replica: Any, accounts: Any, erc20: Any) -> None:
    for lp in (replica.manifest.v2_pairs[0].address, replica.manifest.balancer_pools[0].address):
        deal(w3, lp, accounts[7].address, 777)
        assert erc20(lp).balanceOf(accounts[7]) == 777


def test_deal_names_the_token_it_cannot_handle(w3: Any, book: Any, accounts: Any) -> None:
    no_code = "0x000000000000000000000000000000000000dEaD"
    with pytest.raises(ReplicaError, match=f"no contract at token address {no_code}"):
        deal(w3, no_code, accounts[7].address, 1)
    # Multicall3 has no balanceOf (the call reverts): no storage slot can hold a balance.
    with pytest.raises(ReplicaError, match=book.multicall3.address):
        deal(w3, book.multicall3.address, accounts[7].address, 1)
    with pytest.raises(ReplicaError, match="amount must be an integer"):
        deal(w3, book.tokens["WETH"].address, accounts[7].address, -1)
