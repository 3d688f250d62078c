"""The static description of the tracked pools: what discovery finds and never changes afterwards
(tokens, fees, tick spacing, Balancer weights and scaling factors, Curve coins and precisions).

The per-block state of the same pools lives in `bot.market.snapshots`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.route.model import HopKind


@dataclass(frozen=True, slots=True)
class V2PairInfo:
    """A Uniswap V2-style pair (QuickSwap, SushiSwap)."""

    address: str
    """The pair contract."""
    dex: str
    """The DEX's name in the address book."""
    token0: str
    """token0 (the lower address)."""
    token1: str
    """token1."""
    fee_bps: int
    """The swap fee in basis points (30 = 0.30 %)."""

    @property
    def tokens(self) -> tuple[str, ...]:
        return (self.token0, self.token1)

    kind = HopKind.UNISWAP_V2


@dataclass(frozen=True, slots=True)
class V3PoolInfo:
    """A Uniswap V3 pool."""

    address: str
    """The pool contract."""
    token0: str
    """token0 (the lower address)."""
    token1: str
    """token1."""
    fee: int
    """The fee in hundredths of a bip (500 = 0.05 %)."""
    tick_spacing: int
    """tickSpacing()."""
    dex: str = "uniswap-v3"
    """The venue whose factory created the pool: "uniswap-v3", or a `uniswap_v3_forks` name of the address
    book ("sushiswap-v3")."""

    @property
    def tokens(self) -> tuple[str, ...]:
        return (self.token0, self.token1)

    kind = HopKind.UNISWAP_V3


@dataclass(frozen=True, slots=True)
class BalancerPoolInfo:
    """A Balancer V2 weighted pool."""

    pool_id: str
    """The Vault's pool id, 0x-hex bytes32."""
    address: str
    """The pool contract (the first 20 bytes of the pool id)."""
    tokens: tuple[str, ...]
    """The pool's tokens in the Vault's order."""
    normalized_weights: tuple[int, ...]
    """getNormalizedWeights(), same order."""
    swap_fee_percentage: int
    """getSwapFeePercentage() (18-decimal fraction)."""
    scaling_factors: tuple[int, ...]
    """getScalingFactors(), same order."""

    kind = HopKind.BALANCER

    @property
    def pool_id_bytes(self) -> bytes:
        return bytes.fromhex(self.pool_id[2:])


@dataclass(frozen=True, slots=True)
class BalancerStablePoolInfo:
    """A Balancer V2 ComposableStable pool: its own BPT is one of its registered tokens (never traded);
    balances, scaling factors (rates included), amplification and fee are read every block."""

    pool_id: str
    """The Vault's pool id, 0x-hex bytes32."""
    address: str
    """The pool contract, which is also its BPT."""
    tokens: tuple[str, ...]
    """The Vault's registered tokens, the BPT included, in the Vault's order."""
    bpt_index: int
    """getBptIndex()."""
    rate_providers: tuple[str, ...] = ()
    """getRateProviders(), same order (the zero address: none); empty when not read."""
    base_scaling_factors: tuple[int, ...] = ()
    """1e18 * 10**(18 - decimals) per registered token, the rate left out (the BPT: 1e18); what the
    pool multiplies by a token's rate (mulDown) to get its scaling factor."""

    kind = HopKind.BALANCER

    def rated(self) -> tuple[int, ...]:
        """The registered indices of the tokens that have a rate provider."""
        zero = "0x" + "00" * 20
        return tuple(k for k, p in enumerate(self.rate_providers) if p != zero)

    @property
    def pool_id_bytes(self) -> bytes:
        return bytes.fromhex(self.pool_id[2:])


@dataclass(frozen=True, slots=True)
class CurvePoolInfo:
    """A Curve StableSwap plain pool."""

    address: str
    """The pool contract."""
    coins: tuple[str, ...]
    """coins(i) in index order."""
    precision_multipliers: tuple[int, ...]
    """10 ** (18 - decimals) per coin."""
    a_precision: int
    """A_PRECISION of the pool's code (A_precise() / A(); 1 where the pool has no A_precise)."""
    admin_fee: int
    """admin_fee() (1e10 precision): the share of the fee taken out of the pool's balances."""
    underlying_coins: tuple[str, ...] = ()
    """Lending pools (Curve's aave pool): underlying_coins(i), traded by exchange_underlying; their
    legs join the wrapped coins' (bot.search.graph.legs_of). Empty for plain pools."""
    lending: bool = False
    """True for the aave-pool template (off-peg dynamic fee; the reader also reads
    offpeg_fee_multiplier and the math is bot.amm.curve_lending)."""

    kind = HopKind.CURVE

    @property
    def tokens(self) -> tuple[str, ...]:
        return self.coins


@dataclass(frozen=True, slots=True)
class AlgebraPoolInfo:
    """An Algebra V1 pool (QuickSwap V3): one per token pair, tick spacing 60, an adaptive fee."""

    address: str
    """The pool contract."""
    token0: str
    """token0 (the lower address)."""
    token1: str
    """token1."""
    data_storage_operator: str
    """dataStorageOperator(): the pool's timepoints and fee configuration."""

    @property
    def tokens(self) -> tuple[str, ...]:
        return (self.token0, self.token1)

    kind = HopKind.ALGEBRA


PoolInfo = (
    V2PairInfo | V3PoolInfo | BalancerPoolInfo | CurvePoolInfo | BalancerStablePoolInfo | AlgebraPoolInfo
)


@dataclass(frozen=True, slots=True)
class PoolSet:
    """Every pool the market tracks, by family."""

    v2: tuple[V2PairInfo, ...] = ()
    v3: tuple[V3PoolInfo, ...] = ()
    balancer: tuple[BalancerPoolInfo, ...] = ()
    curve: tuple[CurvePoolInfo, ...] = ()
    balancer_stable: tuple[BalancerStablePoolInfo, ...] = ()
    algebra: tuple[AlgebraPoolInfo, ...] = ()

    def __iter__(self) -> Iterator[PoolInfo]:
        yield from self.v2
        yield from self.v3
        yield from self.balancer
        yield from self.curve
        yield from self.balancer_stable
        yield from self.algebra

    def __len__(self) -> int:
        return (
            len(self.v2)
            + len(self.v3)
            + len(self.balancer)
            + len(self.curve)
            + len(self.balancer_stable)
            + len(self.algebra)
        )

    def addresses(self) -> set[str]:
        return {pool.address for pool in self}
