"""What every build step shares: the chain, the placer, the address book, compiled contracts, and the
records the manifest is made of."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from web3.contract import Contract

from bot.addressbook import AddressBook, Token
from bot.errors import ReplicaError
from bot.replica.artifacts import Artifact, npm_artifact
from bot.replica.chain import Chain
from bot.replica.placement import Placer

MAX_UINT256 = 2**256 - 1
DEADLINE = 2**63
"""A deadline for router calls that never passes."""


@dataclass
class BuildContext:
    chain: Chain
    placer: Placer
    book: AddressBook
    own: dict[str, Artifact]
    """Contracts compiled from contracts/replica, by name."""
    records: dict[str, Any] = field(default_factory=dict)
    """Manifest sections as they are filled: v2_pairs, v3_pools, balancer_pools, ..."""
    _approved: set[tuple[str, str]] = field(default_factory=set)

    @property
    def admin(self) -> str:
        return self.chain.sender

    def token(self, symbol: str) -> Token:
        return self.book.token(symbol)

    def erc20(self, symbol: str) -> Contract:
        return self.chain.contract(self.artifact("ReplicaToken"), self.token(symbol).address)

    def artifact(self, name: str) -> Artifact:
        """A contract compiled from contracts/replica, else an npm artifact."""
        if name in self.own:
            return self.own[name]
        return npm_artifact(name)

    def at(self, name: str, address: str) -> Contract:
        return self.chain.contract(self.artifact(name), address)

    def approve(self, symbol: str, spender: str) -> None:
        """Approve `spender` for the admin's `symbol` once (unlimited; replica admin only)."""
        key = (symbol, spender.lower())
        if key in self._approved:
            return
        token = self.erc20(symbol)
        self.chain.transact(f"approve {symbol} for {spender}", token.functions.approve(spender, MAX_UINT256))
        self._approved.add(key)

    def record(self, section: str, entry: Any) -> None:
        self.records.setdefault(section, []).append(entry)

    def require(self, condition: bool, message: str) -> None:
        if not condition:
            raise ReplicaError(message)
