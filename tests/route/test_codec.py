"""bot.route: the packed layout round-trips, matches the documented offsets, and rejects bad input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import RouteError
from bot.route import HEADER_LENGTH, HOP_LENGTH, Hop, HopKind, Lender, Route, decode, encode, route_length

A = "0x" + "aa" * 20
B = "0x" + "bb" * 20
C = "0x" + "cc" * 20
POOL = "0x" + "11" * 20
POOL2 = "0x" + "22" * 20

addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
u128 = st.integers(min_value=0, max_value=2**128 - 1)


@st.composite
def hops_of(draw: st.DrawFn, token_out: str) -> Hop:
    kind = draw(st.sampled_from(list(HopKind)))
    min_out = draw(u128)
    if kind is HopKind.UNISWAP_V2:
        return Hop.uniswap_v2(draw(addresses), token_out, draw(st.integers(0, 9_999)), min_out)
    if kind is HopKind.UNISWAP_V3:
        return Hop.uniswap_v3(draw(addresses), token_out, min_out)
    if kind is HopKind.ALGEBRA:
        return Hop.algebra(draw(addresses), token_out, min_out)
    if kind is HopKind.BALANCER:
        return Hop.balancer(draw(st.binary(min_size=32, max_size=32)), token_out, min_out)
    i = draw(st.integers(0, 255))
    j = draw(st.integers(0, 255).filter(lambda x: x != i))
    return Hop.curve(draw(addresses), i, j, token_out, min_out, underlying=draw(st.booleans()))


@st.composite
def routes(draw: st.DrawFn) -> Route:
    count = draw(st.integers(2, 4))
    asset = draw(addresses)
    # Tokens along the cycle: each differs from the one before, and the last is the asset.
    tokens = [asset]
    for _ in range(count - 1):
        tokens.append(draw(addresses.filter(lambda t, prev=tokens[-1]: t.lower() != prev.lower())))
    if tokens[-1].lower() == asset.lower():
        tokens[-1] = "0x" + ("01" if asset[2:4] != "01" else "02") + asset[4:]
    tokens.append(asset)
    hops = [draw(hops_of(tokens[i + 1])) for i in range(count)]
    lender = draw(st.sampled_from(list(Lender)))
    if lender is Lender.UNISWAP_V2:
        hops[0] = Hop.uniswap_v2(hops[0].pool, hops[0].token_out, 30, hops[0].min_out)
    elif lender is Lender.UNISWAP_V3:
        hops[0] = Hop.uniswap_v3(hops[0].pool, hops[0].token_out, hops[0].min_out)
    elif lender is Lender.ALGEBRA:
        hops[0] = Hop.algebra(hops[0].pool, hops[0].token_out, hops[0].min_out)
    elif lender is Lender.BALANCER:
        hops = [
            Hop.uniswap_v3(h.pool, h.token_out, h.min_out) if h.kind is HopKind.BALANCER else h for h in hops
        ]
    if lender in (Lender.UNISWAP_V2, Lender.UNISWAP_V3, Lender.ALGEBRA):
        hops = [hops[0]] + [
            Hop.uniswap_v3(POOL2 if hops[0].pool != POOL2 else POOL, h.token_out, h.min_out)
            if h.pool == hops[0].pool
            else h
            for h in hops[1:]
        ]
    amount = draw(st.integers(1, 2**128 - 1))
    return Route(lender, asset, amount, tuple(hops), draw(u128))


@settings(max_examples=300, deadline=None)
@given(routes())
def test_round_trip(route: Route) -> None:
    data = encode(route)
    assert len(data) == route_length(len(route.hops))
    assert decode(data) == route
    assert decode("0x" + data.hex()) == route
    assert encode(decode(data)) == data


def test_documented_offsets() -> None:
    """The bytes sit where contracts/libraries/Route.sol reads them."""
    pool_id = bytes.fromhex("33" * 20 + "0002" + "00" * 9 + "07")
    route = Route(
        Lender.BALANCER,
        A,
        0x0102,
        (
            Hop.uniswap_v2(POOL, B, fee_bps=25, min_out=7),
            Hop.curve(POOL2, 2, 1, C, min_out=9),
            Hop.uniswap_v3("0x" + "44" * 20, A),
        ),
        min_profit=0x0304,
    )
    data = encode(route)
    assert (HEADER_LENGTH, HOP_LENGTH) == (54, 69)
    assert data[0] == 1 and data[1] == 3
    assert data[2:22] == bytes.fromhex("aa" * 20)
    assert int.from_bytes(data[22:38], "big") == 0x0102
    assert int.from_bytes(data[38:54], "big") == 0x0304
    h0 = data[54:123]
    assert h0[0] == 0 and h0[1:21] == bytes.fromhex("11" * 20)
    assert int.from_bytes(h0[21:23], "big") == 25 and h0[23:33] == bytes(10)
    assert h0[33:53] == bytes.fromhex("bb" * 20) and int.from_bytes(h0[53:69], "big") == 7
    h1 = data[123:192]
    assert h1[0] == 3 and h1[21] == 2 and h1[22] == 1 and h1[23:33] == bytes(10)
    h2 = data[192:261]
    assert h2[0] == 1 and h2[21:33] == bytes(12)
    balancer = encode(Route(Lender.AAVE, A, 1, (Hop.balancer(pool_id, B), Hop.uniswap_v3(POOL, A))))
    assert balancer[54] == 2 and balancer[55:87] == pool_id
    # Curve flags byte [23]: bit 0 = exchange_underlying
    underlying = encode(
        Route(Lender.AAVE, A, 1, (Hop.curve(POOL2, 0, 2, B, underlying=True), Hop.uniswap_v3(POOL, A)))
    )
    hop = underlying[54:123]
    assert hop[0] == 3 and (hop[21], hop[22], hop[23]) == (0, 2, 1) and hop[24:33] == bytes(9)


def test_curve_flags_decode_and_reject_unknown_bits() -> None:
    hops = (Hop.curve(POOL2, 0, 2, B, underlying=True), Hop.uniswap_v3(POOL, A))
    data = encode(Route(Lender.AAVE, A, 1, hops))
    assert decode(data).hops[0].curve_underlying
    for bad in (0x02, 0x81):
        with pytest.raises(RouteError, match=f"hop 0: Curve hop flags 0x{bad:02x} set bits other than bit 0"):
            decode(data[: 54 + 23] + bytes((bad,)) + data[54 + 24 :])
    with pytest.raises(RouteError, match="hop 0: Curve hop: bytes after the flags must be zero"):
        decode(data[: 54 + 24] + b"\x01" + data[54 + 25 :])
    with pytest.raises(RouteError, match="curve_underlying are for Curve hops only"):
        Hop(HopKind.UNISWAP_V3, POOL, B, curve_underlying=True)


def _v2_cycle(**kwargs: object) -> Route:
    base: dict[str, object] = {
        "lender": Lender.AAVE,
        "asset": A,
        "amount": 10**18,
        "hops": (Hop.uniswap_v2(POOL, B), Hop.uniswap_v3(POOL2, A)),
    }
    base.update(kwargs)
    return Route(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"amount": 0}, "route amount: 0 is outside 1.."),
        ({"amount": 2**128}, "route amount"),
        ({"min_profit": -1}, "route min_profit"),
        ({"asset": "0x1234"}, "route asset"),
        ({"hops": ()}, "0 hops, allowed 2..4"),
        ({"hops": (Hop.uniswap_v2(POOL, B),)}, "1 hops, allowed 2..4"),
        ({"hops": (Hop.uniswap_v2(POOL, B),) * 5}, "5 hops, allowed 2..4"),
        ({"hops": (Hop.uniswap_v2(POOL, B), Hop.uniswap_v3(POOL2, C))}, "not a cycle"),
        ({"hops": (Hop.uniswap_v2(POOL, A), Hop.uniswap_v3(POOL2, B))}, "hop 0: token_out"),
        ({"lender": Lender.UNISWAP_V3}, "must be a UNISWAP_V3 hop, not UNISWAP_V2"),
        ({"lender": 7}, "lender: 7 is not one of"),
        ({"lender": Lender.UNISWAP_V2, "hops": (Hop.uniswap_v2(POOL, B), Hop.uniswap_v2(POOL, A))}, "locked"),
        (
            {
                "lender": Lender.BALANCER,
                "hops": (Hop.balancer("0x" + "11" * 32, B), Hop.uniswap_v3(POOL2, A)),
            },
            "Balancer hop cannot run inside a Balancer flash loan",
        ),
    ],
)
def test_route_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(RouteError, match=message):
        _v2_cycle(**kwargs)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Hop.uniswap_v2(POOL, B, fee_bps=10_000), "fee_bps: 10000 is outside 0..9999"),
        (lambda: Hop.uniswap_v3(POOL, B, min_out=2**128), "min_out"),
        (lambda: Hop.uniswap_v3("pool", B), "hop pool: 'pool'"),
        (lambda: Hop.curve(POOL, 1, 1, B), "curve_i and curve_j are both 1"),
        (lambda: Hop.curve(POOL, 256, 1, B), "curve_i: 256"),
        (lambda: Hop.balancer(b"\x11" * 31, B), "expected 32 bytes"),
        (lambda: Hop(HopKind.BALANCER, POOL2, B, pool_id=b"\x11" * 32), "is not the address in pool_id"),
        (lambda: Hop(HopKind.UNISWAP_V3, POOL, B, fee_bps=30), "fee_bps is for Uniswap V2 hops only"),
        (lambda: Hop(9, POOL, B), "hop kind: 9"),  # type: ignore[arg-type]
    ],
)
def test_hop_validation(build: object, message: str) -> None:
    with pytest.raises(RouteError, match=message):
        build()  # type: ignore[operator]


def test_decode_rejects_malformed_bytes() -> None:
    good = encode(_v2_cycle())
    with pytest.raises(RouteError, match="shorter than its 54-byte header"):
        decode(good[:53])
    with pytest.raises(RouteError, match="193 bytes; a 2-hop route is 192"):
        decode(good + b"\0")
    with pytest.raises(RouteError, match="hop count 1, allowed 2..4"):
        decode(good[:1] + b"\x01" + good[2:])
    with pytest.raises(RouteError, match="hop count 5"):
        decode(good[:1] + b"\x05" + good[2:])
    with pytest.raises(RouteError, match="lender 5"):
        decode(b"\x05" + good[1:])
    with pytest.raises(RouteError, match="hop 1: kind 5"):
        decode(good[:123] + b"\x05" + good[124:])
    with pytest.raises(RouteError, match="hop 0: Uniswap V2 hop: bytes after the fee must be zero"):
        decode(good[: 54 + 23] + b"\x01" + good[54 + 24 :])
    with pytest.raises(RouteError, match="hop 1: Uniswap V3 hop: parameter bytes must be zero"):
        decode(good[: 123 + 21] + b"\x01" + good[123 + 22 :])
    with pytest.raises(RouteError, match="not hex"):
        decode("0xzz")
    with pytest.raises(RouteError, match="expected bytes or a hex string"):
        decode(12)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_decode_of_random_bytes_returns_a_valid_route_or_raises_route_error(data: bytes) -> None:
    try:
        route = decode(data)
    except RouteError:
        return
    assert encode(route) == data
