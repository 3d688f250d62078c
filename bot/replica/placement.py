"""Put contracts at their canonical Polygon addresses.

A contract cannot be deployed at an address of our choosing, so each one is deployed at a scratch
address and then moved: its runtime code and the storage its constructor wrote are copied to the
canonical address (`anvil_setCode`, `anvil_setStorageAt`; storage read from `anvil_dumpState`), and
the scratch account is wiped so no second copy stays live.

Runtime code can hold the contract's own address as an immutable (Uniswap V3's NoDelegateCall
`original`, Balancer's `Authentication` action-id disambiguator, a factory's code-contract pointers)
and the addresses of contracts created in the same batch (the Balancer Vault's ProtocolFeesCollector).
Every scratch address of a batch is therefore replaced by its canonical address in every placed
contract's code and storage values. A 20-byte address colliding with unrelated bytecode by chance is
not a practical concern (2^-160 per position), and every placed system is exercised by the tests.
"""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address

from bot.errors import ReplicaError
from bot.replica.artifacts import Artifact
from bot.replica.chain import Chain

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Move:
    step: str
    scratch: str
    canonical: str
    with_storage: bool


def dump_state_bytes(chain: Chain) -> bytes:
    """anvil's whole state as the JSON text `anvil --load-state` reads (anvil_dumpState is gzip hex)."""
    raw = chain.rpc("anvil_dumpState", [])
    return gzip.decompress(bytes.fromhex(raw.removeprefix("0x")))


def dump_state(chain: Chain) -> dict[str, Any]:
    """anvil's whole state as a dict."""
    state: dict[str, Any] = json.loads(dump_state_bytes(chain))
    return state


class Placer:
    """Collects deployments bound for canonical addresses and moves them in one batch (`flush`)."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self._pending: list[_Move] = []
        self.placed: dict[str, str] = {}  # step -> canonical address

    def deploy(
        self,
        step: str,
        canonical: str,
        artifact: Artifact,
        *args: Any,
        libraries: dict[str, str] | None = None,
        with_storage: bool = True,
    ) -> str:
        """Deploy `artifact(*args)` at a scratch address, to be moved to `canonical` by `flush()`.
        Returns the scratch address (usable until the flush)."""
        scratch = self.chain.deploy(step, artifact, *args, libraries=libraries)
        self.add(step, scratch, canonical, with_storage=with_storage)
        return scratch

    def add(self, step: str, scratch: str, canonical: str, *, with_storage: bool = True) -> None:
        """Move an existing contract (e.g. one created by another's constructor) on the next flush."""
        self._pending.append(
            _Move(step, to_checksum_address(scratch), to_checksum_address(canonical), with_storage)
        )

    def flush(self) -> None:
        """Move every pending contract to its canonical address and wipe its scratch account."""
        if not self._pending:
            return
        moves, self._pending = self._pending, []
        state = dump_state(self.chain)["accounts"] if any(m.with_storage for m in moves) else {}
        rename = {m.scratch.lower()[2:]: m.canonical.lower()[2:] for m in moves}

        def patch(hex_text: str) -> str:
            for old, new in rename.items():
                hex_text = hex_text.replace(old, new)
            return hex_text

        for move in moves:
            existing = self.chain.rpc("eth_getCode", [move.canonical, "latest"])
            if existing not in ("0x", "0x0", ""):
                raise ReplicaError(
                    f"{move.step}: {move.canonical} already has code; refusing to overwrite it"
                )
            code = self.chain.rpc("eth_getCode", [move.scratch, "latest"])
            if code in ("0x", ""):
                raise ReplicaError(f"{move.step}: no code at scratch address {move.scratch}")
            account = state.get(move.scratch.lower(), {})
            self.chain.rpc("anvil_setCode", [move.canonical, patch(code)])
            self.chain.rpc("anvil_setNonce", [move.canonical, hex(int(account.get("nonce", 1)))])
            storage: dict[str, str] = account.get("storage", {}) if move.with_storage else {}
            for slot, value in storage.items():
                self.chain.rpc("anvil_setStorageAt", [move.canonical, slot, patch(value)])
            # Wipe the scratch copy: no second live instance of a placed contract.
            self.chain.rpc("anvil_setCode", [move.scratch, "0x"])
            for slot in storage:
                self.chain.rpc("anvil_setStorageAt", [move.scratch, slot, "0x" + "00" * 32])
            self.placed[move.step] = move.canonical
            logger.debug("placed %s at %s (%d storage slots)", move.step, move.canonical, len(storage))
