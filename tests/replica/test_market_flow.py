"""Simulated market flow on the fork: seeded, reproducible, and it really moves prices."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import ReplicaError
from bot.replica.market_flow import MarketFlow

BLOCKS = range(1_000, 1_006)


def _plans(flow: MarketFlow) -> list[tuple[Any, ...]]:
    return [
        (s.block, s.venue.pool, s.trader, s.token_in, s.token_out, s.amount_in)
        for block in BLOCKS
        for s in flow.plan(block)
    ]


def test_same_seed_same_plan_other_seed_other_plan(w3: Any, replica: Any) -> None:
    a = MarketFlow(w3, replica.manifest, seed=11, intensity=3)
    b = MarketFlow(w3, replica.manifest, seed=11, intensity=3)
    c = MarketFlow(w3, replica.manifest, seed=12, intensity=3)
    plan = _plans(a)
    assert len(plan) >= 6  # about 3 swaps a block
    assert plan == _plans(b)
    assert plan != _plans(c)
    assert a.plan(1_003) == a.plan(1_003)  # a block's swaps do not depend on what was planned before
    kinds = {s.venue.kind for block in range(200) for s in a.plan(block)}
    assert kinds == {"v2", "v3", "algebra", "balancer"}
    assert MarketFlow(w3, replica.manifest, seed=11, intensity=0).plan(1_000) == ()


def test_sizes_are_mostly_small_sometimes_large(w3: Any, replica: Any) -> None:
    flow = MarketFlow(w3, replica.manifest, seed=3, intensity=5)
    sizes = [s.size_ppm for block in range(400) for s in flow.plan(block)]
    small = sum(ppm <= 1_000 for ppm in sizes)
    large = sum(ppm > 4_000 for ppm in sizes)
    assert small / len(sizes) > 0.8
    assert 0 < large / len(sizes) < 0.08
    for block in range(50):
        for swap in flow.plan(block):
            depth = flow.depths[swap.venue.pool][swap.venue.tokens.index(swap.token_in)]
            assert swap.amount_in == depth * swap.size_ppm // 1_000_000 > 0


def test_steps_swap_on_every_venue_kind_reproducibly_and_move_prices(
    w3: Any, replica: Any, chain: Any
) -> None:
    snapshot = chain.snapshot()
    first = MarketFlow(w3, replica.manifest, seed=5, intensity=4)
    before = first.read_depths()
    results = [result for block in BLOCKS for result in first.step(block)]
    after = first.read_depths()
    assert results and all(result.ok for result in results)
    assert all(result.amount_out > 0 for result in results)
    traded = {result.swap.venue.pool for result in results}
    moved = {pool for pool in before if before[pool] != after[pool]}
    assert traded == moved  # every traded pool moved, nothing else did
    for result in results[:3]:
        pool, swap = result.swap.venue.pool, result.swap
        i, j = swap.venue.tokens.index(swap.token_in), swap.venue.tokens.index(swap.token_out)
        if sum(1 for r in results if r.swap.venue.pool == pool) == 1:
            assert after[pool][i] > before[pool][i] and after[pool][j] < before[pool][j]

    chain.restore(snapshot)  # anvil snapshots are single-use: take another to clean up after the repeat
    snapshot = chain.snapshot()
    assert MarketFlow(w3, replica.manifest, seed=5, intensity=4).read_depths() == before
    again = MarketFlow(w3, replica.manifest, seed=5, intensity=4)
    repeat = [result for block in BLOCKS for result in again.step(block)]
    assert [(r.swap, r.amount_out) for r in repeat] == [(r.swap, r.amount_out) for r in results]
    assert again.read_depths() == after
    chain.restore(snapshot)


@pytest.mark.parametrize(
    ("seed", "intensity", "message"),
    [
        (1.5, 3, "seed must be an integer"),
        (1, -1, "intensity"),
        (1, 101, "intensity"),
        (1, True, "intensity"),
    ],
)
def test_bad_inputs(w3: Any, replica: Any, seed: Any, intensity: Any, message: str) -> None:
    with pytest.raises(ReplicaError, match=message):
        MarketFlow(w3, replica.manifest, seed=seed, intensity=intensity)
