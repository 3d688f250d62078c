"""`Searcher.decide` with an `admit` callback: a rejected candidate is recorded with its reason and not
applied, the next best is tried, and `found` counts what was sized and paid before admission."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.search.graph import enumerate_cycles
from bot.search.lenders import LenderTerms
from bot.search.opportunity import Opportunity
from bot.search.searcher import Searcher

from .builders import A, B, C, D, market, v2
from .test_bounds import _random_market

E18 = 10**18
GWEI = 10**9

CHEAP = v2(1, A, B, 1_000 * E18, 2_400 * E18)  # B cheap here
STATE = market(
    CHEAP,
    v2(2, A, B, 1_000 * E18, 2_000 * E18),
    v2(3, A, B, 800 * E18, 1_600 * E18),
    v2(4, C, D, 1_000 * E18, 1_000 * E18),  # an unrelated mispricing between C and D
    v2(5, C, D, 1_000 * E18, 1_100 * E18),
    v2(6, A, C, 1_000 * E18, 1_000 * E18),  # prices C in A
)


def _searcher() -> Searcher:
    assets = (A, C)
    return Searcher(enumerate_cycles(STATE, assets), LenderTerms(5, aave_assets=frozenset(assets)), native=A)


def test_admit_none_changes_nothing() -> None:
    searcher = _searcher()
    plain = searcher.decide(STATE, GWEI)
    seen: list[Opportunity] = []

    def accept(opportunity: Opportunity) -> str | None:
        seen.append(opportunity)
        return None

    admitted = searcher.decide(STATE, GWEI, admit=accept)
    assert admitted.chosen == plain.chosen and plain.chosen
    assert seen == list(plain.chosen)
    assert admitted.rejected == () and admitted.found == plain.found >= len(plain.chosen)


def test_a_rejected_candidate_is_skipped_and_not_applied() -> None:
    searcher = _searcher()
    ranked = searcher.search(STATE, GWEI).opportunities
    assert CHEAP.address in ranked[0].pools  # the best trade goes through the cheap pair

    def no_cheap(opportunity: Opportunity) -> str | None:
        return "guard: cheap pair" if CHEAP.address in opportunity.pools else None

    decision = searcher.decide(STATE, GWEI, admit=no_cheap)
    assert decision.rejected and all(reason == "guard: cheap pair" for _, reason in decision.rejected)
    assert decision.rejected[0][0] == ranked[0]  # priced on the untouched state, exactly as search
    profits = [o.net_profit_native for o, _ in decision.rejected]
    assert profits == sorted(profits, reverse=True)
    assert decision.chosen and all(CHEAP.address not in o.pools for o in decision.chosen)
    # nothing rejected was applied: the first accepted trade is priced on the block's own state
    assert decision.chosen[0] in ranked
    assert decision.found >= len(decision.chosen) + len(decision.rejected)
    # max_trades counts accepted trades only
    one = searcher.decide(STATE, GWEI, max_trades=1, admit=no_cheap)
    assert one.chosen == decision.chosen[:1]
    assert one.chosen[0] == next(o for o in ranked if CHEAP.address not in o.pools)


def test_everything_rejected() -> None:
    searcher = _searcher()
    decision = searcher.decide(STATE, GWEI, max_trades=2, admit=lambda o: "paused")
    assert decision.chosen == ()
    # every profitable cycle was sized and put to admit, best first, on the untouched state
    ranked = searcher.search(STATE, GWEI).opportunities
    assert [o for o, _ in decision.rejected] == list(ranked)
    assert decision.found == len(ranked)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10**6), premium=st.sampled_from([0, 5]), skip=st.integers(0, 2))
def test_rejecting_the_first_k_takes_the_next_best(seed: int, premium: int, skip: int) -> None:
    state = _random_market(seed)
    assets = (A, B, C)
    searcher = Searcher(
        enumerate_cycles(state, assets),
        LenderTerms(premium, aave_assets=frozenset(assets), balancer_assets=frozenset({A})),
        native=A,
    )
    ranked = searcher.search(state, 30 * GWEI).opportunities
    calls: list[Opportunity] = []

    def reject_first(opportunity: Opportunity) -> str | None:
        calls.append(opportunity)
        return "rejected" if len(calls) <= skip else None

    decision = searcher.decide(state, 30 * GWEI, max_trades=1, admit=reject_first)
    assert [o for o, _ in decision.rejected] == list(ranked[:skip])
    assert decision.chosen == tuple(ranked[skip : skip + 1])
