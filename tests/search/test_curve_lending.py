"""A Curve lending pool in the search: legs between its underlying coins as well as its wrapped coins
(never across the two), quotes through bot.amm.curve_lending, and the balances after a trade as the
pool moves them (dx in; dy plus the admin's share of the dynamic fee out)."""

from __future__ import annotations

from bot.amm import curve_lending
from bot.amm.curve_stableswap import CurvePoolState
from bot.market.snapshots import CurvePoolSnapshot
from bot.route.model import HopKind
from bot.search.apply import after_hop
from bot.search.graph import legs_of
from bot.search.opportunity import HopQuote
from bot.search.quote import quoter

POOL = "0x445FE580eF8d70FF569aB36e80c647af338db351"
WRAPPED = ("0x" + "a1" * 20, "0x" + "a2" * 20, "0x" + "a3" * 20)
UNDERLYING = ("0x" + "b1" * 20, "0x" + "b2" * 20, "0x" + "b3" * 20)
ADMIN_FEE = 5 * 10**9


def snapshot() -> CurvePoolSnapshot:
    state = CurvePoolState(
        address=POOL,
        coins=WRAPPED,
        balances=(9_000_000 * 10**18, 3_000_000 * 10**6, 5_000_000 * 10**6),
        precision_multipliers=(1, 10**12, 10**12),
        amp=20_000,
        fee=4_000_000,
        lending=True,
        offpeg_fee_multiplier=2 * 10**10,
        underlying_coins=UNDERLYING,
    )
    return CurvePoolSnapshot(state, block=7, admin_fee=ADMIN_FEE)


def test_legs_join_underlying_coins_and_wrapped_coins_but_never_mix_them() -> None:
    legs = legs_of(snapshot())
    assert len(legs) == 12
    for leg in legs:
        group = UNDERLYING if leg.underlying else WRAPPED
        assert (leg.token_in, leg.token_out) == (group[leg.index_in], group[leg.index_out])
        assert leg.kind is HopKind.CURVE and leg.pool == POOL


def test_quote_and_after_trade_follow_the_lending_pool() -> None:
    snap = snapshot()
    leg = next(g for g in legs_of(snap) if g.underlying and (g.index_in, g.index_out) == (0, 1))
    dx = 2_000_000 * 10**18
    out = quoter(snap, leg)(dx)
    assert out == curve_lending.exchange_dy(snap.state, 0, 1, dx)
    # off peg the fee is above the base fee, so the plain formula would pay more
    assert curve_lending.fee_now(snap.state, 0, 1) > snap.state.fee
    hop = HopQuote(
        HopKind.CURVE, POOL, UNDERLYING[0], UNDERLYING[1], dx, out, index_in=0, index_out=1, underlying=True
    )
    after = after_hop(snap, hop)
    assert isinstance(after, CurvePoolSnapshot)
    admin = curve_lending.admin_fee_out(snap.state, 0, 1, dx, ADMIN_FEE)
    assert admin > 0
    assert after.state.balances == (
        snap.state.balances[0] + dx,
        snap.state.balances[1] - out - admin,
        snap.state.balances[2],
    )
    assert after.state.lending and after.state.offpeg_fee_multiplier == 2 * 10**10
