"""Signing: an unsigned EIP-1559 transaction in, raw signed bytes out.

`ApeSigner` signs with an ape account (an encrypted keystore, or a test account on a dev chain), so
the bot never sees a private key. Anything with `address` and `sign(UnsignedTx) -> bytes` will do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from eth_utils.address import to_checksum_address

from bot.errors import FlashArbError


@dataclass(frozen=True, slots=True)
class UnsignedTx:
    """The fields of one EIP-1559 (type 2) transaction."""

    chain_id: int
    nonce: int
    to: str
    data: bytes
    gas_limit: int
    max_fee: int
    max_priority_fee: int
    value: int = 0


class Signer(Protocol):
    """Signs transactions for one account."""

    @property
    def address(self) -> str: ...

    def sign(self, tx: UnsignedTx) -> bytes: ...


class SigningError(FlashArbError):
    """The account refused or failed to sign (a locked keystore, a declined prompt)."""


class ApeSigner:
    """Signs with an ape account through the connected ecosystem's transaction model."""

    def __init__(self, account: Any, ecosystem: Any) -> None:
        self.account = account
        self.ecosystem = ecosystem
        self._address = str(to_checksum_address(account.address))

    @property
    def address(self) -> str:
        return self._address

    def sign(self, tx: UnsignedTx) -> bytes:
        txn = self.ecosystem.create_transaction(
            chain_id=tx.chain_id,
            nonce=tx.nonce,
            to=tx.to,
            data=tx.data,
            value=tx.value,
            gas_limit=tx.gas_limit,
            max_fee=tx.max_fee,
            max_priority_fee=tx.max_priority_fee,
            type=2,
            sender=self._address,
        )
        signed = self.account.sign_transaction(txn)
        if signed is None or getattr(signed, "signature", None) is None:
            raise SigningError(f"account {self._address} did not sign the transaction (declined or locked)")
        return bytes(signed.serialize_transaction())
