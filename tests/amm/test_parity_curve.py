"""CurveStableSwapReplica on the fork: its get_dy equals bot.amm.curve_stableswap.get_dy to the wei
(the replica's pool, plus 2- and 4-coin pools with odd decimals and imbalanced balances deployed
here), exchange pays exactly get_dy and moves the balances as Curve does, and bad calls revert with
the contract's custom errors."""

from typing import Any

import ape
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.amm.curve_stableswap import CurvePoolState, get_dy
from bot.errors import AmmError
from bot.replica.deal import deal

from .chain_reads import ERC20, MAX_UINT, Reverted, curve_get_dy, curve_state

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def lp(accounts: Any) -> Any:
    return accounts[6]


def deploy_pool(
    project: Any, w3: Any, book: Any, lp: Any, symbols: list[str], a: int, fee: int, usd: list[int]
) -> Any:
    coins = [book.token(s).address for s in symbols]
    pool = lp.deploy(project.CurveStableSwapReplica, coins, a, fee)
    amounts = []
    for symbol, coin, dollars in zip(symbols, coins, usd, strict=True):
        deal(w3, coin, lp.address, 10**40)
        ape.Contract(coin, abi=ERC20).approve(pool.address, MAX_UINT, sender=lp)
        amounts.append(dollars * 10 ** book.token(symbol).decimals)
    pool.add_liquidity(amounts, 0, sender=lp)
    return pool


@pytest.fixture(scope="module")
def pools(project: Any, w3: Any, book: Any, replica: Any, lp: Any) -> list[str]:
    """The replica's USDC.e/USDT/DAI pool, a 2-coin USDC/WBTC pool (6 and 8 decimals) and a 4-coin
    pool with 6, 6, 18 and 8 decimals, both seeded unevenly."""
    two = deploy_pool(project, w3, book, lp, ["USDC", "WBTC"], 60, 4_000_000, [3_000_000, 1_000_000])
    four = deploy_pool(
        project,
        w3,
        book,
        lp,
        ["USDC.e", "USDT", "DAI", "WBTC"],
        1500,
        500_000,
        [2_000_000, 500_000, 7_000_000, 90_000],
    )
    return [replica.manifest.curve_pools[0].address, two.address, four.address]


@pytest.fixture(scope="module")
def states(w3: Any, pools: list[str]) -> list[CurvePoolState]:
    return [curve_state(w3, p) for p in pools]


@SETTINGS
@given(data=st.data())
def test_get_dy_equals_the_pool(w3: Any, states: list, data: st.DataObject) -> None:
    state = data.draw(st.sampled_from(states), label="pool")
    i, j = data.draw(st.permutations(range(len(state.coins))), label="order")[:2]
    # from 1 unit up to 3x the pool's balance of the coin sold
    dx = max(
        1,
        state.balances[i]
        * data.draw(st.integers(1, 3 * 10**9))
        // 10**9
        // 10 ** data.draw(st.integers(0, 12)),
    )
    try:
        expected = curve_get_dy(w3, state.address, i, j, dx)
    except Reverted:
        with pytest.raises(AmmError):
            get_dy(state, i, j, dx)
        return
    assert get_dy(state, i, j, dx) == expected


def test_the_replica_pool_reads_as_built(states: list, replica: Any) -> None:
    built = replica.manifest.curve_pools[0]
    state = states[0]
    assert [c.lower() for c in state.coins] == [c.lower() for c in built.coins]
    assert state.amp == built.a * 100 and state.fee == built.fee
    assert all(b > 0 for b in state.balances)


def test_exchange_pays_get_dy_and_moves_balances(w3: Any, pools: list, lp: Any, states: list) -> None:
    pool = ape.Contract(pools[2], abi=ape.project.CurveStableSwapReplica.contract_type.abi)
    state = states[2]
    for i, j, dx in [(0, 2, 10**11), (2, 3, 3 * 10**23), (3, 1, 10**7), (1, 0, 10**6), (2, 0, 10**24)]:
        expected = get_dy(state, i, j, dx)
        coin_out = ape.Contract(state.coins[j], abi=ERC20)
        before = coin_out.balanceOf(lp)
        receipt = pool.exchange(i, j, dx, expected, sender=lp)
        assert coin_out.balanceOf(lp) - before == expected == receipt.return_value
        # coin i's balance grows by dx, coin j's drops by what was paid: the fee stays in the pool
        after = curve_state(w3, pool.address)
        moved = [b - a for a, b in zip(state.balances, after.balances, strict=True)]
        assert moved == [dx if k == i else -expected if k == j else 0 for k in range(len(moved))]
        # and the next quote, from the new state, still matches the pool
        assert pool.get_dy(j, i, 10**6) == get_dy(after, j, i, 10**6)
        state = after
    with ape.reverts(pool.ExchangeBelowMinimum):
        pool.exchange(0, 1, 10**6, MAX_UINT, sender=lp)


def test_bad_calls_revert_with_named_errors(project: Any, book: Any, lp: Any, pools: list) -> None:
    pool = ape.Contract(pools[1], abi=project.CurveStableSwapReplica.contract_type.abi)
    with ape.reverts(pool.InvalidCoinIndex):
        pool.get_dy(0, 2, 10**6)
    with ape.reverts(pool.InvalidCoinIndex):
        pool.get_dy(-1, 1, 10**6)
    with ape.reverts(pool.SameCoin):
        pool.get_dy(1, 1, 10**6)
    with ape.reverts(pool.InvalidCoinIndex):
        pool.coins(2)
    with ape.reverts(pool.AmountsLengthMismatch):
        pool.add_liquidity([1], 0, sender=lp)
    with ape.reverts(pool.MintBelowMinimum):
        pool.add_liquidity([10**6, 0], MAX_UINT, sender=lp)
    usdc, usdt = book.token("USDC").address, book.token("USDT").address
    contract = project.CurveStableSwapReplica
    with ape.reverts(contract.InvalidCoinCount):
        lp.deploy(contract, [usdc], 100, 0)
    with ape.reverts(contract.DuplicateCoin):
        lp.deploy(contract, [usdc, usdc], 100, 0)
    with ape.reverts(contract.InvalidA):
        lp.deploy(contract, [usdc, usdt], 0, 0)
    with ape.reverts(contract.InvalidFee):
        lp.deploy(contract, [usdc, usdt], 100, 5 * 10**9)
    with ape.reverts(contract.ZeroCoin):
        lp.deploy(contract, [usdc, "0x0000000000000000000000000000000000000000"], 100, 0)
    empty = lp.deploy(contract, [usdc, usdt], 100, 0)
    assert empty.get_virtual_price() == 0
    with ape.reverts(contract.InitialDepositMissingCoin):
        empty.add_liquidity([10**6, 0], 0, sender=lp)
    with ape.reverts(contract.ZeroBalance):
        empty.get_dy(0, 1, 10**6)


def test_views(pools: list, project: Any, states: list) -> None:
    pool = ape.Contract(pools[1], abi=project.CurveStableSwapReplica.contract_type.abi)
    assert pool.A() == 60 and pool.A_precise() == 6000 and pool.fee() == 4_000_000 and pool.admin_fee() == 0
    assert [pool.balances(k) for k in range(2)] == list(states[1].balances)
    # a pool seeded at 4M "dollars" of normalised units holds a virtual price near 1
    assert 0.99e18 < pool.get_virtual_price() <= 1.0e18
