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


def _stable(reader: MarketReader, address: str) -> Any:
    snapshot = reader.refresh().market.get(address)
    assert isinstance(snapshot, BalancerStablePoolSnapshot)
    return snapshot.state


def _admin_send(w3: Any, admin: str, to: str, signature: str, types: list[str], args: list[Any]) -> None:
    from eth_abi.abi import encode
    from eth_utils import function_signature_to_4byte_selector

    w3.provider.make_request("anvil_impersonateAccount", [admin])
    w3.provider.make_request("anvil_setBalance", [admin, hex(10**20)])
    data = function_signature_to_4byte_selector(signature) + encode(types, args)
    tx = w3.eth.send_transaction({"from": admin, "to": to, "data": "0x" + data.hex(), "gas": 500_000})
    assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1


def test_an_expired_rate_cache_is_priced_at_the_providers_rate(
    w3: Any, book: Any, replica: Any, stable_pools: PoolSet
) -> None:
    """The MaticX rate moves at its provider but the pool's cache still holds the old one: until the
    cache expires the pool (and the snapshot) price with the cached rate, after it with the new one."""
    (pool,) = [p for p in stable_pools.balancer_stable if p.rated()]
    (k,) = pool.rated()
    only = PoolSet(balancer_stable=(pool,))
    reader = MarketReader(Multicall(w3, book.multicall3.address), only, vault=book.balancer_v2.vault)
    cached = _stable(reader, pool.address).scaling_factors[k]
    new_rate = 1_150_000_000_000_000_001
    _admin_send(
        w3, replica.manifest.admin, pool.rate_providers[k], "setRate(uint256)", ["uint256"], [new_rate]
    )

    def agrees() -> int:
        state = _stable(reader, pool.address)
        legs = [leg for leg in legs_of(pool) if k in (leg.index_in, leg.index_out)]
        for leg in legs:
            amount = state.balances[leg.index_in] // 500
            expected = query_given_in(
                w3, book.balancer_v2.queries, state.pool_id, leg.token_in, leg.token_out, amount
            )
            assert calc_out_given_in(state, leg.index_in, leg.index_out, amount) == expected
        return state.scaling_factors[k]

    assert agrees() == cached  # the cache has hours to run
    _, _, duration, expires = call(
        w3, pool.address, "getTokenRateCache(address)", (pool.tokens[k],), ("uint256",) * 4
    )
    assert duration > 0
    w3.provider.make_request("evm_increaseTime", [duration + 60])
    w3.provider.make_request("evm_mine", [])
    assert agrees() == pool.base_scaling_factors[k] * new_rate // 10**18 != cached
