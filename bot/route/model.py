"""The route model: what FlashArb's `execute` runs, as frozen dataclasses with integer amounts.

A route borrows `amount` of `asset` from a lender, runs 2 to 4 hops, each selling the previous hop's
output (hop 0 sells `asset`), and must end in `asset`. Validation here mirrors `Route.validate` in
contracts/libraries/Route.sol, so a route that constructs also passes the contract's checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from eth_utils.address import is_hex_address, to_checksum_address

from bot.errors import RouteError

UINT128_MAX = 2**128 - 1
MIN_HOPS = 2
MAX_HOPS = 4
BPS = 10_000


class Lender(IntEnum):
    """Where the borrowed asset comes from (the header's first byte)."""

    AAVE = 0
    """Aave V3 `flashLoanSimple`; the premium is read on-chain (5 bps on Polygon today)."""
    BALANCER = 1
    """Balancer V2 Vault `flashLoan`; fee 0 today. Cannot be combined with Balancer hops."""
    UNISWAP_V2 = 2
    """The first hop's Uniswap V2 pair: a flash swap, repaid in `asset` inside `uniswapV2Call`."""
    UNISWAP_V3 = 3
    """The first hop's Uniswap V3 pool: the rest of the route runs inside the swap callback."""
    ALGEBRA = 4
    """The first hop's Algebra pool (QuickSwap V3): the rest of the route runs inside the swap callback."""


class HopKind(IntEnum):
    """The protocol a hop swaps in (each hop's first byte)."""

    UNISWAP_V2 = 0
    UNISWAP_V3 = 1
    BALANCER = 2
    CURVE = 3
    ALGEBRA = 4
    """An Algebra V1 pool (QuickSwap V3): pool.swap with `algebraSwapCallback`."""


_FIRST_HOP_FOR_LENDER = {
    Lender.UNISWAP_V2: HopKind.UNISWAP_V2,
    Lender.UNISWAP_V3: HopKind.UNISWAP_V3,
    Lender.ALGEBRA: HopKind.ALGEBRA,
}


def checksum(value: object, what: str) -> str:
    """`value` as a checksummed address, or RouteError naming `what`."""
    if not isinstance(value, str) or not is_hex_address(value):
        raise RouteError(f"{what}: {value!r} is not a 20-byte hex address")
    return str(to_checksum_address(value))


def _uint(value: object, what: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise RouteError(f"{what}: {value!r} is not an integer")
    if not low <= value <= high:
        raise RouteError(f"{what}: {value} is outside {low}..{high}")
    return value


@dataclass(frozen=True, slots=True)
class Hop:
    """One swap. Build it with the constructor for its kind (`Hop.uniswap_v2(...)` etc.)."""

    kind: HopKind
    """The protocol."""
    pool: str
    """The pool (for Balancer, the pool's address: the first 20 bytes of `pool_id`)."""
    token_out: str
    """The token this hop produces; its input is the previous hop's output."""
    min_out: int = 0
    """The least output this hop may produce (0: only the route's final profit check applies)."""
    fee_bps: int = 0
    """Uniswap V2 only: the pair's swap fee in basis points (30 for QuickSwap and SushiSwap)."""
    pool_id: bytes = field(default=b"")
    """Balancer only: the 32-byte pool id."""
    curve_i: int = 0
    """Curve only: the index of the coin sold."""
    curve_j: int = 0
    """Curve only: the index of the coin bought."""
    curve_underlying: bool = False
    """Curve only: trade the pool's underlying coins i and j with exchange_underlying (a lending
    pool such as Polygon's aave pool) instead of its coins with exchange."""

    def __post_init__(self) -> None:
        if not isinstance(self.kind, HopKind):
            try:
                object.__setattr__(self, "kind", HopKind(self.kind))
            except ValueError:
                raise RouteError(
                    f"hop kind: {self.kind!r} is not one of {[k.name for k in HopKind]}"
                ) from None
        object.__setattr__(self, "pool", checksum(self.pool, "hop pool"))
        object.__setattr__(self, "token_out", checksum(self.token_out, "hop token_out"))
        _uint(self.min_out, "hop min_out", 0, UINT128_MAX)
        kind = self.kind
        if kind is HopKind.UNISWAP_V2:
            _uint(self.fee_bps, "Uniswap V2 hop fee_bps", 0, BPS - 1)
        elif self.fee_bps != 0:
            raise RouteError(f"fee_bps is for Uniswap V2 hops only, got {self.fee_bps} on a {kind.name} hop")
        if kind is HopKind.BALANCER:
            if not isinstance(self.pool_id, bytes) or len(self.pool_id) != 32:
                raise RouteError(f"Balancer hop pool_id: expected 32 bytes, got {self.pool_id!r}")
            if self.pool_id[:20] != bytes.fromhex(self.pool[2:]):
                raise RouteError(
                    f"Balancer hop: pool {self.pool} is not the address in pool_id 0x{self.pool_id.hex()}"
                )
        elif self.pool_id != b"":
            raise RouteError(f"pool_id is for Balancer hops only, got one on a {kind.name} hop")
        if kind is HopKind.CURVE:
            _uint(self.curve_i, "Curve hop curve_i", 0, 255)
            _uint(self.curve_j, "Curve hop curve_j", 0, 255)
            if self.curve_i == self.curve_j:
                raise RouteError(f"Curve hop: curve_i and curve_j are both {self.curve_i}")
        elif self.curve_i or self.curve_j or self.curve_underlying:
            raise RouteError(
                f"curve_i/curve_j/curve_underlying are for Curve hops only, got them on a {kind.name} hop"
            )

    @classmethod
    def uniswap_v2(cls, pair: str, token_out: str, fee_bps: int = 30, min_out: int = 0) -> Hop:
        """A swap in a Uniswap V2 pair (QuickSwap, SushiSwap) with the pair's fee in bps."""
        return cls(HopKind.UNISWAP_V2, pair, token_out, min_out, fee_bps=fee_bps)

    @classmethod
    def uniswap_v3(cls, pool: str, token_out: str, min_out: int = 0) -> Hop:
        """A swap in a Uniswap V3 pool."""
        return cls(HopKind.UNISWAP_V3, pool, token_out, min_out)

    @classmethod
    def algebra(cls, pool: str, token_out: str, min_out: int = 0) -> Hop:
        """A swap in an Algebra V1 pool (QuickSwap V3)."""
        return cls(HopKind.ALGEBRA, pool, token_out, min_out)

    @classmethod
    def balancer(cls, pool_id: bytes | str, token_out: str, min_out: int = 0) -> Hop:
        """A single swap through the Balancer V2 Vault in pool `pool_id` (bytes or 0x hex)."""
        if isinstance(pool_id, str):
            try:
                pool_id = bytes.fromhex(pool_id.removeprefix("0x"))
            except ValueError:
                raise RouteError(f"Balancer hop pool_id: {pool_id!r} is not hex") from None
        if len(pool_id) != 32:
            raise RouteError(f"Balancer hop pool_id: expected 32 bytes, got {len(pool_id)}")
        return cls(HopKind.BALANCER, "0x" + pool_id[:20].hex(), token_out, min_out, pool_id=pool_id)

    @classmethod
    def curve(
        cls, pool: str, i: int, j: int, token_out: str, min_out: int = 0, *, underlying: bool = False
    ) -> Hop:
        """An exchange in a Curve StableSwap pool selling coin `i` for coin `j`; with `underlying`, of
        underlying coin `i` for underlying coin `j` (exchange_underlying)."""
        return cls(HopKind.CURVE, pool, token_out, min_out, curve_i=i, curve_j=j, curve_underlying=underlying)


@dataclass(frozen=True, slots=True)
class Route:
    """A whole trade: lender, asset, amount, minimum profit and 2 to 4 hops ending in `asset`."""

    lender: Lender
    """Where the asset is borrowed."""
    asset: str
    """The token borrowed, sold by hop 0, and bought by the last hop."""
    amount: int
    """The amount borrowed, in the asset's smallest unit (1..2**128-1)."""
    hops: tuple[Hop, ...]
    """The swaps, in order."""
    min_profit: int = 0
    """The least profit in the asset's smallest unit; less and the trade reverts."""

    def __post_init__(self) -> None:
        if not isinstance(self.lender, Lender):
            try:
                object.__setattr__(self, "lender", Lender(self.lender))
            except ValueError:
                raise RouteError(
                    f"lender: {self.lender!r} is not one of {[k.name for k in Lender]}"
                ) from None
        object.__setattr__(self, "asset", checksum(self.asset, "route asset"))
        _uint(self.amount, "route amount", 1, UINT128_MAX)
        _uint(self.min_profit, "route min_profit", 0, UINT128_MAX)
        hops = tuple(self.hops)
        object.__setattr__(self, "hops", hops)
        if not MIN_HOPS <= len(hops) <= MAX_HOPS:
            raise RouteError(f"route hops: {len(hops)} hops, allowed {MIN_HOPS}..{MAX_HOPS} (a cycle)")
        token_in = self.asset
        for i, hop in enumerate(hops):
            if not isinstance(hop, Hop):
                raise RouteError(f"hop {i}: {hop!r} is not a Hop")
            if hop.token_out == token_in:
                raise RouteError(f"hop {i}: token_out {hop.token_out} is also its input")
            if hop.kind is HopKind.BALANCER and self.lender is Lender.BALANCER:
                raise RouteError(
                    f"hop {i}: a Balancer hop cannot run inside a Balancer flash loan (the Vault's "
                    "reentrancy guard); borrow from Aave or a pool instead"
                )
            token_in = hop.token_out
        if token_in != self.asset:
            raise RouteError(f"route is not a cycle: it ends in {token_in}, not in the asset {self.asset}")
        needed = _FIRST_HOP_FOR_LENDER.get(self.lender)
        if needed is not None:
            if hops[0].kind is not needed:
                raise RouteError(
                    f"lender {self.lender.name} lends from the first hop's pool, which must be a "
                    f"{needed.name} hop, not {hops[0].kind.name}"
                )
            for i, hop in enumerate(hops[1:], start=1):
                if hop.pool == hops[0].pool:
                    raise RouteError(f"hop {i}: pool {hop.pool} is the lender and is locked during the route")

    def token_in(self, index: int) -> str:
        """The token hop `index` sells."""
        return self.asset if index == 0 else self.hops[index - 1].token_out
