"""Cycle enumeration on small token graphs."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import ConfigError
from bot.search.graph import TooManyCycles, enumerate_cycles, legs_of

from .builders import A, B, C, D, balancer, v2


def test_two_parallel_pairs_give_both_directions() -> None:
    p1, p2 = v2(1, A, B, 10, 10), v2(2, A, B, 10, 10)
    cycles = enumerate_cycles([p1, p2], [A])
    assert {c.pools for c in cycles} == {(p1.address, p2.address), (p2.address, p1.address)}
    for cycle in cycles:
        assert cycle.path == (A, B, A)
        assert cycle.legs[0].token_in == A and cycle.legs[-1].token_out == A


def test_a_single_pair_is_no_cycle() -> None:
    assert enumerate_cycles([v2(1, A, B, 10, 10)], [A, B]) == ()


def _two_triangles_and_a_square() -> tuple[Any, ...]:
    """Pairs A-B, B-C, C-A, C-D, D-A: the triangles A-B-C and A-C-D and the square A-B-C-D."""
    return v2(1, A, B, 1, 1), v2(2, B, C, 1, 1), v2(3, C, A, 1, 1), v2(4, C, D, 1, 1), v2(5, D, A, 1, 1)


def test_triangle_and_square() -> None:
    ab, bc, ca, cd, da = _two_triangles_and_a_square()
    cycles = enumerate_cycles([ab, bc, ca, cd, da], [A])
    paths = sorted(c.path for c in cycles)
    assert paths == sorted(
        [
            (A, B, C, A),
            (A, C, B, A),  # the triangle A-B-C, both ways
            (A, C, D, A),
            (A, D, C, A),  # the triangle A-C-D, both ways
            (A, B, C, D, A),
            (A, D, C, B, A),  # the square, both ways
        ]
    )
    # three hops at most: the square disappears
    assert sorted(c.path for c in enumerate_cycles([ab, bc, ca, cd, da], [A], max_hops=3)) == sorted(
        [(A, B, C, A), (A, C, B, A), (A, C, D, A), (A, D, C, A)]
    )
    # only 4-hop cycles
    assert len(enumerate_cycles([ab, bc, ca, cd, da], [A], min_hops=4)) == 2


def test_more_cycles_than_allowed_stops_with_the_remedy_named() -> None:
    ab, bc, ca, cd, da = _two_triangles_and_a_square()
    pools = [ab, bc, ca, cd, da]
    assert len(enumerate_cycles(pools, [A], max_cycles=6)) == 6  # exactly at the cap: all of them
    with pytest.raises(TooManyCycles) as refused:
        enumerate_cycles(pools, [A], max_cycles=5)
    assert isinstance(refused.value, ConfigError)
    message = str(refused.value)
    assert "5 pools make more than 5 cycles of up to 4 hops" in message and "max_hops to 3" in message
    assert len(enumerate_cycles(pools, [A], max_hops=3, max_cycles=5)) == 4  # the remedy works


def test_every_borrowable_start_is_listed_and_others_are_not() -> None:
    ab, bc, ca = v2(1, A, B, 1, 1), v2(2, B, C, 1, 1), v2(3, C, A, 1, 1)
    starts = sorted({c.asset for c in enumerate_cycles([ab, bc, ca], [A, C])})
    assert starts == sorted([A, C])
    assert enumerate_cycles([ab, bc, ca], [D]) == ()


def test_no_pool_or_token_repeats() -> None:
    pools = [v2(1, A, B, 1, 1), v2(2, A, B, 1, 1), v2(3, B, C, 1, 1), v2(4, B, C, 1, 1), v2(5, C, A, 1, 1)]
    for cycle in enumerate_cycles(pools, [A]):
        assert len(set(cycle.pools)) == len(cycle.pools)
        inner = cycle.path[1:-1]
        assert len(set(inner)) == len(inner) and A not in inner


def test_multi_token_pool_gives_a_leg_per_ordered_pair() -> None:
    pool = balancer(9, (A, B, C), (1, 1, 1), (4 * 10**17, 3 * 10**17, 3 * 10**17))
    legs = legs_of(pool)
    assert len(legs) == 6
    assert {(leg.index_in, leg.index_out) for leg in legs} == {
        (i, j) for i in range(3) for j in range(3) if i != j
    }
    # one pool alone makes no cycle (a pool is used once); with a pair it does, in both directions
    pair = v2(1, A, C, 1, 1)
    cycles = enumerate_cycles([pool, pair], [A])
    assert sorted(c.pools for c in cycles) == sorted(
        [(pool.address, pair.address), (pair.address, pool.address)]
    )


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="min_hops"):
        enumerate_cycles([], [A], min_hops=1)
    with pytest.raises(ConfigError, match="max_hops"):
        enumerate_cycles([], [A], max_hops=5)
    with pytest.raises(ConfigError, match="listed twice"):
        enumerate_cycles([v2(1, A, B, 1, 1), v2(1, A, B, 1, 1)], [A])
