"""The inlined Uniswap V3 swap loop (bot.amm.v3_pool) against a loop built from the one-to-one
library mirrors over bitmap words, plus snapshot coverage and input errors (pure, no chain)."""

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.amm.tick_bitmap import bitmap_from_ticks
from bot.amm.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)
from bot.amm.v3_pool import V3PoolState, exact_input, exact_output, swap, swap_loop
from bot.errors import AmmError, TickCoverageError

from .v3_reference import reference_swap


def make_state(
    spacing: int,
    positions: list[tuple[int, int, int]],
    sqrt_price: int,
    fee: int = 3000,
    covered: tuple[int, int] = (MIN_TICK, MAX_TICK),
) -> tuple[V3PoolState, dict[int, int]]:
    """A pool holding `positions` (lower, upper, liquidity) at `sqrt_price`, as the pool would store it."""
    net: dict[int, int] = {}
    for lower, upper, liquidity in positions:
        net[lower] = net.get(lower, 0) + liquidity
        net[upper] = net.get(upper, 0) - liquidity
    tick = get_tick_at_sqrt_ratio(sqrt_price)
    in_range = sum(liq for lower, upper, liq in positions if lower <= tick < upper)
    ticks = tuple(sorted(net))
    state = V3PoolState(
        address="0xpool",
        token0="0xtoken0",
        token1="0xtoken1",
        fee=fee,
        tick_spacing=spacing,
        sqrt_price_x96=sqrt_price,
        tick=tick,
        liquidity=in_range,
        ticks=ticks,
        liquidity_net=tuple(net[t] for t in ticks),
        covered_from=covered[0],
        covered_to=covered[1],
    )
    return state, net


def reference(state: V3PoolState, net: dict[int, int], zero_for_one: bool, amount: int, limit=None, **kw):
    return reference_swap(
        bitmap=bitmap_from_ticks(state.ticks, state.tick_spacing),
        liquidity_net=net,
        tick_spacing=state.tick_spacing,
        fee=state.fee,
        sqrt_price_x96=state.sqrt_price_x96,
        tick=state.tick,
        liquidity=state.liquidity,
        zero_for_one=zero_for_one,
        amount_specified=amount,
        sqrt_price_limit_x96=limit,
        **kw,
    )


@st.composite
def pools(draw):
    spacing = draw(st.sampled_from([1, 10, 60, 200]))
    center = draw(st.integers(min_value=-600_000, max_value=600_000)) // spacing
    width = draw(st.sampled_from([3, 40, 300, 3000]))  # in spacings: a few ticks to many words
    lowest, highest = MIN_TICK // spacing + 1, MAX_TICK // spacing
    positions = []
    for _ in range(draw(st.integers(min_value=0, max_value=25))):
        a = max(lowest, min(highest - 1, center + draw(st.integers(-width, width))))
        b = max(a + 1, min(highest, a + draw(st.integers(1, width))))
        positions.append((a * spacing, b * spacing, draw(st.integers(1, 10 ** draw(st.integers(4, 26))))))
    tick = max(MIN_TICK, min(MAX_TICK - 1, center * spacing + draw(st.integers(-width, width)) * spacing))
    low, high = get_sqrt_ratio_at_tick(tick), get_sqrt_ratio_at_tick(tick + 1)
    price = low + draw(st.integers(min_value=0, max_value=high - low - 1))
    fee = draw(st.sampled_from([100, 500, 3000, 10_000]))
    return make_state(spacing, positions, price, fee)


amounts = st.integers(min_value=1, max_value=10**30).map(lambda a: a) | st.integers(1, 10**6)


@settings(max_examples=400, deadline=None)
@given(pool=pools(), zero_for_one=st.booleans(), amount=amounts, exact_in=st.booleans())
def test_inline_loop_equals_the_library_composition(
    pool, zero_for_one: bool, amount: int, exact_in: bool
) -> None:
    state, net = pool
    specified = amount if exact_in else -amount
    try:
        expected = reference(state, net, zero_for_one, specified)
    except AmmError:
        with pytest.raises(AmmError):
            swap_loop(state, zero_for_one, specified)
        with pytest.raises(AmmError):
            swap(state, zero_for_one, specified)
        return
    loop = swap_loop(state, zero_for_one, specified)
    assert loop[:5] == expected
    # exact input goes through the cached path of full steps: same result, same ticks crossed
    assert swap(state, zero_for_one, specified) == loop


@settings(max_examples=150, deadline=None)
@given(
    pool=pools(), zero_for_one=st.booleans(), picks=st.lists(st.integers(0, 10**6), min_size=1, max_size=6)
)
def test_path_is_exact_at_every_step_threshold(pool, zero_for_one: bool, picks: list[int]) -> None:
    """An input equal to the total a run of full steps needs ends exactly there; one wei less runs
    a partial step; one wei more starts the next step. All as the loop does."""
    state, _ = pool
    try:
        swap(state, zero_for_one, 10**40)  # walks the whole path (to the price limit)
    except AmmError:
        return
    consumed = state._paths[zero_for_one].consumed
    for pick in picks:
        threshold = consumed[pick % len(consumed)]
        for amount in (threshold - 1, threshold, threshold + 1):
            if amount > 0:
                assert swap(state, zero_for_one, amount) == swap_loop(state, zero_for_one, amount), amount


@settings(max_examples=150, deadline=None)
@given(pool=pools(), zero_for_one=st.booleans(), amount=amounts, fraction=st.integers(1, 999))
def test_price_limit_stops_the_swap_where_the_pool_does(
    pool, zero_for_one: bool, amount: int, fraction: int
) -> None:
    state, net = pool
    price = state.sqrt_price_x96
    limit = (
        price - (price - MIN_SQRT_RATIO) * fraction // 1000
        if zero_for_one
        else price + (MAX_SQRT_RATIO - price) * fraction // 1000
    )
    if not (MIN_SQRT_RATIO < limit < MAX_SQRT_RATIO) or limit == price:
        return
    got = swap(state, zero_for_one, amount, limit)
    assert got[:5] == reference(state, net, zero_for_one, amount, limit)
    assert (got.sqrt_price_x96 >= limit) if zero_for_one else (got.sqrt_price_x96 <= limit)


def test_word_edges_change_amounts_so_the_loop_keeps_them() -> None:
    # one position over [-1000, 1000]; a swap from tick 100 down to tick -100 crosses the bitmap word
    # edge at tick 0. The pool ends a step there; merging the two steps rounds differently.
    state, net = make_state(1, [(-1000, 1000, 10**18)], get_sqrt_ratio_at_tick(100))
    with_edges = reference(state, net, True, 10**16)
    without_edges = reference(state, net, True, 10**16, stop_at_word_edges=False)
    assert with_edges[1] == -9970293070397133
    assert without_edges[1] == -9970293070397135  # 2 wei more out: not what the pool pays
    assert swap(state, True, 10**16)[:5] == with_edges


def test_crossing_ticks_updates_liquidity_and_counts() -> None:
    positions = [(-600, 600, 10**20), (-120, 120, 5 * 10**20), (-60, 60, 10**21)]
    state, net = make_state(60, positions, get_sqrt_ratio_at_tick(0))
    assert state.liquidity == 16 * 10**20
    down = swap(state, True, 8 * 10**18)
    assert down.ticks_crossed >= 2 and down.tick < -120
    assert down.liquidity == 10**20
    up = swap(state, False, 8 * 10**18)
    assert up.ticks_crossed >= 2 and up.tick >= 120 and up.liquidity == 10**20
    # through every position and out of liquidity: a partial fill that stops at the price limit
    drained = swap(state, True, 10**30)
    assert drained.sqrt_price_x96 == MIN_SQRT_RATIO + 1 and drained.liquidity == 0
    assert drained.ticks_crossed == 3
    assert 0 < drained.amount0 < 10**30
    with pytest.raises(AmmError, match="liquidity runs out"):
        exact_input(state, True, 10**30)
    assert exact_input(state, True, 10**18) == -swap(state, True, 10**18).amount1


def test_exact_output_pays_exactly_and_inverts_exact_input() -> None:
    state, _ = make_state(
        10, [(-5000, 5000, 10**22), (-200, 300, 10**23)], get_sqrt_ratio_at_tick(17) + 12345
    )
    for zero_for_one in (True, False):
        result = swap(state, zero_for_one, -(10**20))
        paid = -(result.amount1 if zero_for_one else result.amount0)
        taken = result.amount0 if zero_for_one else result.amount1
        assert paid == 10**20
        assert exact_output(state, zero_for_one, 10**20) == taken
        # paying the input it asks for gets at least the output
        assert exact_input(state, zero_for_one, taken) >= 10**20
    with pytest.raises(AmmError, match="liquidity runs out"):
        exact_output(state, True, 10**40)


def test_snapshot_coverage_is_enforced() -> None:
    positions = [(-6000, 6000, 10**20), (-1200, 1200, 10**21), (-600, 600, 10**21)]
    full, _ = make_state(60, positions, get_sqrt_ratio_at_tick(0))
    # words -1..0 of spacing 60 cover ticks [-15360, 15359]: every position is inside
    partial = replace(full, covered_from=-256 * 60, covered_to=255 * 60)
    small = swap(full, True, 10**18)
    assert swap(partial, True, 10**18) == small
    for run in (swap, swap_loop):
        # a swap that runs past tick -15360 must not pretend the unknown word is empty
        with pytest.raises(TickCoverageError, match="beyond the snapshot"):
            run(partial, True, 10**30)
        with pytest.raises(TickCoverageError):
            run(partial, False, 10**30)
        # a snapshot that does not even cover the current tick's word cannot quote at all
        for zero_for_one in (True, False):
            elsewhere = replace(full, ticks=(), liquidity_net=(), covered_from=60_000, covered_to=70_000)
            with pytest.raises(TickCoverageError):
                run(elsewhere, zero_for_one, 1)
            below = replace(full, ticks=(), liquidity_net=(), covered_from=-70_000, covered_to=-60_000)
            with pytest.raises(TickCoverageError):
                run(below, zero_for_one, 1)
    # what the path already found stays valid below the gap
    assert swap(partial, True, 10**18) == small


def test_from_bitmap_builds_the_same_state() -> None:
    positions = [(-6000, 6000, 10**20), (-1200, 1200, 10**21)]
    full, net = make_state(60, positions, get_sqrt_ratio_at_tick(7))
    words = bitmap_from_ticks(full.ticks, 60)
    built = V3PoolState.from_bitmap(
        address=full.address,
        token0=full.token0,
        token1=full.token1,
        fee=full.fee,
        tick_spacing=60,
        sqrt_price_x96=full.sqrt_price_x96,
        tick=full.tick,
        liquidity=full.liquidity,
        word_range=(-1, 0),
        words=words,
        liquidity_net=net,
    )
    assert built == replace(full, covered_from=-256 * 60, covered_to=255 * 60)
    with pytest.raises(AmmError, match="liquidity_net missing"):
        V3PoolState.from_bitmap(**{**_bitmap_args(full), "words": words, "liquidity_net": {}})
    with pytest.raises(AmmError, match="outside"):
        V3PoolState.from_bitmap(**{**_bitmap_args(full), "words": {5: 1}, "liquidity_net": {}})


def _bitmap_args(state: V3PoolState) -> dict:
    return dict(
        address=state.address,
        token0=state.token0,
        token1=state.token1,
        fee=state.fee,
        tick_spacing=state.tick_spacing,
        sqrt_price_x96=state.sqrt_price_x96,
        tick=state.tick,
        liquidity=state.liquidity,
        word_range=(-1, 0),
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"fee": 1_000_000}, "fee"),
        ({"tick_spacing": 0}, "tick_spacing"),
        ({"sqrt_price_x96": MAX_SQRT_RATIO}, "sqrt_price_x96"),
        ({"liquidity": -1}, "uint128"),
        ({"ticks": (60, -60), "liquidity_net": (1, -1)}, "ascending"),
        ({"ticks": (-61, 60), "liquidity_net": (1, -1)}, "multiple"),
        ({"ticks": (-60,), "liquidity_net": (1, -1)}, "liquidity_net values"),
        ({"covered_from": 100, "covered_to": 0}, "covered tick range"),
        ({"ticks": (-60, 60000), "liquidity_net": (1, -1), "covered_to": 600}, "outside the covered range"),
    ],
)
def test_bad_snapshots_are_refused(change: dict, message: str) -> None:
    state, _ = make_state(60, [(-60, 60, 10**18)], get_sqrt_ratio_at_tick(0))
    with pytest.raises(AmmError, match=message):
        replace(state, **change)


def test_bad_swaps_are_refused() -> None:
    state, _ = make_state(60, [(-60, 60, 10**18)], get_sqrt_ratio_at_tick(0))
    with pytest.raises(AmmError, match=r"\(AS\)"):
        swap(state, True, 0)
    with pytest.raises(AmmError, match=r"\(SPL\)"):
        swap(state, True, 1, state.sqrt_price_x96)
    with pytest.raises(AmmError, match=r"\(SPL\)"):
        swap(state, False, 1, MAX_SQRT_RATIO)
    with pytest.raises(AmmError, match="int256"):
        swap(state, True, 1 << 255)
    with pytest.raises(AmmError, match="must be in"):
        exact_input(state, True, 0)
