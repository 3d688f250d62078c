"""FlashArb's route checks on the fork: each malformed route is refused with its own error before
anything is borrowed, and random route bytes never get past FlashArb without one of its errors."""

from __future__ import annotations

from typing import Any

import ape
import pytest
from eth_utils import keccak, to_checksum_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import RouteError
from bot.route import HEADER_LENGTH, HOP_LENGTH, Hop, Lender, Route, decode, encode

from .venues import Venues

A = "0x" + "aa" * 20
B = "0x" + "bb" * 20
P1 = "0x" + "11" * 20
P2 = "0x" + "22" * 20


def _good() -> bytearray:
    return bytearray(encode(Route(Lender.AAVE, A, 10**6, (Hop.uniswap_v2(P1, B), Hop.uniswap_v3(P2, A)))))


def _hop_at(i: int) -> int:
    return HEADER_LENGTH + i * HOP_LENGTH


def _set(data: bytearray, at: int, value: bytes) -> bytearray:
    data[at : at + len(value)] = value
    return data


def _cases() -> list[Any]:
    g = _good
    a = bytes.fromhex(A[2:])
    return [
        pytest.param(bytes(10), "BadRouteLength", {"length": 10, "expected": 54}, id="short header"),
        pytest.param(_set(g(), 1, b"\x01")[:123], "BadHopCount", {"hops": 1}, id="one hop"),
        pytest.param(_set(g(), 1, b"\x05"), "BadHopCount", {"hops": 5}, id="five hops"),
        pytest.param(g() + b"\0", "BadRouteLength", {"length": 193, "expected": 192}, id="trailing byte"),
        pytest.param(g()[:191], "BadRouteLength", {"length": 191, "expected": 192}, id="cut hop"),
        pytest.param(_set(g(), 0, b"\x05"), "BadLender", {"lender": 5}, id="lender 5"),
        pytest.param(_set(g(), 22, bytes(16)), "ZeroAmount", {}, id="zero amount"),
        pytest.param(_set(g(), _hop_at(1), b"\x05"), "BadHopKind", {"hop": 1, "kind": 5}, id="hop kind 5"),
        pytest.param(
            _set(g(), _hop_at(0) + 33, a), "SameToken", {"hop": 0, "token": A}, id="hop sells its output"
        ),
        pytest.param(
            _set(g(), _hop_at(0) + 21, (10_000).to_bytes(2, "big")),
            "BadV2Fee",
            {"hop": 0, "feeBps": 10_000},
            id="v2 fee 100%",
        ),
        pytest.param(
            _set(g(), _hop_at(1) + 33, bytes.fromhex("cc" * 20)),
            "NotACycle",
            {"lastTokenOut": "0x" + "cc" * 20, "asset": A},
            id="not a cycle",
        ),
        pytest.param(
            _set(g(), 0, b"\x03"),
            "LenderHopMismatch",
            {"lender": 3, "firstHopKind": 0},
            id="v3 lender, v2 hop",
        ),
        pytest.param(
            _set(_set(g(), 0, b"\x01"), _hop_at(1), b"\x02"),
            "BalancerHopInBalancerLoan",
            {"hop": 1},
            id="balancer hop in balancer loan",
        ),
    ]


@pytest.mark.parametrize(("data", "error", "inputs"), _cases())
def test_malformed_route_is_refused(
    data: bytes, error: str, inputs: dict[str, Any], flasharb: Any, executor: Any
) -> None:
    expected = {k: (to_checksum_address(v) if isinstance(v, str) else v) for k, v in inputs.items()}
    with ape.reverts(getattr(flasharb, error), **expected):
        flasharb.execute(bytes(data), sender=executor)
    with pytest.raises(RouteError):  # the Python side refuses the same bytes
        decode(bytes(data))


# ---- property: random route bytes never pass without one of FlashArb's errors ----------------------


def _flasharb_selectors(flasharb: Any) -> dict[bytes, str]:
    return {keccak(text=e.selector)[:4]: e.name for e in flasharb.contract_type.errors}


def _call(w3: Any, flasharb: Any, executor: Any, route: bytes) -> dict[str, Any]:
    data = flasharb.execute.encode_input(route)
    return w3.provider.make_request(  # type: ignore[no-any-return]
        "eth_call",
        [{"from": executor.address, "to": flasharb.address, "data": "0x" + bytes(data).hex()}, "latest"],
    )


def _assert_flasharb_error(reply: dict[str, Any], selectors: dict[bytes, str], route: bytes) -> str:
    assert "error" in reply, f"route 0x{route.hex()} did not revert: {reply}"
    raw = reply["error"].get("data") or "0x"
    revert = bytes.fromhex(raw[2:] if raw.startswith("0x") else raw)
    assert revert[:4] in selectors, f"route 0x{route.hex()} reverted with foreign data 0x{revert.hex()}"
    return selectors[revert[:4]]


@st.composite
def structured_routes(draw: st.DrawFn, venues: Venues) -> bytes:
    """Route bytes with the right shape, built from the replica's real pools and tokens mixed at random
    (pools that do not hold the tokens, wrong indices, wrong fees, absurd amounts), mostly cycles."""
    m = venues.manifest
    tokens = [t.address for t in m.tokens.values()]
    pools = {
        0: [p.address for p in m.v2_pairs],
        1: [p.address for p in m.v3_pools],
        2: [p.pool_id for p in m.balancer_pools],
        3: [p.address for p in m.curve_pools],
    }
    hops = draw(st.integers(2, 4))
    asset = draw(st.sampled_from(tokens))
    amount = draw(st.one_of(st.integers(1, 10**9), st.integers(1, 2**128 - 1)))
    out = bytearray([draw(st.integers(0, 3)), hops])
    out += (
        bytes.fromhex(asset[2:])
        + amount.to_bytes(16, "big")
        + draw(st.integers(0, 2**20)).to_bytes(16, "big")
    )
    token_in = asset
    for i in range(hops):
        last = i == hops - 1
        genuine = _genuine_hops(m, token_in)
        closing = [h for h in genuine if h[2].lower() == asset.lower()]
        if last and closing and draw(st.integers(0, 3)):
            genuine = closing  # a real pool back into the asset: the route is a cycle of real pools
        if genuine and draw(st.integers(0, 3)):
            # mostly a real pool of the hop's input token (it passes FlashArb's pool check)
            kind, target, token_out = draw(st.sampled_from(genuine))
        else:
            kind = draw(st.sampled_from([0, 1, 2, 3]))
            if draw(st.booleans()) or not pools[kind]:
                target = bytes.fromhex(draw(st.sampled_from([p for k in (0, 1, 3) for p in pools[k]]))[2:])
            else:
                target = bytes.fromhex(draw(st.sampled_from(pools[kind]))[2:])
            if len(target) == 20:
                params = draw(st.sampled_from([b"", (30).to_bytes(2, "big"), bytes([0, 1]), bytes([2, 0])]))
                target = target + params.ljust(12, b"\0")
            token_out = draw(st.sampled_from(tokens))
        if last and draw(st.integers(0, 9)):
            token_out = asset
        min_out = draw(st.sampled_from([0, 1, 2**128 - 1]))
        out += bytes([kind]) + target + bytes.fromhex(token_out[2:]) + min_out.to_bytes(16, "big")
        if i == 0 and kind in (0, 1) and draw(st.booleans()):
            out[0] = 2 + kind  # that first pool as the lender (the lender kind must match it)
        token_in = token_out
    return bytes(out)


def _genuine_hops(m: Any, token_in: str) -> list[tuple[int, bytes, str]]:
    """(kind, 32-byte target, token_out) for every replica pool that holds `token_in`."""
    found: list[tuple[int, bytes, str]] = []
    t = token_in.lower()
    for p in m.v2_pairs:
        if t in (p.token0.lower(), p.token1.lower()):
            other = p.token1 if t == p.token0.lower() else p.token0
            found.append((0, bytes.fromhex(p.address[2:]) + (30).to_bytes(2, "big") + bytes(10), other))
    for p in m.v3_pools:
        if t in (p.token0.lower(), p.token1.lower()):
            other = p.token1 if t == p.token0.lower() else p.token0
            found.append((1, bytes.fromhex(p.address[2:]) + bytes(12), other))
    for p in m.balancer_pools:
        for other in p.tokens:
            if t in (x.lower() for x in p.tokens) and other.lower() != t:
                found.append((2, bytes.fromhex(p.pool_id[2:]), other))
    for p in m.curve_pools:
        coins = [c.lower() for c in p.coins]
        if t in coins:
            for j, other in enumerate(p.coins):
                if j != coins.index(t):
                    found.append(
                        (3, bytes.fromhex(p.address[2:]) + bytes([coins.index(t), j]) + bytes(10), other)
                    )
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_route_bytes_revert_with_a_flasharb_error(
    data: st.DataObject, flasharb: Any, executor: Any, venues: Venues, w3: Any
) -> None:
    selectors = _flasharb_selectors(flasharb)
    route = data.draw(st.one_of(st.binary(max_size=330), structured_routes(venues)), label="route")
    _assert_flasharb_error(_call(w3, flasharb, executor, route), selectors, route)
    try:
        parsed = decode(route)
    except RouteError:
        return
    assert encode(parsed) == route


def test_structured_random_routes_reach_the_pools(
    flasharb: Any, executor: Any, venues: Venues, w3: Any
) -> None:
    """The generator above is not only producing malformed bytes: many of its routes get past the
    layout and pool checks and fail inside a hop or at the profit check. Fixed seed, so the count is
    stable."""
    from hypothesis import seed

    selectors = _flasharb_selectors(flasharb)
    reached: dict[str, int] = {}

    @seed(1)
    @settings(
        max_examples=100,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(structured_routes(venues))
    def run(route: bytes) -> None:
        name = _assert_flasharb_error(_call(w3, flasharb, executor, route), selectors, route)
        reached[name] = reached.get(name, 0) + 1

    run()
    beyond_checks = {
        "CallFailed",
        "InsufficientOutput",
        "InsufficientProfit",
        "BadReturnData",
        "TransferFailed",
        "PartialFill",
        "ApproveFailed",
    }
    assert sum(n for name, n in reached.items() if name in beyond_checks) >= 10, reached
