"""A `MarketState`: every tracked pool's snapshot at one block, as the search consumes it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.market.snapshots import PoolSnapshot


@dataclass(frozen=True, slots=True)
class PoolFailure:
    """A pool whose read failed this block; it is left out of the block's MarketState."""

    address: str
    """The pool."""
    reason: str
    """What failed (which call, the revert data or the decoding error)."""


@dataclass(frozen=True, slots=True)
class MarketState:
    """Snapshots of all the pools that refreshed at `block`, by pool address."""

    block: int
    """The block the market is at: every snapshot holds its pool's values at this block (read at it,
    or read earlier and read back unchanged at it: `PoolSnapshot.block` is the first such block)."""
    pools: Mapping[str, PoolSnapshot] = field(default_factory=dict)
    """pool address -> snapshot."""

    def __post_init__(self) -> None:
        later = [s.address for s in self.pools.values() if s.block > self.block]
        if later:
            raise ValueError(
                f"MarketState at block {self.block} holds snapshots read at later blocks: {later[:5]}"
            )
        object.__setattr__(self, "pools", MappingProxyType(dict(self.pools)))

    def __iter__(self) -> Iterator[PoolSnapshot]:
        return iter(self.pools.values())

    def __len__(self) -> int:
        return len(self.pools)

    def __contains__(self, address: object) -> bool:
        return address in self.pools

    def get(self, address: str) -> PoolSnapshot | None:
        return self.pools.get(address)

    def replace(self, *snapshots: PoolSnapshot) -> MarketState:
        """The same market with some snapshots swapped for others (e.g. after a trade)."""
        pools = dict(self.pools)
        for snapshot in snapshots:
            pools[snapshot.address] = snapshot
        return MarketState(self.block, pools)


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """The outcome of one refresh."""

    market: MarketState
    """The snapshots that refreshed."""
    failed: tuple[PoolFailure, ...] = ()
    """The pools that did not, and why."""
    eth_calls: int = 0
    """eth_calls this refresh sent (1 in the steady state)."""
    sub_calls: int = 0
    """Multicall3 sub-calls this refresh made."""
