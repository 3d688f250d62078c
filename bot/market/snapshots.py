"""Immutable per-block pool snapshots, each stamped with the block it was read at.

The Uniswap V2 pair snapshot is defined here (the amm module is a pair of functions over reserves);
the V3, Balancer and Curve snapshots wrap the amm package's own state classes, which the swap math
takes as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """The block these reserves were read at."""

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
    """The block it was read at."""

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
    """The block it was read at."""

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
    """The block it was read at."""
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


PoolSnapshot = V2PairSnapshot | V3PoolSnapshot | BalancerPoolSnapshot | CurvePoolSnapshot
"""Any pool's per-block snapshot."""
