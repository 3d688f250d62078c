"""Balancer ComposableStable pools in the market: discovery tells them from weighted pools by their
registered BPT, one Multicall3 round trip reads balances, scaling factors (rates included),
amplification and fee, and the snapshot quotes what the Vault answers."""

from __future__ import annotations

from typing import Any

import pytest
from amm.chain_reads import call
from amm.test_parity_balancer_stable import query_given_in

from bot.amm.balancer_stable import calc_out_given_in
from bot.market import MarketReader, Multicall, PoolSet, discover
from bot.market.snapshots import BalancerStablePoolSnapshot
from bot.search.graph import legs_of


@pytest.fixture
def stable_pools(w3: Any, book: Any, replica: Any) -> PoolSet:
    manifest = replica.manifest
    return discover(
        Multicall(w3, book.multicall3.address),
        book,
        ["WMATIC", "MaticX", "USDC", "USDT", "DAI"],
        v3_fees=(),
        balancer_pool_ids=[p.pool_id for p in (*manifest.balancer_pools, *manifest.balancer_stable_pools)],
    )


def test_discovery_tells_stable_pools_by_their_registered_bpt(stable_pools: PoolSet, replica: Any) -> None:
    manifest = replica.manifest
    assert {(p.pool_id, p.address, p.tokens, p.bpt_index) for p in stable_pools.balancer_stable} == {
        (p.pool_id, p.address, p.tokens, p.bpt_index) for p in manifest.balancer_stable_pools
    }
    assert {p.pool_id for p in stable_pools.balancer} == {p.pool_id for p in manifest.balancer_pools}
    for pool in stable_pools.balancer_stable:
        legs = legs_of(pool)
        assert legs and all(pool.address not in (leg.token_in, leg.token_out) for leg in legs)
        n = len(pool.tokens) - 1
        assert len(legs) == n * (n - 1)


def test_one_round_trip_reads_what_the_pools_answer(w3: Any, book: Any, stable_pools: PoolSet) -> None:
    only = PoolSet(balancer_stable=stable_pools.balancer_stable)
    reader = MarketReader(Multicall(w3, book.multicall3.address), only, vault=book.balancer_v2.vault)
    result = reader.refresh()
    assert result.eth_calls == 1 and result.failed == ()
    checked = 0
    for snapshot in result.market:
        assert isinstance(snapshot, BalancerStablePoolSnapshot)
        state = snapshot.state
        assert state.scaling_factors == tuple(
            call(w3, state.address, "getScalingFactors()", returns=("uint256[]",))
        )
        amp, _, precision = call(
            w3, state.address, "getAmplificationParameter()", returns=("uint256", "bool", "uint256")
        )
        assert (state.amp, precision) == (amp, 1_000)
        assert state.swap_fee_percentage == call(w3, state.address, "getSwapFeePercentage()")
        for leg in legs_of(snapshot):
            amount = state.balances[leg.index_in] // 1_000
            expected = query_given_in(
                w3, book.balancer_v2.queries, state.pool_id, leg.token_in, leg.token_out, amount
            )
            assert calc_out_given_in(state, leg.index_in, leg.index_out, amount) == expected
            checked += 1
    assert checked == 2 + 6
