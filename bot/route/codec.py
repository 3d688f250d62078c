"""FlashArb's packed route bytes: `encode(route)` and `decode(data)`.

The layout is documented once, in contracts/libraries/Route.sol; this module mirrors it byte for byte:

    header (54 bytes): lender u8 | hops u8 | asset address | amount u128 | minProfit u128
    hop (69 bytes):    kind u8 | target bytes32 | tokenOut address | minOut u128
      target: V2/V3/Curve: pool address (20) + 12 parameter bytes
                V2: fee in bps as u16 in the first two, the rest zero; V3, Algebra: all zero;
                Curve: coin sold index u8, coin bought index u8, flags u8 (bit 0: exchange_underlying
                       on the underlying coins), the rest zero
              Balancer: the 32-byte pool id
"""

from __future__ import annotations

from bot.errors import RouteError
from bot.route.model import MAX_HOPS, MIN_HOPS, Hop, HopKind, Lender, Route

HEADER_LENGTH = 54
HOP_LENGTH = 69
CURVE_FLAG_UNDERLYING = 1
"""Curve hop flags bit 0: exchange_underlying (Route.CURVE_FLAG_UNDERLYING)."""


def route_length(hops: int) -> int:
    """The byte length of a route with `hops` hops."""
    return HEADER_LENGTH + HOP_LENGTH * hops


def encode(route: Route) -> bytes:
    """The bytes FlashArb's `execute(bytes)` takes for `route` (already validated by the model)."""
    out = bytearray()
    out += bytes((int(route.lender), len(route.hops)))
    out += bytes.fromhex(route.asset[2:])
    out += route.amount.to_bytes(16, "big")
    out += route.min_profit.to_bytes(16, "big")
    for hop in route.hops:
        out.append(int(hop.kind))
        out += _target(hop)
        out += bytes.fromhex(hop.token_out[2:])
        out += hop.min_out.to_bytes(16, "big")
    return bytes(out)


def _target(hop: Hop) -> bytes:
    if hop.kind is HopKind.BALANCER:
        return hop.pool_id
    pool = bytes.fromhex(hop.pool[2:])
    if hop.kind is HopKind.UNISWAP_V2:
        params = hop.fee_bps.to_bytes(2, "big")
    elif hop.kind is HopKind.CURVE:
        flags = CURVE_FLAG_UNDERLYING if hop.curve_underlying else 0
        params = bytes((hop.curve_i, hop.curve_j, flags))
    else:
        params = b""
    return pool + params.ljust(12, b"\0")


def decode(data: bytes | bytearray | memoryview | str) -> Route:
    """The route in FlashArb bytes (or their 0x hex); RouteError names what is malformed."""
    raw = _as_bytes(data)
    if len(raw) < HEADER_LENGTH:
        raise RouteError(f"route is {len(raw)} bytes, shorter than its {HEADER_LENGTH}-byte header")
    lender_byte, count = raw[0], raw[1]
    if not MIN_HOPS <= count <= MAX_HOPS:
        raise RouteError(f"route header: hop count {count}, allowed {MIN_HOPS}..{MAX_HOPS}")
    if len(raw) != route_length(count):
        raise RouteError(f"route is {len(raw)} bytes; a {count}-hop route is {route_length(count)}")
    try:
        lender = Lender(lender_byte)
    except ValueError:
        raise RouteError(
            f"route header: lender {lender_byte} is not one of {[k.value for k in Lender]}"
        ) from None
    asset = "0x" + raw[2:22].hex()
    amount = int.from_bytes(raw[22:38], "big")
    min_profit = int.from_bytes(raw[38:54], "big")
    hops = tuple(_decode_hop(raw, i) for i in range(count))
    return Route(lender=lender, asset=asset, amount=amount, hops=hops, min_profit=min_profit)


def _decode_hop(raw: bytes, index: int) -> Hop:
    at = HEADER_LENGTH + index * HOP_LENGTH
    chunk = raw[at : at + HOP_LENGTH]
    kind_byte, target = chunk[0], chunk[1:33]
    token_out = "0x" + chunk[33:53].hex()
    min_out = int.from_bytes(chunk[53:69], "big")
    try:
        kind = HopKind(kind_byte)
    except ValueError:
        raise RouteError(
            f"hop {index}: kind {kind_byte} is not one of {[k.value for k in HopKind]}"
        ) from None
    if kind is HopKind.BALANCER:
        return Hop.balancer(target, token_out, min_out)
    pool = "0x" + target[:20].hex()
    params = target[20:]
    if kind is HopKind.UNISWAP_V2:
        _expect_zero(params[2:], index, "Uniswap V2 hop: bytes after the fee")
        return Hop.uniswap_v2(pool, token_out, int.from_bytes(params[:2], "big"), min_out)
    if kind is HopKind.CURVE:
        _expect_zero(params[3:], index, "Curve hop: bytes after the flags")
        flags = params[2]
        if flags & ~CURVE_FLAG_UNDERLYING:
            raise RouteError(f"hop {index}: Curve hop flags 0x{flags:02x} set bits other than bit 0")
        underlying = bool(flags & CURVE_FLAG_UNDERLYING)
        return Hop.curve(pool, params[0], params[1], token_out, min_out, underlying=underlying)
    if kind is HopKind.ALGEBRA:
        _expect_zero(params, index, "Algebra hop: parameter bytes")
        return Hop.algebra(pool, token_out, min_out)
    _expect_zero(params, index, "Uniswap V3 hop: parameter bytes")
    return Hop.uniswap_v3(pool, token_out, min_out)


def _expect_zero(data: bytes, index: int, what: str) -> None:
    if any(data):
        raise RouteError(f"hop {index}: {what} must be zero, got 0x{data.hex()}")


def _as_bytes(data: bytes | bytearray | memoryview | str) -> bytes:
    if isinstance(data, str):
        try:
            return bytes.fromhex(data.removeprefix("0x"))
        except ValueError:
            raise RouteError("route: the string is not hex") from None
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise RouteError(f"route: expected bytes or a hex string, got {type(data).__name__}")
