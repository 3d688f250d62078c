"""EIP-1559 fees and gas limits, in integers."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError
from bot.execution.gas import GWEI, FeeQuote, GasPricer, gas_limit


def test_fees_follow_the_base_fee_under_the_cap() -> None:
    pricer = GasPricer(priority_fee_wei=30 * GWEI, cap_wei=500 * GWEI)
    fees = pricer.quote(100 * GWEI)
    assert (fees.max_priority_fee, fees.max_fee) == (30 * GWEI, 230 * GWEI)
    assert fees.expected == fees.needed == 130 * GWEI


def test_the_cap_bounds_the_max_fee_and_flags_a_base_fee_above_it() -> None:
    pricer = GasPricer(priority_fee_wei=30 * GWEI, cap_wei=200 * GWEI)
    fees = pricer.quote(400 * GWEI)
    assert fees.max_fee == 200 * GWEI  # never above the cap
    assert fees.needed == 430 * GWEI > pricer.cap_wei  # the guard sees this and skips


def test_a_replacement_pays_at_least_an_eighth_more_on_both_fields() -> None:
    fees = FeeQuote(base_fee=10, max_priority_fee=30 * GWEI, max_fee=50 * GWEI + 1)
    bumped = fees.bumped()
    assert bumped.max_priority_fee * 8 >= fees.max_priority_fee * 9
    assert bumped.max_fee * 8 >= fees.max_fee * 9
    capped = fees.bumped(cap_wei=52 * GWEI)
    assert capped.max_fee == 52 * GWEI


def test_gas_limit_margin_and_bad_inputs() -> None:
    assert gas_limit(400_000) == 500_000
    assert gas_limit(3) == 4  # rounded up
    with pytest.raises(ValueError, match="positive"):
        gas_limit(0)
    with pytest.raises(ConfigError, match="priority fee"):
        GasPricer(priority_fee_wei=-1)
