"""The per-block pipeline's decision, offline (no chain): it takes exactly what `Searcher.decide`
takes, a guard that rejects the best candidate moves it on to the next, and what it accepts comes
with its route's calldata."""

from __future__ import annotations

from eth_abi.abi import decode

from bot.execution.gas import GWEI, GasPricer
from bot.execution.simulate import EXECUTE
from bot.market.snapshots import V2PairSnapshot
from bot.market.state import MarketState
from bot.ops.config import LenderSource
from bot.ops.guards import Guards, Reason
from bot.route.codec import decode as decode_route
from bot.route.model import Lender
from bot.runtime.pipeline import TX_IN_FLIGHT, BlockInput, BlockPipeline, Tokens
from bot.search.graph import enumerate_cycles
from bot.search.lenders import LenderTerms
from bot.search.searcher import Searcher

E18 = 10**18
BLOCK = 100
A, B, C, D = ("0x" + f"{n:02x}" * 20 for n in (10, 11, 12, 13))


def v2(n: int, token_a: str, token_b: str, reserve_a: int, reserve_b: int) -> V2PairSnapshot:
    """A 0.3 % pair between token_a and token_b holding the given reserves."""
    pair = "0x" + f"{n:040x}"
    if token_a.lower() < token_b.lower():
        return V2PairSnapshot(pair, "dex", token_a, token_b, reserve_a, reserve_b, 30, BLOCK)
    return V2PairSnapshot(pair, "dex", token_b, token_a, reserve_b, reserve_a, 30, BLOCK)


def market(*snapshots: V2PairSnapshot) -> MarketState:
    return MarketState(BLOCK, {s.address: s for s in snapshots})


CHEAP = v2(1, A, B, 1_000 * E18, 2_400 * E18)
STATE = market(
    CHEAP,
    v2(2, A, B, 1_000 * E18, 2_000 * E18),
    v2(3, A, B, 800 * E18, 1_600 * E18),
    v2(4, C, D, 1_000 * E18, 1_000 * E18),
    v2(5, C, D, 1_000 * E18, 1_100 * E18),
    v2(6, A, C, 1_000 * E18, 1_000 * E18),
)
TOKENS = Tokens(native=A, usd_token=A, decimals={A: 18, B: 18, C: 18, D: 18}, symbols={})
BASE_FEE = 30 * GWEI
PLENTY = {(Lender.AAVE, A): 10**30, (Lender.AAVE, C): 10**30}


def searcher() -> Searcher:
    assets = (A, C)
    return Searcher(
        enumerate_cycles(STATE, assets),
        LenderTerms(5, aave_assets=frozenset(assets), pool_lender=False),
        native=A,
    )


def pipeline(max_trades: int = 1, **guards: object) -> BlockPipeline:
    limits: dict[str, object] = {
        "min_profit_micro_usd": 0,
        "max_profit_micro_usd": None,
        "max_gas_price_wei": 500 * GWEI,
        "lenders": frozenset(LenderSource),
    }
    limits.update(guards)
    return BlockPipeline.offline(
        searcher(),
        TOKENS,
        guards=Guards(**limits),
        pricer=GasPricer(),
        max_trades=max_trades,  # type: ignore[arg-type]
    )


def test_it_takes_exactly_what_searcher_decide_takes() -> None:
    for trades in (1, 2, 3):
        decision = pipeline(trades).decide(BlockInput(STATE, BASE_FEE, PLENTY))
        fees = GasPricer().quote(BASE_FEE)
        reference = searcher().decide(STATE, fees.expected, max_trades=trades)
        assert [v.priced.opportunity for v in decision.accepted] == list(reference.chosen)
        assert decision.rejected == () and decision.found == reference.found


def test_a_second_trade_sharing_pools_is_resized_on_the_state_the_first_leaves() -> None:
    decision = pipeline(3).decide(BlockInput(STATE, BASE_FEE, PLENTY))
    taken = [v.priced.opportunity for v in decision.accepted]
    assert len(taken) >= 2
    shared = [(a, b) for i, a in enumerate(taken) for b in taken[i + 1 :] if set(a.pools) & set(b.pools)]
    assert shared, "the A-B trades share pools: the later ones are re-sized, not dropped"
    for _first, later in shared:
        alone = searcher().search(STATE, GasPricer().quote(BASE_FEE).expected).opportunities
        same_cycle = [o for o in alone if o.cycle == later.cycle and o.lender == later.lender]
        assert same_cycle and same_cycle[0].amount_in != later.amount_in  # priced on another state


def test_a_guard_that_rejects_the_best_moves_on_to_the_next() -> None:
    best = pipeline().decide(BlockInput(STATE, BASE_FEE, PLENTY)).accepted[0].priced.opportunity
    assert best.asset == A
    # Aave cannot lend A this block (read in the block's own batch): the A trades are rejected
    dry = {(Lender.AAVE, A): 0, (Lender.AAVE, C): 10**30}
    decision = pipeline().decide(BlockInput(STATE, BASE_FEE, dry))
    assert decision.rejected[0].priced.opportunity == best
    assert {v.reason for v in decision.rejected} == {Reason.LENDER_LIQUIDITY.value}
    assert "can lend 0" in decision.rejected[0].detail
    assert len(decision.accepted) == 1 and decision.accepted[0].priced.opportunity.asset == C


def test_accepted_trades_carry_their_route() -> None:
    verdict = pipeline().decide(BlockInput(STATE, BASE_FEE, PLENTY)).accepted[0]
    assert verdict.calldata[:4] == EXECUTE
    (route_bytes,) = decode(["bytes"], verdict.calldata[4:])
    route = decode_route(route_bytes)
    opportunity = verdict.priced.opportunity
    assert (route.asset.lower(), route.amount) == (opportunity.asset.lower(), opportunity.amount_in)
    assert (
        verdict.priced.predicted_profit
        == opportunity.amount_out - opportunity.amount_in - opportunity.lender_fee
    )
    assert verdict.priced.predicted_profit_micro_usd == verdict.priced.predicted_profit // 10**12


def test_block_level_holds_reject_every_candidate_with_their_reason() -> None:
    paused = pipeline().decide(BlockInput(STATE, BASE_FEE, PLENTY, paused=True))
    assert paused.accepted == () and {v.reason for v in paused.rejected} == {Reason.PAUSED.value}
    held = pipeline().decide(BlockInput(STATE, BASE_FEE, PLENTY, in_flight="0xabc"))
    assert held.accepted == () and {v.reason for v in held.rejected} == {TX_IN_FLIGHT}
    assert held.rejected[0].detail == "waiting for 0xabc to be mined"
    # the gas cap is checked on base fee + tip, before the in-flight hold
    capped = pipeline(max_gas_price_wei=40 * GWEI).decide(
        BlockInput(STATE, BASE_FEE, PLENTY, in_flight="0x1")
    )
    assert {v.reason for v in capped.rejected} == {Reason.GAS_PRICE_ABOVE_CAP.value}


def test_a_block_level_hold_rejects_the_best_candidate_and_sizes_no_other() -> None:
    free = pipeline().decide(BlockInput(STATE, BASE_FEE, PLENTY))
    best = free.accepted[0].priced.opportunity
    for block in (
        BlockInput(STATE, BASE_FEE, PLENTY, paused=True),
        BlockInput(STATE, BASE_FEE, PLENTY, breaker_tripped=True),
        BlockInput(STATE, BASE_FEE, PLENTY, in_flight="0xabc"),
    ):
        held = pipeline().decide(block)
        assert len(held.rejected) == 1 and held.rejected[0].priced.opportunity == best
        assert held.search.sized <= free.search.sized
    # a per-candidate rejection is not block-wide: the next best is sized and taken
    dry = {(Lender.AAVE, A): 0, (Lender.AAVE, C): 10**30}
    moved_on = pipeline().decide(BlockInput(STATE, BASE_FEE, dry))
    assert moved_on.accepted and moved_on.search.sized > free.search.sized


def test_without_liquidity_data_the_liquidity_guard_is_not_applied() -> None:
    decision = pipeline().decide(BlockInput(STATE, BASE_FEE, None))
    assert decision.accepted and decision.rejected == ()
