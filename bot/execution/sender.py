"""The sender: signs, broadcasts and tracks the bot's transactions from one account.

One `Sender` per account and one `NonceManager` inside it. A broadcast that fails in doubt (the node
did not answer) is checked by hash before anything else happens: if the node has the transaction it
counts as sent; if not, the nonce is resynced from the chain. The same signed bytes may be broadcast
twice (harmless); a different transaction at a used nonce only comes from `replace` (same call, fees
+12.5 %) or `cancel` (a 0-value transfer to self, fees +12.5 %), on purpose, for a stuck transaction.

    sender = Sender(rpc, signer, chain_id=137)
    sent = sender.send(flasharb, calldata, gas_limit, fees, ahead=journal_it)  # journal_it(sent, raw)
                                                     # runs after signing, before the broadcast
    receipt = sender.wait(sent, timeout_s=30)        # None if not mined yet
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, NoReturn

from eth_utils.crypto import keccak

from bot.errors import FlashArbError, RpcError
from bot.execution.gas import FeeQuote
from bot.execution.nonces import NonceManager
from bot.execution.rpc import NodeReplyError, Rpc
from bot.execution.signer import Signer, UnsignedTx

logger = logging.getLogger(__name__)

TRANSFER_GAS = 21_000


class SendError(FlashArbError):
    """A transaction could not be broadcast; the message says what the node answered. `in_doubt`: the
    node could not be asked whether it has the transaction (it may yet be mined)."""

    def __init__(self, message: str, *, in_doubt: bool = False) -> None:
        super().__init__(message)
        self.in_doubt = in_doubt


@dataclass(frozen=True, slots=True)
class SentTransaction:
    """A transaction the node accepted."""

    hash: str
    nonce: int
    sender: str
    to: str
    data: bytes
    value: int
    gas_limit: int
    fees: FeeQuote
    sent_at: float
    """Unix time of the broadcast."""
    kind: str = "trade"
    """"trade", "replacement" or "cancel"."""


WriteAhead = Callable[["SentTransaction", bytes], None]
"""Called with a signed transaction and its raw bytes before they are broadcast (the journal makes
them durable there); if it raises, nothing is broadcast."""


def _hash(raw: bytes) -> str:
    return "0x" + keccak(raw).hex()


class Sender:
    """Sends from `signer`'s account on chain `chain_id`; see the module docstring."""

    def __init__(self, rpc: Rpc, signer: Signer, chain_id: int, nonces: NonceManager | None = None) -> None:
        self.rpc = rpc
        self.signer = signer
        self.chain_id = chain_id
        self.address = signer.address
        self.nonces = nonces or NonceManager(lambda: rpc.nonce(self.address, "pending"))
        self.versions: dict[int, list[SentTransaction]] = {}
        """nonce -> every transaction broadcast at it (the original first), until one is mined."""

    @property
    def in_flight(self) -> list[SentTransaction]:
        """The latest version at each nonce not known to be mined yet, oldest nonce first."""
        return [versions[-1] for _, versions in sorted(self.versions.items())]

    def send(
        self,
        to: str,
        data: bytes,
        gas_limit: int,
        fees: FeeQuote,
        value: int = 0,
        kind: str = "trade",
        ahead: WriteAhead | None = None,
    ) -> SentTransaction:
        """Sign and broadcast a new transaction at the next nonce (`ahead`: see WriteAhead)."""
        nonce = self.nonces.current()
        if nonce in self.versions:
            raise SendError(f"nonce {nonce} already carries transaction {self.versions[nonce][-1].hash}")
        sent = self._broadcast(nonce, to, data, value, gas_limit, fees, kind, ahead)
        self.nonces.advance(nonce)
        return sent

    def _broadcast(
        self,
        nonce: int,
        to: str,
        data: bytes,
        value: int,
        gas_limit: int,
        fees: FeeQuote,
        kind: str,
        ahead: WriteAhead | None = None,
    ) -> SentTransaction:
        unsigned = UnsignedTx(
            chain_id=self.chain_id,
            nonce=nonce,
            to=to,
            data=data,
            gas_limit=gas_limit,
            max_fee=fees.max_fee,
            max_priority_fee=fees.max_priority_fee,
            value=value,
        )
        raw = self.signer.sign(unsigned)
        tx_hash = _hash(raw)
        sent = SentTransaction(
            tx_hash, nonce, self.address, to, data, value, gas_limit, fees, time.time(), kind
        )
        if ahead is not None:
            ahead(sent, raw)  # durable before the node sees it
        try:
            answer = self.rpc.request("eth_sendRawTransaction", ["0x" + raw.hex()])
            if isinstance(answer, str) and answer.lower() != tx_hash:
                raise SendError(f"the node answered hash {answer} for transaction {tx_hash}")
        except NodeReplyError as exc:
            lowered = exc.message.lower()
            if "already known" in lowered or "known transaction" in lowered:
                logger.info("send: node already has %s (nonce %d)", tx_hash, nonce)
            else:
                known = self._known(tx_hash)
                if known:
                    # an earlier attempt of this same broadcast got through (its reply was lost): the
                    # node now rejects the retry, e.g. "nonce too low" because the first one was mined
                    logger.warning(
                        "send: %s was accepted by an earlier attempt (node now says: %s)",
                        tx_hash,
                        exc.message,
                    )
                else:
                    # None: the node could not say whether it has the transaction (the lookup failed),
                    # so the refusal may be about an earlier attempt of this broadcast ("nonce too low":
                    # that attempt was mined). In doubt, it is looked up every block, never forgotten.
                    message = f"node refused the transaction at nonce {nonce}: {exc.message}"
                    self._refuse(message, known, resync="nonce" in lowered, cause=exc)
        except RpcError as exc:
            # In doubt: the node may have it. Ask before anything else touches this nonce.
            known = self._known(tx_hash)
            if not known:
                self._refuse(f"broadcast of the transaction at nonce {nonce} failed: {exc}", known, True, exc)
            logger.warning("send: the broadcast of %s failed in transit but the node has it", tx_hash)
        self.versions.setdefault(nonce, []).append(sent)
        logger.info(
            "sent %s %s nonce %d gas limit %d max fee %d tip %d",
            kind,
            tx_hash,
            nonce,
            gas_limit,
            fees.max_fee,
            fees.max_priority_fee,
        )
        return sent

    def _refuse(self, message: str, known: bool | None, resync: bool, cause: Exception) -> NoReturn:
        """Raise SendError(message): in doubt unless the node said it does not have the transaction
        (`known` False) and, with `resync`, the next nonce could be read again from the chain."""
        doubt = known is None
        if resync:
            try:
                self.nonces.resync()
            except RpcError:
                doubt = True
        raise SendError(message, in_doubt=doubt) from cause

    def _known(self, tx_hash: str) -> bool | None:
        """Whether the node has the transaction (pending or mined); None: the node could not say."""
        try:
            return self.rpc.transaction(tx_hash) is not None
        except RpcError:
            return None

    def replace(
        self, sent: SentTransaction, cap_wei: int | None = None, ahead: WriteAhead | None = None
    ) -> SentTransaction:
        """The same call at the same nonce with fees +12.5 % (a stuck transaction)."""
        self._check_latest(sent)
        fees = sent.fees.bumped(cap_wei)
        if fees.max_fee <= sent.fees.max_fee:
            raise SendError(
                f"cannot bump transaction {sent.hash}: its max fee is already at the cap {cap_wei}"
            )
        return self._broadcast(
            sent.nonce, sent.to, sent.data, sent.value, sent.gas_limit, fees, "replacement", ahead
        )

    def cancel(
        self, sent: SentTransaction, cap_wei: int | None = None, ahead: WriteAhead | None = None
    ) -> SentTransaction:
        """A 0-value transfer to self at the same nonce with fees +12.5 %: frees the nonce."""
        self._check_latest(sent)
        fees = sent.fees.bumped(cap_wei)
        return self._broadcast(sent.nonce, self.address, b"", 0, TRANSFER_GAS, fees, "cancel", ahead)

    def _check_latest(self, sent: SentTransaction) -> None:
        versions = self.versions.get(sent.nonce)
        if not versions or versions[-1].hash != sent.hash:
            raise SendError(f"transaction {sent.hash} is not the latest in flight at nonce {sent.nonce}")

    def receipt(self, sent: SentTransaction) -> tuple[SentTransaction, dict[str, Any]] | None:
        """The mined version at `sent`'s nonce and its receipt, or None while none is mined. Call
        `settle(nonce)` once the outcome is recorded."""
        for version in reversed(self.versions.get(sent.nonce, [sent])):
            receipt = self.rpc.receipt(version.hash)
            if receipt is not None and receipt.get("blockNumber") is not None:
                return version, receipt
        return None

    def settle(self, nonce: int) -> list[SentTransaction]:
        """Stop tracking the mined `nonce`; returns every version that was broadcast at it."""
        return self.versions.pop(nonce, [])

    def wait(
        self, sent: SentTransaction, timeout_s: float = 30.0, poll_s: float = 0.05
    ) -> tuple[SentTransaction, dict[str, Any]] | None:
        """Poll for a receipt of any version at `sent`'s nonce for up to `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        delay = poll_s
        while True:
            found = self.receipt(sent)
            if found is not None or time.monotonic() >= deadline:
                return found
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def adopt(self, sent: SentTransaction) -> None:
        """Track a transaction sent by an earlier run (from the journal) until it settles."""
        self.versions.setdefault(sent.nonce, []).append(replace(sent))
