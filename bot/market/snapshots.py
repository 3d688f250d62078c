"""Immutable per-block pool snapshots, each stamped with the block it was read at.

A pool whose reads come back the same block after block keeps one snapshot object (the market reader
skips decoding it), so `block` is the first block at which these values were read; the block a
MarketState describes is `MarketState.block`.

The Uniswap V2 pair snapshot is defined here (the amm module is a pair of functions over reserves);
the V3, Balancer and Curve snapshots wrap the amm package's own state classes, which the swap math
takes as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.amm.algebra_pool import AlgebraPoolState
from bot.amm.balancer_stable import StablePoolState
from bot.amm.balancer_weighted import WeightedPoolState
from bot.amm.curve_stableswap import CurvePoolState
from bot.amm.uniswap_v2 import V2Fee, fee_from_bps
from bot.amm.v3_pool import V3PoolState
from bot.route.model import HopKind


@dataclass(frozen=True, slots=True)
class V2PairSnapshot:
    """A Uniswap V2-style pair at one block."""

    address: str
    """The pair contract."""
    dex: str
    """The DEX's name in the address book ("quickswap", "sushiswap")."""
    token0: str
    """token0 (the lower address)."""
    token1: str
    """token1."""
    reserve0: int
    """getReserves().reserve0."""
    reserve1: int
    """getReserves().reserve1."""
    fee_bps: int
    """The swap fee in basis points."""
    block: int
    """The first block these reserves were read at."""

    kind = HopKind.UNISWAP_V2

    @property
    def tokens(self) -> tuple[str, ...]:
        return (self.token0, self.token1)

    @property
    def fee(self) -> V2Fee:
        """The fee as the amm math takes it."""
        return fee_from_bps(self.fee_bps)

    def reserves(self, token_in: str) -> tuple[int, int]:
        """(reserve_in, reserve_out) for a swap selling `token_in`."""
        if token_in == self.token0:
            return self.reserve0, self.reserve1
        if token_in == self.token1:
            return self.reserve1, self.reserve0
        raise KeyError(f"token {token_in} is not in pair {self.address}")


@dataclass(frozen=True, slots=True)
class V3PoolSnapshot:
    """A Uniswap V3 pool at one block."""

    state: V3PoolState
    """The swap math's state (slot0, liquidity, the initialised ticks of the covered range)."""
    block: int
    """The first block this state was read at."""
    dex: str = "uniswap-v3"
    """The venue whose factory created the pool ("uniswap-v3", "sushiswap-v3")."""

    kind = HopKind.UNISWAP_V3

    @property
    def address(self) -> str:
        return self.state.address

    @property
    def tokens(self) -> tuple[str, ...]:
        return (self.state.token0, self.state.token1)


@dataclass(frozen=True, slots=True)
class BalancerPoolSnapshot:
    """A Balancer V2 weighted pool at one block."""

    state: WeightedPoolState
    """The weighted math's state (Vault balances, weights, fee, scaling factors)."""
    block: int
    """The first block this state was read at."""

    kind = HopKind.BALANCER

    @property
    def address(self) -> str:
        return self.state.address

    @property
    def tokens(self) -> tuple[str, ...]:
        return self.state.tokens


@dataclass(frozen=True, slots=True)
class CurvePoolSnapshot:
    """A Curve StableSwap pool at one block."""

    state: CurvePoolState
    """The StableSwap math's state (balances, A, fee, precisions)."""
    block: int
    """The first block this state was read at."""
    admin_fee: int = 0
    """admin_fee() (1e10 precision): the part of each swap fee that leaves the pool's balances."""

    kind = HopKind.CURVE

    @property
    def address(self) -> str:
        return self.state.address

    @property
    def tokens(self) -> tuple[str, ...]:
        return self.state.coins

    @property
    def underlying_coins(self) -> tuple[str, ...]:
        """Lending pools: the underlying coins exchange_underlying trades (empty for plain pools)."""
        return self.state.underlying_coins


@dataclass(frozen=True, slots=True)
class BalancerStablePoolSnapshot:
    """A Balancer V2 ComposableStable pool at one block."""

    state: StablePoolState
    """The stable math's state (Vault balances with the BPT, scaling factors with rates, A, fee)."""
    block: int
    """The first block this state was read at."""

    kind = HopKind.BALANCER

    @property
    def address(self) -> str:
        return self.state.address

    @property
    def tokens(self) -> tuple[str, ...]:
        return self.state.tokens


@dataclass(frozen=True, slots=True)
class AlgebraPoolSnapshot(V3PoolSnapshot):
    """An Algebra V1 pool at one block. Its swap is Uniswap V3's at the fee in force (see
    bot.amm.algebra_pool), so it is a V3 snapshot whose `state` carries the fee a swap in the next
    block (at `next_time`) pays; `algebra` keeps the whole pool state for other block times."""

    dex: str = "quickswap-v3"
    """The venue (QuickSwap V3 is the Algebra deployment on Polygon)."""
    algebra: AlgebraPoolState | None = None
    """The pool's full state (timepoints, fee configuration)."""
    next_time: int = 0
    """The block timestamp `state.fee` was computed for."""

    kind = HopKind.ALGEBRA


PoolSnapshot = (
    V2PairSnapshot | V3PoolSnapshot | BalancerPoolSnapshot | CurvePoolSnapshot | BalancerStablePoolSnapshot
)
"""Any pool's per-block snapshot."""
