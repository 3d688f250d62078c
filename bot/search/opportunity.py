"""An `Opportunity`: one sized, priced cycle, with everything the route encoder needs per hop."""

from __future__ import annotations

from dataclasses import dataclass

from bot.route.model import HopKind, Lender
from bot.search.graph import Cycle


@dataclass(frozen=True, slots=True)
class HopQuote:
    """One hop of an opportunity with its expected amounts."""

    kind: HopKind
    """The protocol."""
    pool: str
    """The pool (for Balancer, the pool contract; the Vault is where the swap goes)."""
    token_in: str
    """The token sold."""
    token_out: str
    """The token bought."""
    amount_in: int
    """Expected input (the previous hop's output)."""
    amount_out: int
    """Expected output, exact for the snapshot's state."""
    zero_for_one: bool = False
    """Uniswap V2/V3: True when selling token0."""
    fee_bps: int = 0
    """Uniswap V2: the pair's fee in basis points."""
    dex: str = ""
    """Uniswap V2: the DEX's name."""
    pool_id: str = ""
    """Balancer: the pool id (0x-hex bytes32)."""
    index_in: int = 0
    """Balancer / Curve: index of token_in in the pool (Curve's i)."""
    index_out: int = 0
    """Balancer / Curve: index of token_out (Curve's j)."""
    underlying: bool = False
    """Curve lending pools: exchange_underlying (the underlying coins i and j), not exchange."""
    ticks_crossed: int = 0
    """Uniswap V3: initialised ticks the swap crosses."""


@dataclass(frozen=True, slots=True)
class Opportunity:
    """A cycle sized at one block: borrow `amount_in` of `asset`, run the hops, repay, keep the rest."""

    block: int
    """The block of the snapshots it was computed from."""
    cycle: Cycle
    """The cycle (pools and token path)."""
    lender: Lender
    """Where the asset is borrowed."""
    amount_in: int
    """The amount borrowed and sold by the first hop."""
    amount_out: int
    """The last hop's expected output."""
    hops: tuple[HopQuote, ...]
    """Per-hop expected amounts and pool data."""
    lender_fee: int
    """The lender's fee on amount_in."""
    gas_units: int
    """Estimated gas of the trade."""
    gas_cost: int
    """gas_units at the fee per gas, in the asset's units."""
    net_profit: int
    """amount_out - amount_in - lender_fee - gas_cost, in the asset's units."""
    net_profit_native: int
    """net_profit in the native token's units (WMATIC wei), for ranking across assets."""

    @property
    def asset(self) -> str:
        return self.cycle.asset

    @property
    def pools(self) -> tuple[str, ...]:
        return self.cycle.pools

    @property
    def gross_profit(self) -> int:
        """amount_out - amount_in."""
        return self.amount_out - self.amount_in
