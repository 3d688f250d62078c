"""Parity on the fork: bot.amm.uniswap_v2 equals Router02.getAmountsOut / getAmountsIn of QuickSwap
and SushiSwap to the wei, for random pairs, directions and amounts."""

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.amm.uniswap_v2 import fee_from_bps, get_amount_in, get_amount_out
from bot.errors import AmmError

from .chain_reads import Reverted, router_amounts_in, router_amounts_out, v2_reserves

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=st.data())
def test_amount_out_equals_router(w3: Any, book: Any, replica: Any, data: st.DataObject) -> None:
    pair = data.draw(st.sampled_from(replica.manifest.v2_pairs), label="pair")
    dex = book.dex(pair.dex)
    reserve0, reserve1 = v2_reserves(w3, pair.address)
    zero_for_one = data.draw(st.booleans(), label="zero_for_one")
    token_in, token_out = (pair.token0, pair.token1) if zero_for_one else (pair.token1, pair.token0)
    reserve_in, reserve_out = (reserve0, reserve1) if zero_for_one else (reserve1, reserve0)
    # from 1 wei to 10x the reserve, log-uniformly
    amount = data.draw(st.integers(1, 10**7).map(lambda k: max(1, reserve_in * k // 10**6 // 10 ** (k % 7))))
    expected = router_amounts_out(w3, dex.router, amount, [token_in, token_out])[1]
    assert get_amount_out(amount, reserve_in, reserve_out, fee_from_bps(dex.fee_bps)) == expected


@SETTINGS
@given(data=st.data())
def test_amount_in_equals_router(w3: Any, book: Any, replica: Any, data: st.DataObject) -> None:
    pair = data.draw(st.sampled_from(replica.manifest.v2_pairs), label="pair")
    dex = book.dex(pair.dex)
    reserve0, reserve1 = v2_reserves(w3, pair.address)
    zero_for_one = data.draw(st.booleans(), label="zero_for_one")
    token_in, token_out = (pair.token0, pair.token1) if zero_for_one else (pair.token1, pair.token0)
    reserve_in, reserve_out = (reserve0, reserve1) if zero_for_one else (reserve1, reserve0)
    # up to and beyond the whole output reserve: the router reverts there, and so must we
    amount = data.draw(st.integers(1, 11 * 10**5).map(lambda k: max(1, reserve_out * k // 10**6)))
    try:
        expected = router_amounts_in(w3, dex.router, amount, [token_in, token_out])[0]
    except Reverted:
        assert amount >= reserve_out
        try:
            get_amount_in(amount, reserve_in, reserve_out, fee_from_bps(dex.fee_bps))
        except AmmError:
            return
        raise AssertionError(
            f"the router reverts for {amount} out of {reserve_out}, the mirror did not"
        ) from None
    assert get_amount_in(amount, reserve_in, reserve_out, fee_from_bps(dex.fee_bps)) == expected
