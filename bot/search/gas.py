"""Gas per trade: a base per lender plus a cost per hop kind and per V3 tick crossed, priced at the
fee per gas and converted to the borrowed asset.

The defaults are estimates of the FlashArb contract's costs, rounded up (the whole transaction, so the
21,000 intrinsic gas and calldata are in the lender base); bench/gas.py measures the real figures on
the replica. A GasModel built from those measurements replaces the defaults without code changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.errors import ConfigError
from bot.route.model import HopKind, Lender

DEFAULT_LENDER_BASE: Mapping[Lender, int] = MappingProxyType(
    {
        Lender.AAVE: 170_000,
        Lender.BALANCER: 120_000,
        Lender.UNISWAP_V2: 75_000,
        Lender.UNISWAP_V3: 75_000,
    }
)
"""Transaction, executor checks, loan and repayment: everything but the swaps."""
DEFAULT_HOP: Mapping[HopKind, int] = MappingProxyType(
    {
        HopKind.UNISWAP_V2: 60_000,
        HopKind.UNISWAP_V3: 85_000,
        HopKind.BALANCER: 80_000,
        HopKind.CURVE: 100_000,
    }
)
"""One swap of each kind, token transfers included."""
DEFAULT_V3_TICK_CROSS = 12_000
"""Each initialised tick a V3 swap crosses (Tick.cross: two cold storage writes)."""


@dataclass(frozen=True, slots=True)
class GasModel:
    """Gas units of a trade by its lender and hops."""

    lender_base: Mapping[Lender, int] = field(default_factory=lambda: DEFAULT_LENDER_BASE)
    """Gas of everything but the swaps, per lender."""
    hop: Mapping[HopKind, int] = field(default_factory=lambda: DEFAULT_HOP)
    """Gas of one swap, per hop kind."""
    v3_tick_cross: int = DEFAULT_V3_TICK_CROSS
    """Extra gas per initialised tick crossed in a V3 swap."""

    def __post_init__(self) -> None:
        missing = [lender.name for lender in Lender if lender not in self.lender_base]
        if missing:
            raise ConfigError(f"GasModel.lender_base has no entry for {missing}")
        missing = [kind.name for kind in HopKind if kind not in self.hop]
        if missing:
            raise ConfigError(f"GasModel.hop has no entry for {missing}")
        negative = [k for k, v in (*self.lender_base.items(), *self.hop.items()) if v < 0]
        if negative or self.v3_tick_cross < 0:
            raise ConfigError(f"GasModel gas figures must not be negative: {negative or 'v3_tick_cross'}")

    def units(self, lender: Lender, kinds: Iterable[HopKind], ticks_crossed: int = 0) -> int:
        """Gas units of a trade."""
        return self.lender_base[lender] + sum(self.hop[k] for k in kinds) + self.v3_tick_cross * ticks_crossed
