"""The token graph and its arbitrage cycles.

Every pool gives one directed edge (a `Leg`) per ordered pair of its tokens. A `Cycle` is 2 to 4 legs
through distinct pools and distinct intermediate tokens that starts and ends in one borrowable asset
(an Aave reserve with flash loans enabled, or a token the Balancer Vault holds). Cycles depend only on
which pools exist, so they are enumerated once per pool set, not per block.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from bot.errors import ConfigError
from bot.route.model import HopKind


class PoolLike(Protocol):
    """Anything that names a pool, its kind and its tokens (a PoolInfo or a snapshot)."""

    @property
    def address(self) -> str: ...

    @property
    def tokens(self) -> tuple[str, ...]: ...

    @property
    def kind(self) -> HopKind: ...


@dataclass(frozen=True, slots=True)
class Leg:
    """One directed swap: sell `token_in` for `token_out` in `pool`."""

    pool: str
    """The pool's address."""
    kind: HopKind
    """The pool's protocol."""
    token_in: str
    """The token sold."""
    token_out: str
    """The token bought."""
    index_in: int
    """Position of token_in among the pool's tokens (Curve i, Balancer's token index)."""
    index_out: int
    """Position of token_out (Curve j)."""
    underlying: bool = False
    """Curve lending pools: the leg trades the underlying coins i and j (exchange_underlying), which
    move the same balances as the wrapped coins i and j."""

    @property
    def zero_for_one(self) -> bool:
        """Uniswap V2/V3: True when selling token0."""
        return self.index_in == 0


@dataclass(frozen=True, slots=True)
class Cycle:
    """Legs that start and end in `asset`."""

    asset: str
    """The borrowed token: sold by the first leg, bought by the last."""
    legs: tuple[Leg, ...]
    """The swaps, in order."""

    @property
    def pools(self) -> tuple[str, ...]:
        return tuple(leg.pool for leg in self.legs)

    @property
    def path(self) -> tuple[str, ...]:
        """The tokens visited: asset, ..., asset."""
        return (self.asset, *(leg.token_out for leg in self.legs))

    def __str__(self) -> str:
        hops = " -> ".join(f"{leg.token_out[:8]}({leg.kind.name}:{leg.pool[:8]})" for leg in self.legs)
        return f"{self.asset[:8]} -> {hops}"


def legs_of(pool: PoolLike) -> list[Leg]:
    """The directed legs of one pool; a Curve lending pool adds one per ordered pair of its underlying
    coins. A pool's own token (a ComposableStable pool's BPT, registered among its tokens) is never
    traded: it joins and exits the pool, it is not a market."""
    tokens = pool.tokens
    own = pool.address.lower()
    legs = [
        Leg(pool.address, pool.kind, tokens[i], tokens[j], i, j)
        for i in range(len(tokens))
        for j in range(len(tokens))
        if i != j and tokens[i].lower() != own and tokens[j].lower() != own
    ]
    underlying: tuple[str, ...] = getattr(pool, "underlying_coins", ())
    legs.extend(
        Leg(pool.address, pool.kind, underlying[i], underlying[j], i, j, underlying=True)
        for i in range(len(underlying))
        for j in range(len(underlying))
        if i != j
    )
    return legs


def enumerate_cycles(
    pools: Iterable[PoolLike],
    borrowable: Iterable[str],
    *,
    min_hops: int = 2,
    max_hops: int = 4,
    max_cycles: int | None = None,
) -> tuple[Cycle, ...]:
    """Every cycle of `min_hops`..`max_hops` legs starting and ending in a borrowable token, with no
    pool used twice and no intermediate token visited twice. A cycle and its reverse are different
    trades and both are listed; so are the rotations that start in different borrowable tokens.

    More than `max_cycles` cycles raises TooManyCycles as soon as the count passes it (the walk stops
    there: at Polygon scale four hops make tens of millions of cycles, minutes and gigabytes)."""
    if not 2 <= min_hops <= max_hops <= 4:
        raise ConfigError(
            f"cycle length must satisfy 2 <= min_hops <= max_hops <= 4, got {min_hops}..{max_hops}"
        )
    out_legs: dict[str, list[Leg]] = defaultdict(list)
    seen_pools = set()
    for pool in pools:
        if pool.address in seen_pools:
            raise ConfigError(f"pool {pool.address} is listed twice")
        seen_pools.add(pool.address)
        for leg in legs_of(pool):
            out_legs[leg.token_in].append(leg)
    cycles = _Bounded(max_cycles)
    try:
        for asset in sorted(set(borrowable)):
            if asset in out_legs:
                _walk(out_legs, asset, asset, [], set(), {asset}, min_hops, max_hops, cycles)
    except _Overflow:
        assert max_cycles is not None
        raise TooManyCycles(max_cycles, max_hops, len(seen_pools)) from None
    return tuple(cycles)


class TooManyCycles(ConfigError):
    """The pool set makes more cycles than allowed."""

    def __init__(self, limit: int, max_hops: int, pools: int) -> None:
        super().__init__(
            f"the {pools} pools make more than {limit:,} cycles of up to {max_hops} hops; set max_hops "
            f"to {max_hops - 1} or fewer, trade fewer tokens, or raise max_cycles (memory and the time "
            "each block takes grow with the cycle count)"
        )
        self.limit, self.max_hops, self.pools = limit, max_hops, pools


class _Bounded(list[Cycle]):
    """The cycles found so far; appending past `limit` raises _Overflow."""

    def __init__(self, limit: int | None) -> None:
        super().__init__()
        self.limit = limit

    def append(self, cycle: Cycle) -> None:
        super().append(cycle)
        if self.limit is not None and len(self) > self.limit:
            raise _Overflow


class _Overflow(Exception):
    pass


def _walk(
    out_legs: dict[str, list[Leg]],
    asset: str,
    token: str,
    path: list[Leg],
    used_pools: set[str],
    visited: set[str],
    min_hops: int,
    max_hops: int,
    cycles: list[Cycle],
) -> None:
    """Depth-first: extend `path` (which ends in `token`) by every leg that closes a cycle back to
    `asset` or reaches a token not visited yet, through a pool not used yet."""
    for leg in out_legs[token]:
        if leg.pool in used_pools:
            continue
        depth = len(path) + 1
        if leg.token_out == asset:
            if depth >= min_hops:
                cycles.append(Cycle(asset, (*path, leg)))
            continue
        if depth >= max_hops or leg.token_out in visited:
            continue
        path.append(leg)
        used_pools.add(leg.pool)
        visited.add(leg.token_out)
        _walk(out_legs, asset, leg.token_out, path, used_pools, visited, min_hops, max_hops, cycles)
        visited.discard(leg.token_out)
        used_pools.discard(leg.pool)
        path.pop()
