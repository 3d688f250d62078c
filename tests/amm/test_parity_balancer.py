"""Parity on the fork: bot.amm.balancer_weighted equals BalancerQueries.querySwap (the Vault running
the pool's onSwap) to the wei, both swap kinds, including the amounts the pool refuses."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.amm.balancer_weighted import WeightedPoolState, calc_in_given_out, calc_out_given_in
from bot.errors import AmmError

from .chain_reads import Reverted, query_swap, weighted_state

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def pools(w3: Any, book: Any, replica: Any) -> list[WeightedPoolState]:
    return [
        weighted_state(w3, book.balancer_v2.vault, p.pool_id, p.address)
        for p in replica.manifest.balancer_pools
    ]


def draw_swap(data: st.DataObject, pools: list[WeightedPoolState], balance_side: str) -> tuple:
    state = data.draw(st.sampled_from(pools), label="pool")
    i, j = data.draw(st.permutations(range(len(state.tokens))), label="order")[:2]
    balance = state.balances[i if balance_side == "in" else j]
    # 1 wei up to 40 % of the balance: past 30 % the pool refuses (MAX_IN_RATIO / MAX_OUT_RATIO)
    share = data.draw(st.integers(1, 4 * 10**8), label="share per 1e9")
    scale = data.draw(st.sampled_from([1, 10**3, 10**6]), label="scale down")
    return state, i, j, max(1, balance * share // 10**9 // scale)


def compare(chain_answer: Any, ours: Any) -> None:
    """Both sides give the same integer, or both refuse."""
    try:
        expected = chain_answer()
    except Reverted:
        with pytest.raises(AmmError, match="BAL#30[45]"):
            ours()
        return
    assert ours() == expected


@SETTINGS
@given(data=st.data())
def test_given_in_equals_query_swap(w3: Any, book: Any, pools: list, data: st.DataObject) -> None:
    state, i, j, amount = draw_swap(data, pools, "in")
    compare(
        lambda: query_swap(
            w3, book.balancer_v2.queries, state.pool_id, True, state.tokens[i], state.tokens[j], amount
        ),
        lambda: calc_out_given_in(state, i, j, amount),
    )


@SETTINGS
@given(data=st.data())
def test_given_out_equals_query_swap(w3: Any, book: Any, pools: list, data: st.DataObject) -> None:
    state, i, j, amount = draw_swap(data, pools, "out")
    compare(
        lambda: query_swap(
            w3, book.balancer_v2.queries, state.pool_id, False, state.tokens[i], state.tokens[j], amount
        ),
        lambda: calc_in_given_out(state, i, j, amount),
    )


def test_the_pools_exercise_the_non_trivial_paths(pools: list) -> None:
    # weights other than 50/50 go through LogExpMath.pow; tokens of 6 or 8 decimals through scaling
    assert any(len(set(p.normalized_weights)) > 1 for p in pools)
    assert any(f != 10**18 for p in pools for f in p.scaling_factors)
