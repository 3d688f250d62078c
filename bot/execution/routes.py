"""From a searched `Opportunity` to the `Route` FlashArb executes.

A route sent to the public mempool can be copied. So it demands close to what the bot predicts:
`minProfit` is the predicted profit less a small tolerance (never less than the trade's gas cost), and
every hop's `minOut` is its exact quote less a smaller one. A copy or a front-run that moves a pool
then reverts at the first hop that comes up short, early and cheaply, instead of leaving the copier
everything above gas. On an unchanged chain the trade meets its quotes to the wei, so honest trades
never trip these floors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.route.model import Hop, HopKind, Route
from bot.search.opportunity import HopQuote, Opportunity

BPS = 10_000


@dataclass(frozen=True, slots=True)
class Tolerance:
    """How far below its prediction a trade may come out and still go through, in basis points."""

    profit_bps: int = 100
    """minProfit = predicted profit less this share of it (at least the gas cost)."""
    hop_bps: int = 10
    """Each hop's minOut = its exact quote less this share of it."""

    def __post_init__(self) -> None:
        for name in ("profit_bps", "hop_bps"):
            value = getattr(self, name)
            if not 0 <= value <= BPS:
                raise ValueError(f"tolerance {name} must be 0-{BPS} bps, got {value}")

    def floor(self, amount: int, bps: int) -> int:
        """`amount` less `bps` of it, rounded so the floor never exceeds amount * (1 - bps)."""
        return amount - -(-amount * bps // BPS)


def hop_for(quote: HopQuote, min_out: int = 0) -> Hop:
    """The route hop of one searched hop, demanding at least `min_out` of its output."""
    if quote.kind is HopKind.UNISWAP_V2:
        return Hop.uniswap_v2(quote.pool, quote.token_out, quote.fee_bps, min_out)
    if quote.kind is HopKind.UNISWAP_V3:
        return Hop.uniswap_v3(quote.pool, quote.token_out, min_out)
    if quote.kind is HopKind.BALANCER:
        return Hop.balancer(quote.pool_id, quote.token_out, min_out)
    if quote.kind is HopKind.ALGEBRA:
        return Hop.algebra(quote.pool, quote.token_out, min_out)
    return Hop.curve(
        quote.pool, quote.index_in, quote.index_out, quote.token_out, min_out, underlying=quote.underlying
    )


def predicted_profit(opportunity: Opportunity) -> int:
    """What FlashArb's Trade event reports if nothing moves: out - in - lender fee (before gas)."""
    return opportunity.amount_out - opportunity.amount_in - opportunity.lender_fee


def route_for(
    opportunity: Opportunity, min_profit: int | None = None, tolerance: Tolerance | None = None
) -> Route:
    """The route of `opportunity` (module docstring). `min_profit` overrides the profit floor
    (predicted less `tolerance.profit_bps`, at least the gas cost, at most the prediction)."""
    tolerance = tolerance or Tolerance()
    predicted = max(0, predicted_profit(opportunity))
    if min_profit is None:
        min_profit = max(tolerance.floor(predicted, tolerance.profit_bps), opportunity.gas_cost, 0)
    return Route(
        lender=opportunity.lender,
        asset=opportunity.asset,
        amount=opportunity.amount_in,
        hops=tuple(hop_for(h, tolerance.floor(h.amount_out, tolerance.hop_bps)) for h in opportunity.hops),
        min_profit=min(min_profit, predicted),
    )


def describe(opportunity: Opportunity, symbols: Mapping[str, str]) -> str:
    """A readable cycle: "USDC.e -quickswap-> WETH -uniswap-v3-> USDC.e (lender AAVE)"."""

    def name(token: str) -> str:
        return symbols.get(token.lower(), token[:10])

    parts = [name(opportunity.asset)]
    for hop in opportunity.hops:
        venue = (
            hop.dex
            or {
                HopKind.UNISWAP_V3: "uniswap-v3",
                HopKind.BALANCER: "balancer",
                HopKind.CURVE: "curve",
                HopKind.UNISWAP_V2: "v2",
                HopKind.ALGEBRA: "quickswap-v3",
            }[hop.kind]
        )
        parts.append(f"-{venue}:{hop.pool[:8]}-> {name(hop.token_out)}")
    return " ".join(parts) + f" (lender {opportunity.lender.name})"
