"""From a searched `Opportunity` to the `Route` FlashArb executes.

Each hop carries minOut 0: the route's own minProfit is the guard that matters (the whole trade
reverts unless it returns the loan, its fee and minProfit), and a per-hop floor would only add gas.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.route.model import Hop, HopKind, Route
from bot.search.opportunity import HopQuote, Opportunity


def hop_for(quote: HopQuote) -> Hop:
    """The route hop of one searched hop."""
    if quote.kind is HopKind.UNISWAP_V2:
        return Hop.uniswap_v2(quote.pool, quote.token_out, quote.fee_bps)
    if quote.kind is HopKind.UNISWAP_V3:
        return Hop.uniswap_v3(quote.pool, quote.token_out)
    if quote.kind is HopKind.BALANCER:
        return Hop.balancer(quote.pool_id, quote.token_out)
    return Hop.curve(quote.pool, quote.index_in, quote.index_out, quote.token_out)


def predicted_profit(opportunity: Opportunity) -> int:
    """What FlashArb's Trade event reports if nothing moves: out - in - lender fee (before gas)."""
    return opportunity.amount_out - opportunity.amount_in - opportunity.lender_fee


def route_for(opportunity: Opportunity, min_profit: int | None = None) -> Route:
    """The route of `opportunity`. `min_profit` defaults to the trade's gas cost in the asset, so a
    trade that goes through always pays for itself."""
    floor = max(0, opportunity.gas_cost) if min_profit is None else min_profit
    floor = min(floor, max(0, predicted_profit(opportunity)))
    return Route(
        lender=opportunity.lender,
        asset=opportunity.asset,
        amount=opportunity.amount_in,
        hops=tuple(hop_for(h) for h in opportunity.hops),
        min_profit=floor,
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
            }[hop.kind]
        )
        parts.append(f"-{venue}:{hop.pool[:8]}-> {name(hop.token_out)}")
    return " ".join(parts) + f" (lender {opportunity.lender.name})"
