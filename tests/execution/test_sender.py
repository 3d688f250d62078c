"""The sender and its nonce manager against a scripted node: no nonce is ever given to two
different transactions by accident, and a broadcast lost in transit is checked before retrying."""

from __future__ import annotations

import re
from typing import Any

import pytest
from eth_utils.crypto import keccak

from bot.errors import RpcError
from bot.execution.gas import GWEI, FeeQuote
from bot.execution.nonces import NonceManager
from bot.execution.rpc import NodeReplyError
from bot.execution.sender import Sender, SendError
from bot.execution.signer import UnsignedTx

FEES = FeeQuote(base_fee=GWEI, max_priority_fee=30 * GWEI, max_fee=40 * GWEI)
TARGET = "0x" + "ab" * 20


class FakeSigner:
    address = "0x" + "cd" * 20

    def sign(self, tx: UnsignedTx) -> bytes:
        return repr(tx).encode()


class FakeNode:
    """eth_sendRawTransaction answers from a script; the mempool is a dict."""

    def __init__(self, pending_nonce: int = 7) -> None:
        self.pending_nonce = pending_nonce
        self.mempool: dict[str, bytes] = {}
        self.script: list[Any] = []
        self.requests: list[str] = []

    def request(self, method: str, params: list[Any]) -> Any:
        self.requests.append(method)
        if method == "eth_getTransactionCount":
            return hex(self.pending_nonce)
        if method == "eth_getTransactionByHash":
            return {"hash": params[0]} if params[0] in self.mempool else None
        if method == "eth_getTransactionReceipt":
            return None
        if method == "eth_sendRawTransaction":
            raw = bytes.fromhex(params[0][2:])
            tx_hash = "0x" + keccak(raw).hex()
            outcome = self.script.pop(0) if self.script else "accept"
            if outcome in ("accept", "lost reply"):
                self.mempool[tx_hash] = raw
                nonce = int(re.search(rb"nonce=(\d+)", raw).group(1))  # type: ignore[union-attr]
                self.pending_nonce = max(self.pending_nonce, nonce + 1)
            if outcome == "lost reply":
                raise RpcError("eth_sendRawTransaction failed after 5 attempts: ReadTimeout")
            if isinstance(outcome, Exception):
                raise outcome
            return tx_hash
        raise AssertionError(method)

    def nonce(self, address: str, block: str = "pending") -> int:
        return int(self.request("eth_getTransactionCount", [address, block]), 16)

    def transaction(self, tx_hash: str) -> Any:
        return self.request("eth_getTransactionByHash", [tx_hash])

    def receipt(self, tx_hash: str) -> Any:
        return self.request("eth_getTransactionReceipt", [tx_hash])


def test_nonces_come_from_the_chain_then_count_up() -> None:
    node = FakeNode(pending_nonce=7)
    sender = Sender(node, FakeSigner(), 137)  # type: ignore[arg-type]
    first = sender.send(TARGET, b"\x01", 300_000, FEES)
    second = sender.send(TARGET, b"\x02", 300_000, FEES)
    assert (first.nonce, second.nonce) == (7, 8)
    assert node.requests.count("eth_getTransactionCount") == 1
    assert [t.nonce for t in sender.in_flight] == [7, 8]


def test_a_refused_send_does_not_burn_the_nonce_and_resyncs_on_nonce_errors() -> None:
    node = FakeNode(pending_nonce=3)
    node.script = [NodeReplyError("eth_sendRawTransaction", -32000, "insufficient funds for gas")]
    sender = Sender(node, FakeSigner(), 137)  # type: ignore[arg-type]
    with pytest.raises(SendError, match="insufficient funds"):
        sender.send(TARGET, b"\x01", 300_000, FEES)
    assert sender.send(TARGET, b"\x01", 300_000, FEES).nonce == 3

    node.pending_nonce = 9  # another tool used the account
    node.script = [
        NodeReplyError("eth_sendRawTransaction", -32000, "nonce too low: next nonce 9, tx nonce 4")
    ]
    with pytest.raises(SendError, match="nonce too low"):
        sender.send(TARGET, b"\x02", 300_000, FEES)
    assert sender.send(TARGET, b"\x02", 300_000, FEES).nonce == 9


def test_a_broadcast_lost_in_transit_is_checked_by_hash_not_resent_at_a_new_nonce() -> None:
    node = FakeNode(pending_nonce=5)
    sender = Sender(node, FakeSigner(), 137)  # type: ignore[arg-type]
    node.script = ["lost reply"]  # the node got it, the answer was lost
    sent = sender.send(TARGET, b"\x01", 300_000, FEES)
    assert sent.nonce == 5 and sent.hash in node.mempool
    assert sender.send(TARGET, b"\x02", 300_000, FEES).nonce == 6

    node.script = [RpcError("connection refused")]  # the node never got it
    with pytest.raises(SendError, match="failed"):
        sender.send(TARGET, b"\x03", 300_000, FEES)
    assert sender.send(TARGET, b"\x03", 300_000, FEES).nonce == 7


def test_a_resync_below_a_nonce_in_flight_refuses_to_reuse_it() -> None:
    node = FakeNode(pending_nonce=5)
    sender = Sender(node, FakeSigner(), 137)  # type: ignore[arg-type]
    sender.send(TARGET, b"\x01", 300_000, FEES)
    node.pending_nonce = 5  # the node forgot it (evicted); only replace/cancel may touch nonce 5
    node.script = [NodeReplyError("eth_sendRawTransaction", -32000, "nonce too high")]
    with pytest.raises(SendError):
        sender.send(TARGET, b"\x02", 300_000, FEES)
    with pytest.raises(SendError, match="already carries"):
        sender.send(TARGET, b"\x02", 300_000, FEES)


def test_a_retried_broadcast_the_node_already_mined_counts_as_sent() -> None:
    node = FakeNode(pending_nonce=2)
    sender = Sender(node, FakeSigner(), 137)  # type: ignore[arg-type]
    raw = FakeSigner().sign(UnsignedTx(137, 2, TARGET, b"\x01", 300_000, FEES.max_fee, FEES.max_priority_fee))
    node.mempool["0x" + keccak(raw).hex()] = raw  # the first attempt got through, its reply was lost
    node.script = [NodeReplyError("eth_sendRawTransaction", -32003, "nonce too low")]  # the retry
    sent = sender.send(TARGET, b"\x01", 300_000, FEES)
    assert sent.nonce == 2 and sent.hash == "0x" + keccak(raw).hex()
    assert sender.nonces.current() == 3


def test_replace_and_cancel_reuse_the_nonce_only_on_purpose() -> None:
    node = FakeNode(pending_nonce=1)
    sender = Sender(node, FakeSigner(), 137)  # type: ignore[arg-type]
    sent = sender.send(TARGET, b"\x01", 300_000, FEES)
    replacement = sender.replace(sent, cap_wei=500 * GWEI)
    assert replacement.nonce == sent.nonce and replacement.data == sent.data
    assert replacement.fees.max_fee > sent.fees.max_fee and replacement.hash != sent.hash
    with pytest.raises(SendError, match="not the latest"):
        sender.replace(sent)
    cancel = sender.cancel(replacement)
    assert (cancel.nonce, cancel.to, cancel.value, cancel.data, cancel.gas_limit) == (
        1,
        FakeSigner.address,
        0,
        b"",
        21_000,
    )
    assert [v.kind for v in sender.versions[1]] == ["trade", "replacement", "cancel"]
    assert sender.send(TARGET, b"\x02", 300_000, FEES).nonce == 2


def test_nonce_manager_refuses_out_of_order_use() -> None:
    manager = NonceManager(lambda: 4)
    assert manager.current() == 4
    manager.advance(4)
    with pytest.raises(ValueError, match="two senders"):
        manager.advance(4)
