"""Parity on the fork: bot.amm.balancer_stable equals BalancerQueries.queryBatchSwap (the Vault running
the real ComposableStablePool v3's onSwap) to the wei, for random amounts over every pair of tokens in
both directions of the replica's ComposableStable pools, with the MaticX rate away from 1 (and moved
once more during the test) and 6- and 18-decimal tokens side by side."""

from __future__ import annotations

import logging
import random
from typing import Any

import pytest

from bot.amm.balancer_stable import StablePoolState, calc_out_given_in
from bot.errors import AmmError

from .chain_reads import Reverted, call

logger = logging.getLogger(__name__)

ZERO = "0x0000000000000000000000000000000000000000"
CASES_PER_DIRECTION = 60


def stable_state(w3: Any, vault: str, pool_id: str, pool: str) -> StablePoolState:
    tokens, balances, _ = call(
        w3,
        vault,
        "getPoolTokens(bytes32)",
        (bytes.fromhex(pool_id[2:]),),
        ("address[]", "uint256[]", "uint256"),
    )
    amp, _, precision = call(w3, pool, "getAmplificationParameter()", returns=("uint256", "bool", "uint256"))
    assert precision == 1_000
    return StablePoolState(
        pool_id=pool_id,
        address=pool,
        tokens=tuple(tokens),
        balances=tuple(balances),
        bpt_index=call(w3, pool, "getBptIndex()"),
        scaling_factors=tuple(call(w3, pool, "getScalingFactors()", returns=("uint256[]",))),
        amp=amp,
        swap_fee_percentage=call(w3, pool, "getSwapFeePercentage()"),
    )


def query_given_in(w3: Any, queries: str, pool_id: str, token_in: str, token_out: str, amount: int) -> int:
    deltas = call(
        w3,
        queries,
        "queryBatchSwap(uint8,(bytes32,uint256,uint256,uint256,bytes)[],address[],(address,bool,address,bool))",
        (
            0,
            [(bytes.fromhex(pool_id[2:]), 0, 1, amount, b"")],
            [token_in, token_out],
            (ZERO, False, ZERO, False),
        ),
        ("int256[]",),
    )
    assert deltas[0] == amount
    return int(-deltas[1])


def _set_rate(w3: Any, provider: str, pool: str, token: str, rate: int, admin: str) -> None:
    from eth_abi.abi import encode
    from eth_utils import function_signature_to_4byte_selector as sel

    w3.provider.make_request("anvil_impersonateAccount", [admin])
    w3.provider.make_request("anvil_setBalance", [admin, hex(10**20)])
    for to, data in (
        (provider, sel("setRate(uint256)") + encode(["uint256"], [rate])),
        (pool, sel("updateTokenRateCache(address)") + encode(["address"], [token])),
    ):
        tx = w3.eth.send_transaction({"from": admin, "to": to, "data": "0x" + data.hex(), "gas": 500_000})
        assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1


def _run(w3: Any, book: Any, replica: Any, rng: random.Random) -> tuple[int, int, int]:
    exact = total = refused = 0
    for pool in replica.manifest.balancer_stable_pools:
        state = stable_state(w3, book.balancer_v2.vault, pool.pool_id, pool.address)
        tradeable = [k for k in range(len(state.tokens)) if k != state.bpt_index]
        for i in tradeable:
            for j in tradeable:
                if i == j:
                    continue
                for _ in range(CASES_PER_DIRECTION):
                    # 1 wei up to 40 % of the input balance, spread over orders of magnitude
                    ceiling = max(1, state.balances[i] * 4 // 10)
                    amount = max(1, int(ceiling ** rng.random()))
                    total += 1
                    try:
                        expected = query_given_in(
                            w3,
                            book.balancer_v2.queries,
                            state.pool_id,
                            state.tokens[i],
                            state.tokens[j],
                            amount,
                        )
                    except Reverted as exc:
                        # the pool refuses (a dust input whose output would be below zero): so must we
                        assert "BAL#001" in str(exc)
                        with pytest.raises(AmmError, match="BAL#001"):
                            calc_out_given_in(state, i, j, amount)
                        refused += 1
                        continue
                    assert calc_out_given_in(state, i, j, amount) == expected, (pool.address, i, j, amount)
                    exact += 1
    return exact, refused, total


def test_given_in_equals_query_batch_swap(w3: Any, book: Any, replica: Any) -> None:
    pools = replica.manifest.balancer_stable_pools
    assert len(pools) >= 2
    rated = [(p, k) for p in pools for k, r in enumerate(p.rate_providers) if r != ZERO]
    assert rated, "a pool with a rate provider"
    rng = random.Random(1137)
    exact, refused, total = _run(w3, book, replica, rng)
    # move the liquid-staking rate (rewards accrue) and compare again on the new scaling factors
    for pool, k in rated:
        before = stable_state(w3, book.balancer_v2.vault, pool.pool_id, pool.address).scaling_factors[k]
        _set_rate(
            w3,
            pool.rate_providers[k],
            pool.address,
            pool.tokens[k],
            1_123_456_789_012_345_678,
            replica.manifest.admin,
        )
        after = stable_state(w3, book.balancer_v2.vault, pool.pool_id, pool.address).scaling_factors[k]
        assert after != before and after == 1_123_456_789_012_345_678
    more_exact, more_refused, more_total = _run(w3, book, replica, rng)
    assert (
        exact + more_exact + refused + more_refused == total + more_total == 2 * CASES_PER_DIRECTION * (2 + 6)
    )
    assert exact + more_exact > 0.9 * (total + more_total)
    logger.info(
        "stable parity: %d exact, %d refused by both, of %d",
        exact + more_exact,
        refused + more_refused,
        total + more_total,
    )
