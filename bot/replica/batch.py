"""Send many build transactions and mine them in one block.

A build transaction sent on its own (`Chain.send`, `eth_sendTransactionSync`) is mined in a block of
its own; on the replica's state that costs about 90 ms a block, so the full replica's ~2,000
transactions would take minutes. A `TxBatch` turns automine off, queues each transaction with an
explicit nonce (`eth_sendTransaction`, a few ms), mines once with a block gas limit large enough for all
of them, checks every receipt, and turns automine back on. The transactions run in nonce order inside
the block, so a later one sees what an earlier one did (a pool created, then funded).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bot.errors import ReplicaError
from bot.replica.chain import TX_GAS, Chain

logger = logging.getLogger(__name__)

BATCH_BLOCK_GAS_LIMIT = 2**48
"""The block gas limit while a batch is mined (each build transaction carries TX_GAS)."""
DEFAULT_BLOCK_GAS_LIMIT = 30_000_000


@dataclass
class TxBatch:
    """Queue with `add`, then `mine` (or leave a `with` block) to mine and check everything."""

    chain: Chain
    steps: list[tuple[str, str]] = field(default_factory=list)
    """(step name, transaction hash) in nonce order."""
    _nonce: int | None = None

    def __enter__(self) -> TxBatch:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is None:
            self.mine()

    def add(self, step: str, call: Any, value: int = 0) -> None:
        """Queue a bound contract function call (as `Chain.transact` takes it)."""
        self.add_raw(step, call.address, call._encode_transaction_data(), value)

    def add_raw(self, step: str, to: str, data: str, value: int = 0) -> None:
        if self._nonce is None:
            self.chain.rpc("evm_setAutomine", [False])
            self.chain.rpc("evm_setBlockGasLimit", [hex(BATCH_BLOCK_GAS_LIMIT)])
            self._nonce = int(self.chain.rpc("eth_getTransactionCount", [self.chain.sender, "latest"]), 16)
        tx = {
            "from": self.chain.sender,
            "to": to,
            "data": data,
            "gas": hex(TX_GAS),
            "nonce": hex(self._nonce),
        }
        if value:
            tx["value"] = hex(value)
        self.steps.append((step, str(self.chain.rpc("eth_sendTransaction", [tx]))))
        self._nonce += 1

    def mine(self) -> list[dict[str, Any]]:
        """Mine everything queued; the receipts in order. ReplicaError names the first step that failed."""
        if self._nonce is None:
            return []
        try:
            pending = len(self.steps)
            while pending:
                self.chain.rpc("evm_mine", [])
                status = self.chain.rpc("txpool_status", [])
                raw = status.get("pending", 0) if isinstance(status, dict) else 0
                pending = int(raw, 16) if isinstance(raw, str) else int(raw)
        finally:
            self.chain.rpc("evm_setBlockGasLimit", [hex(DEFAULT_BLOCK_GAS_LIMIT)])
            self.chain.rpc("evm_setAutomine", [True])
            self._nonce = None
        receipts = []
        for step, tx_hash in self.steps:
            receipt = self.chain.rpc("eth_getTransactionReceipt", [tx_hash])
            if receipt is None:
                raise ReplicaError(f"replica build step {step!r} was not mined")
            if int(receipt["status"], 16) != 1:
                raise ReplicaError(f"replica build step {step!r} reverted in a batch")
            receipts.append(receipt)
        self.chain.tx_count += len(self.steps)
        logger.info("replica build: mined a batch of %d transactions", len(self.steps))
        self.steps = []
        return receipts
