"""Route model <-> calldata for FlashArb: the one place in Python that knows the byte layout.

from bot.route import Route, Hop, Lender, encode, decode
route = Route(Lender.AAVE, usdc, 10_000 * 10**6, (Hop.uniswap_v2(pair, weth), Hop.uniswap_v3(pool, usdc)))
flasharb.execute(encode(route), sender=executor)
"""

from bot.route.codec import HEADER_LENGTH, HOP_LENGTH, decode, encode, route_length
from bot.route.model import MAX_HOPS, MIN_HOPS, Hop, HopKind, Lender, Route

__all__ = [
    "HEADER_LENGTH",
    "HOP_LENGTH",
    "MAX_HOPS",
    "MIN_HOPS",
    "Hop",
    "HopKind",
    "Lender",
    "Route",
    "decode",
    "encode",
    "route_length",
]
