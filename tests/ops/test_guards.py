"""Guards: each reason, at the boundary where it starts to apply."""

from __future__ import annotations

import dataclasses

import pytest

from bot.ops.config import LenderSource, make_config
from bot.ops.guards import Candidate, Guards, Reason, UsdPrice, lender_source, to_micro_usd
from bot.route.model import Lender

USDC = UsdPrice(100_000_000, 8)  # $1.00000000, Aave oracle style
GUARDS = Guards.from_config(make_config({"lenders": ["aave", "flash_swap"], "max_gas_price_gwei": "300"}))


def candidate(**changes: object) -> Candidate:
    base = Candidate(
        lender=LenderSource.AAVE,
        amount_borrowed=50_000 * 10**6,
        net_profit=10 * 10**6,  # $10 of a 6-decimal stable
        asset_decimals=6,
        asset_price=USDC,
        max_fee_per_gas=100 * 10**9,
        lender_liquidity=1_000_000 * 10**6,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_a_good_candidate_is_taken() -> None:
    decision = GUARDS.check(candidate())
    assert decision.taken and decision.reason is Reason.TAKEN


@pytest.mark.parametrize(
    ("changes", "flags", "reason"),
    [
        ({}, {"paused": True}, Reason.PAUSED),
        ({}, {"breaker_tripped": True}, Reason.BREAKER_TRIPPED),
        ({"lender": LenderSource.BALANCER}, {}, Reason.LENDER_NOT_ALLOWED),
        ({"max_fee_per_gas": 300 * 10**9 + 1}, {}, Reason.GAS_PRICE_ABOVE_CAP),
        ({"asset_price": None}, {}, Reason.NO_USD_PRICE),
        ({"net_profit": 3 * 10**6 - 1}, {}, Reason.PROFIT_BELOW_MIN),
        ({"net_profit": -(10**6)}, {}, Reason.PROFIT_BELOW_MIN),
        ({"net_profit": 30 * 10**6 + 1}, {}, Reason.PROFIT_ABOVE_MAX),
        ({"lender_liquidity": 50_000 * 10**6 - 1}, {}, Reason.LENDER_LIQUIDITY),
    ],
)
def test_each_reason(changes: dict[str, object], flags: dict[str, bool], reason: Reason) -> None:
    decision = GUARDS.check(candidate(**changes), **flags)
    assert decision.reason is reason and not decision.taken
    assert decision.detail


@pytest.mark.parametrize(
    "changes",
    [
        {"max_fee_per_gas": 300 * 10**9},
        {"net_profit": 3 * 10**6},
        {"net_profit": 30 * 10**6},
        {"lender_liquidity": 50_000 * 10**6},
        {"lender": LenderSource.FLASH_SWAP},
    ],
)
def test_limits_are_inclusive(changes: dict[str, object]) -> None:
    assert GUARDS.check(candidate(**changes)).taken


def test_no_max_profit_cap() -> None:
    guards = Guards.from_config(make_config({"max_profit_usd": None}))
    assert guards.check(candidate(net_profit=10**6 * 10**6)).taken


def test_usd_conversion_is_exact_and_floors() -> None:
    weth = UsdPrice(3_000_12345678, 8)  # $3000.12345678
    assert to_micro_usd(10**18, 18, weth) == 3_000_123_456
    assert to_micro_usd(-1, 18, weth) == -1  # a loss never rounds to zero
    assert to_micro_usd(2**200, 18, weth) == 2**200 * 3_000_12345678 * 10**6 // 10**26
    with pytest.raises(ValueError, match="UsdPrice"):
        UsdPrice(-1, 8)


def test_route_lenders_map_to_sources() -> None:
    assert lender_source(Lender.AAVE) is LenderSource.AAVE
    assert lender_source(Lender.BALANCER) is LenderSource.BALANCER
    assert lender_source(Lender.UNISWAP_V2) is LenderSource.FLASH_SWAP
    assert lender_source(Lender.UNISWAP_V3) is LenderSource.FLASH_SWAP
