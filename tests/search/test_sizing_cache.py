"""The searcher keeps a block's sizing results for the next block: cycles whose pools did not move are
not sized again, yet every opportunity is the same as sizing from scratch, priced at the new block."""

from __future__ import annotations

from dataclasses import replace

from bot.market.state import MarketState
from bot.search.graph import enumerate_cycles
from bot.search.lenders import LenderTerms
from bot.search.searcher import Searcher, state_key

from .builders import A, B, C, balancer, curve, market, v2, v3

E18 = 10**18
GWEI = 10**9


def _state() -> MarketState:
    return market(
        v2(1, A, B, 1_000 * E18, 2_200 * E18),
        v2(2, A, B, 1_000 * E18, 2_000 * E18),
        v2(3, B, C, 2_000 * E18, 2_000 * E18),
        v3(4, A, C, 2.0, 10**22, fee=500, spacing=10, width=60),
        balancer(5, (A, C), (500 * E18, 1_040 * E18), (5 * 10**17, 5 * 10**17)),
        curve(6, (B, C), (10**21, 13 * 10**20)),
    )


def _at_block(state: MarketState, block: int) -> MarketState:
    """The same pool states read again at another block (new snapshot objects)."""
    return MarketState(block, {a: replace(s, block=block) for a, s in state.pools.items()})


def _searcher(state: MarketState) -> Searcher:
    terms = LenderTerms(5, aave_assets=frozenset((A, B, C)), balancer_assets=frozenset({A}))
    return Searcher(enumerate_cycles(state, (A, B, C)), terms, native=A)


def _numbers(result):  # type: ignore[no-untyped-def]
    return [(o.cycle, o.lender, o.amount_in, o.amount_out, o.net_profit) for o in result.opportunities]


def test_an_unchanged_block_is_not_sized_again_and_gives_the_same_opportunities() -> None:
    first = _state()
    searcher = _searcher(first)
    before = searcher.search(first, 30 * GWEI)
    assert before.opportunities and before.stats.evaluations > 0
    again = searcher.search(_at_block(first, first.block + 1), 30 * GWEI)
    assert again.stats.evaluations == 0
    assert _numbers(again) == _numbers(before)
    assert {o.block for o in again.opportunities} == {first.block + 1}
    # a higher gas price is applied to the kept sizes
    dearer = searcher.search(_at_block(first, first.block + 2), 3_000 * GWEI)
    assert dearer.stats.evaluations == 0
    assert dearer.opportunities
    cheap = {(o.cycle, o.lender): o for o in before.opportunities}
    for o in dearer.opportunities:
        same = cheap[o.cycle, o.lender]
        assert (o.amount_in, o.amount_out) == (same.amount_in, same.amount_out)
        assert o.net_profit < same.net_profit


def test_a_moved_pool_resizes_exactly_the_cycles_through_it() -> None:
    first = _state()
    searcher = _searcher(first)
    searcher.search(first, 30 * GWEI)
    moved_pool = v2(1, A, B, 1_000 * E18, 2_300 * E18)
    second = _at_block(first, first.block + 1).replace(replace(moved_pool, block=first.block + 1))
    kept = searcher.search(second, 30 * GWEI)
    fresh = _searcher(second).search(second, 30 * GWEI)
    assert _numbers(kept) == _numbers(fresh)
    assert 0 < kept.stats.evaluations < fresh.stats.evaluations
    # what decide takes is the same too
    assert searcher.decide(second, 30 * GWEI).chosen == _searcher(second).decide(second, 30 * GWEI).chosen


def test_results_are_kept_one_block_and_forget_drops_them() -> None:
    first = _state()
    searcher = _searcher(first)
    spent = searcher.search(first, 30 * GWEI).stats.evaluations
    other = _at_block(first, first.block + 1)
    other = other.replace(replace(v2(3, B, C, 2_000 * E18, 2_100 * E18), block=other.block))
    searcher.search(other, 30 * GWEI)
    searcher.search(other, 30 * GWEI)  # two blocks without pool 3's first state
    # the cycles through pool 3 are sized again; the others were kept through the blocks between
    again = searcher.search(_at_block(first, first.block + 3), 30 * GWEI).stats.evaluations
    assert 0 < again < spent
    searcher.forget()
    assert searcher.search(_at_block(first, first.block + 4), 30 * GWEI).stats.evaluations == spent


def test_state_keys_ignore_the_block_and_see_every_change() -> None:
    state = _state()
    for address, snapshot in state.pools.items():
        assert state_key(snapshot) == state_key(replace(snapshot, block=snapshot.block + 7)), address
    pair = state.pools[v2(1, A, B, 1, 1).address]
    assert state_key(pair) != state_key(replace(pair, reserve0=pair.reserve0 + 1))
    pool = state.pools[curve(6, (B, C), (1, 1)).address]
    assert state_key(pool) != state_key(replace(pool, state=replace(pool.state, balances=(10**21, 1))))
