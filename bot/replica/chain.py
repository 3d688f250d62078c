"""The builder's view of the chain it builds on: send as the admin, deploy, call, read receipts.

Transactions go through anvil's `eth_sendTransactionSync` (one round trip returns the receipt) from
the impersonated admin with an explicit gas limit, so a build needs no signing and no gas estimation.
A reverted step raises ReplicaError with the step's name and the decoded revert reason.
"""

from __future__ import annotations

import logging
from typing import Any

from eth_abi.abi import decode
from eth_utils.address import to_checksum_address
from web3 import HTTPProvider, Web3
from web3.contract import Contract

from bot.errors import ReplicaError
from bot.replica.artifacts import Artifact

logger = logging.getLogger(__name__)

TX_GAS = 29_000_000


class Chain:
    """A web3 connection to the anvil being built, sending as `sender` (impersonated, funded)."""

    def __init__(self, url: str, sender: str) -> None:
        self.w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 120}))
        self.sender = to_checksum_address(sender)
        self.tx_count = 0
        self.rpc("anvil_impersonateAccount", [self.sender])
        self.rpc("anvil_setBalance", [self.sender, hex(10**30)])

    def rpc(self, method: str, params: list[Any]) -> Any:
        reply = self.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        if "error" in reply:
            raise ReplicaError(f"{method} failed: {reply['error']}")
        return reply["result"]

    def send(self, step: str, to: str | None, data: str, value: int = 0) -> dict[str, Any]:
        """Send one transaction as the sender; returns the receipt, raises ReplicaError on revert."""
        tx: dict[str, Any] = {"from": self.sender, "data": data, "gas": hex(TX_GAS)}
        if to is not None:
            tx["to"] = to
        if value:
            tx["value"] = hex(value)
        receipt: dict[str, Any] = self.rpc("eth_sendTransactionSync", [tx])
        self.tx_count += 1
        if int(receipt["status"], 16) != 1:
            raise ReplicaError(f"replica build step {step!r} reverted: {self._reason(tx, receipt)}")
        return receipt

    def _reason(self, tx: dict[str, Any], receipt: dict[str, Any]) -> str:
        block = hex(int(receipt["blockNumber"], 16) - 1)
        reply = self.w3.provider.make_request("eth_call", [tx, block])  # type: ignore[arg-type]
        error = reply.get("error")
        if not error:
            return "no revert on replay (out of gas?)"
        data = error.get("data")
        if isinstance(data, str) and data.startswith("0x08c379a0"):
            return str(decode(["string"], bytes.fromhex(data[10:]))[0])
        return f"{error.get('message')} {data or ''}".strip()

    def deploy(
        self, step: str, artifact: Artifact, *args: Any, libraries: dict[str, str] | None = None
    ) -> str:
        """Deploy `artifact` with constructor `args`; returns the new contract's checksummed address."""
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode="0x" + artifact.linked(libraries or {}))
        return self.deploy_code(step, factory.constructor(*args).data_in_transaction)

    def deploy_code(self, step: str, creation_code: str) -> str:
        receipt = self.send(
            step, None, creation_code if creation_code.startswith("0x") else "0x" + creation_code
        )
        return to_checksum_address(receipt["contractAddress"])

    def contract(self, artifact: Artifact, address: str) -> Contract:
        return self.w3.eth.contract(address=to_checksum_address(address), abi=artifact.abi)

    def transact(self, step: str, call: Any, value: int = 0) -> dict[str, Any]:
        """Send a bound contract function call, e.g. `chain.transact("mint", token.functions.mint(a, 1))`."""
        return self.send(step, call.address, call._encode_transaction_data(), value)

    def block(self) -> dict[str, Any]:
        result: dict[str, Any] = self.rpc("eth_getBlockByNumber", ["latest", False])
        return result
