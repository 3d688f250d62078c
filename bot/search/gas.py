"""Gas per trade: a base per lender plus a cost per hop kind and per V3 tick crossed, priced at the
fee per gas and converted to the borrowed asset.

The defaults are measured: gasUsed of 45 FlashArb `execute` receipts on the Polygon replica
(anvil 1.7.1, cancun) with the genuine-pool checks and measured outputs of the hardened contract,
each trade sent from the same snapshot with the block timestamp pinned two seconds after the price
move (see bench/gas.py for why), fitted by least squares to `base[lender] + sum(hop[kind])`:
- 9 FlashArb rows of `make bench-gas` (the owner already holds the asset): 2-hop V2 -> V3 via Aave
  313,908, via Balancer 231,973, V2 pool as lender 190,358; 3-hop V2 -> V3 -> V2 via Aave 400,363, via
  Balancer 311,899, V2 pool 280,170; 2-hop V3 -> V2 via Aave 304,604, via Balancer 216,485, V3 pool as
  lender 183,303;
- 36 routes the search found after three price moves (QuickSwap, the Balancer WETH/USDC.e pool, the
  Curve pool; tests/search/test_gas_model.py), each run through every lender that can fund it: 2 to 4
  hops mixing V2, V3, Balancer and Curve (the owner holding none of most assets beforehand, so the
  profit transfer pays a fresh balance slot).
Fit: largest error 10.5 % (a bench row), root mean square 3.6 %. The Curve figure is that of the
replica's StableSwap pool (CurveStableSwapReplica), the only Curve pool offline; the test checks the
model against receipts on the fork. Everything but the swaps (the 21,000 intrinsic gas,
calldata, the executor check, the loan and its repayment, the profit transfer) is in the lender base.

The Algebra (QuickSwap V3) hop: 3 receipts of a V3 -> Algebra -> Curve route through the V3 pool,
Balancer and Aave (tests/search/test_gas_model.py) cost 81,500-89,400 more than the model with the
V3 hop figure, so the Algebra hop is the V3 figure plus 85,000. It runs the unoptimised npm build of
Algebra V1 (docs/algebra.md): on Polygon's optimised pools the hop costs less, so this over-estimates
there. The Algebra pool as lender takes the V3 pool lender's base (the same flow), not measured apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from bot.errors import ConfigError
from bot.route.model import HopKind, Lender

DEFAULT_LENDER_BASE: Mapping[Lender, int] = MappingProxyType(
    {
        Lender.AAVE: 184_800,
        Lender.BALANCER: 101_000,
        Lender.UNISWAP_V2: 70_700,
        Lender.UNISWAP_V3: 55_000,
        Lender.ALGEBRA: 55_000,
    }
)
"""Transaction, executor checks, loan and repayment: everything but the swaps (measured, above). For
a pool as lender the loan is the first swap itself, whose cost is in its hop figure."""
DEFAULT_HOP: Mapping[HopKind, int] = MappingProxyType(
    {
        HopKind.UNISWAP_V2: 51_000,
        HopKind.UNISWAP_V3: 87_300,
        HopKind.BALANCER: 84_000,
        HopKind.CURVE: 115_100,
        HopKind.ALGEBRA: 172_000,
    }
)
"""One swap of each kind, token transfers and cold accesses included (measured, above)."""
DEFAULT_CURVE_UNDERLYING_EXTRA = 232_600
"""What a Curve hop through exchange_underlying (Polygon's aave pool) costs above the CURVE figure (a
plain pool's exchange): aToken balance reads and the lending market's deposit of the input and
withdrawal of the output. From one receipt on the replica's stand-in over Aave V3
(tests/e2e/test_curve_underlying_gap.py: a 3-hop route with a V3 pool as lender, 577,299 gas, which the
model with this figure gives exactly); real Polygon's pool runs Aave V2, whose figure differs."""
DEFAULT_V3_TICK_CROSS = 12_000
"""Each initialised tick a V3 swap crosses (Tick.cross: a cold read and writes of the tick's
fee-growth slots). An estimate, not a measurement: no route on the replica crosses an initialised
tick, so the receipts above cannot separate it."""


DEFAULT_BALANCER_STABLE_EXTRA = 40_000
"""What a Balancer hop on a ComposableStable pool costs above a weighted one (StableMath's Newton
loops, the rate caches, the BPT's slot in the Vault's balances). An estimate from two receipts on the
replica, not a fit: the stable hop came out at 119,230 (V3 pool as lender, V3 then stable hop) and
149,255 (Aave, stable then V2 hop, the owner's balance slot fresh) against 84,000 for a weighted one."""


@dataclass(frozen=True, slots=True)
class GasModel:
    """Gas units of a trade by its lender and hops."""

    lender_base: Mapping[Lender, int] = field(default_factory=lambda: DEFAULT_LENDER_BASE)
    """Gas of everything but the swaps, per lender."""
    hop: Mapping[HopKind, int] = field(default_factory=lambda: DEFAULT_HOP)
    """Gas of one swap, per hop kind."""
    v3_tick_cross: int = DEFAULT_V3_TICK_CROSS
    """Extra gas per initialised tick crossed in a V3 swap."""
    balancer_stable_extra: int = DEFAULT_BALANCER_STABLE_EXTRA
    """Extra gas per Balancer hop on a ComposableStable pool."""
    curve_underlying_extra: int = DEFAULT_CURVE_UNDERLYING_EXTRA
    """Extra gas of a Curve hop that trades underlying coins (exchange_underlying)."""

    def __post_init__(self) -> None:
        missing = [lender.name for lender in Lender if lender not in self.lender_base]
        if missing:
            raise ConfigError(f"GasModel.lender_base has no entry for {missing}")
        missing = [kind.name for kind in HopKind if kind not in self.hop]
        if missing:
            raise ConfigError(f"GasModel.hop has no entry for {missing}")
        negative = [k for k, v in (*self.lender_base.items(), *self.hop.items()) if v < 0]
        if negative or min(self.v3_tick_cross, self.balancer_stable_extra, self.curve_underlying_extra) < 0:
            raise ConfigError(f"GasModel gas figures must not be negative: {negative or 'v3_tick_cross'}")

    def units(
        self,
        lender: Lender,
        kinds: Iterable[HopKind],
        ticks_crossed: int = 0,
        stable_hops: int = 0,
        underlying_hops: int = 0,
    ) -> int:
        """Gas units of a trade (`stable_hops`: its Balancer hops on ComposableStable pools;
        `underlying_hops`: its Curve hops through exchange_underlying)."""
        return (
            self.lender_base[lender]
            + sum(self.hop[k] for k in kinds)
            + self.v3_tick_cross * ticks_crossed
            + self.balancer_stable_extra * stable_hops
            + self.curve_underlying_extra * underlying_hops
        )
