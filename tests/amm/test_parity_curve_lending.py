"""Curve's aave pool on the fork (CurveAavePoolReplica at the real pool's address): bot.amm.curve_lending
equals the pool's get_dy and get_dy_underlying to the wei, and the amount `exchange` and
`exchange_underlying` actually pay, for random amounts over all six ordered pairs, in the balanced
state the replica is built in and in states pushed far off peg (where the dynamic fee rises towards
twice the base fee). Each executed trade also moves the balances as predicted (dx in; dy plus the
admin's share of the fee out)."""

from __future__ import annotations

import logging
import random
from dataclasses import replace
from typing import Any

import ape
import pytest
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector

from bot.amm import curve_lending
from bot.amm.curve_stableswap import FEE_DENOMINATOR, CurvePoolState, get_dy
from bot.errors import AmmError

from .chain_reads import ERC20, MAX_UINT, Reverted, call

SUPPLY = {
    "type": "function",
    "name": "supply",
    "stateMutability": "nonpayable",
    "inputs": [
        {"name": "asset", "type": "address"},
        {"name": "amount", "type": "uint256"},
        {"name": "onBehalfOf", "type": "address"},
        {"name": "referralCode", "type": "uint16"},
    ],
    "outputs": [],
}
logger = logging.getLogger(__name__)
PAIRS = [(i, j) for i in range(3) for j in range(3) if i != j]


def lending_state(w3: Any, pool: str) -> CurvePoolState:
    """The pool as bot.amm reads it: coins, underlying coins, balances, A, fee and the multiplier."""
    coins = tuple(call(w3, pool, "coins(uint256)", (k,), ("address",)) for k in range(3))
    underlying = tuple(call(w3, pool, "underlying_coins(uint256)", (k,), ("address",)) for k in range(3))
    decimals = [call(w3, coin, "decimals()", returns=("uint8",)) for coin in underlying]
    return CurvePoolState(
        address=pool,
        coins=coins,
        balances=tuple(call(w3, pool, "balances(uint256)", (k,)) for k in range(3)),
        precision_multipliers=tuple(10 ** (18 - d) for d in decimals),
        amp=call(w3, pool, "A_precise()"),
        fee=call(w3, pool, "fee()"),
        lending=True,
        offpeg_fee_multiplier=call(w3, pool, "offpeg_fee_multiplier()"),
        underlying_coins=underlying,
    )


@pytest.fixture(scope="module")
def built(replica: Any) -> Any:
    if not replica.manifest.curve_lending_pools:
        pytest.skip("the replica carries no Curve lending pool")
    return replica.manifest.curve_lending_pools[0]


@pytest.fixture(scope="module")
def pool(project: Any, built: Any) -> Any:
    return project.CurveAavePoolReplica.at(built.address)


@pytest.fixture(scope="module")
def lp(accounts: Any, w3: Any, pool: Any, built: Any, book: Any) -> Any:
    """An account holding plenty of every underlying coin and aToken, both approved to the pool."""
    from bot.replica.deal import deal

    account = accounts[7]
    aave = ape.Contract(book.aave_v3.pool, abi=[SUPPLY])
    for coin, a_token in zip(built.underlying_coins, built.coins, strict=True):
        units = 10 ** call(w3, coin, "decimals()", returns=("uint8",))
        deal(w3, coin, account.address, 10**12 * units)
        token = ape.Contract(coin, abi=ERC20)
        token.approve(aave.address, MAX_UINT, sender=account)
        token.approve(pool.address, MAX_UINT, sender=account)
        aave.supply(coin, 10**9 * units, account, 0, sender=account)
        ape.Contract(a_token, abi=ERC20).approve(pool.address, MAX_UINT, sender=account)
    return account


def random_dx(rng: random.Random, state: CurvePoolState, i: int) -> int:
    """1 unit up to 3x the pool's balance of coin i, spread over 15 orders of magnitude."""
    return max(1, state.balances[i] * rng.randint(1, 3 * 10**9) // 10**9 // 10 ** rng.randint(0, 14))


def check_views(w3: Any, state: CurvePoolState, rng: random.Random, per_pair: int) -> tuple[int, int, int]:
    """get_dy and get_dy_underlying on the chain vs get_dy_view, both refusing alike included.
    Returns (exact matches, refusals matched, cases where exchange pays other than the view)."""
    matches = refusals = view_differs = 0
    for i, j in PAIRS:
        for _ in range(per_pair):
            dx = random_dx(rng, state, i)
            for name in ("get_dy", "get_dy_underlying"):
                try:
                    on_chain = call(w3, state.address, f"{name}(int128,int128,uint256)", (i, j, dx))
                except Reverted:
                    with pytest.raises(AmmError):
                        curve_lending.get_dy_view(state, i, j, dx)
                    refusals += 1
                    continue
                assert curve_lending.get_dy_view(state, i, j, dx) == on_chain, (name, i, j, dx, state)
                matches += 1
                if name == "get_dy" and get_dy(state, i, j, dx) != on_chain:
                    view_differs += 1
    return matches, refusals, view_differs


def push(pool: Any, lp: Any, state: CurvePoolState, i: int, j: int, percent_of_j: int) -> None:
    """Sell coin i worth about `percent_of_j` % of coin j's balance."""
    mul = state.precision_multipliers
    dx = state.balances[j] * mul[j] // mul[i] * percent_of_j // 100
    pool.exchange_underlying(i, j, dx, 0, sender=lp)


def test_quotes_match_in_balanced_and_off_peg_states(w3: Any, pool: Any, lp: Any, chain: Any) -> None:
    rng = random.Random(20261202)
    total = refused = differs = 0
    fees = []
    snapshot = chain.snapshot()
    try:
        # balanced (as built), then ever further off peg
        for move in [None, (0, 1, 40), (0, 2, 60), (1, 2, 50), (2, 0, 95)]:
            if move is not None:
                push(pool, lp, lending_state(w3, pool.address), *move)
            state = lending_state(w3, pool.address)
            fees.append(max(curve_lending.fee_now(state, i, j) for i, j in PAIRS))
            for i, j in PAIRS:
                assert curve_lending.fee_now(state, i, j) == pool.dynamic_fee(i, j)
            m, r, d = check_views(w3, state, rng, per_pair=25)
            total, refused, differs = total + m, refused + r, differs + d
    finally:
        chain.restore(snapshot)
    logger.info(
        "Curve aave pool views: %d exact matches, %d refusals matched, exchange pays other than get_dy "
        "in %d; highest fee per state %s",
        total,
        refused,
        differs,
        fees,
    )
    assert total >= 1_000
    # the states were really off peg: the fee rose well above the base fee in force at peg
    assert fees[0] < state.fee * 11 // 10 and max(fees) > state.fee * 15 // 10


@pytest.mark.parametrize("underlying", [False, True], ids=["exchange", "exchange_underlying"])
def test_executed_swaps_pay_exchange_dy_and_move_balances(
    w3: Any, pool: Any, lp: Any, built: Any, chain: Any, underlying: bool
) -> None:
    rng = random.Random(7 + underlying)
    admin_fee = pool.admin_fee()
    coins = built.underlying_coins if underlying else built.coins
    name = "exchange_underlying" if underlying else "exchange"
    selector = function_signature_to_4byte_selector(f"{name}(int128,int128,uint256,uint256)")
    exact = refused = 0
    snapshot = chain.snapshot()
    try:
        state = lending_state(w3, pool.address)
        for step in range(30):
            i, j = rng.choice(PAIRS)
            # every third trade a large one (up to a third of the pool): the walk goes far off peg
            dx = random_dx(rng, state, i) if step % 3 else state.balances[i] * rng.randint(1, 33) // 100
            try:
                expected = get_dy(state, i, j, dx)
            except AmmError:
                with pytest.raises(Reverted):
                    call(w3, pool.address, "get_dy(int128,int128,uint256)", (i, j, dx))
                refused += 1
                continue
            if expected == 0 and underlying:  # Aave refuses to withdraw nothing: so does the exchange
                with pytest.raises(Reverted):
                    call(
                        w3,
                        pool.address,
                        f"{name}(int128,int128,uint256,uint256)",
                        (i, j, dx, 0),
                        (),
                        lp.address,
                    )
                refused += 1
                continue
            admin = curve_lending.admin_fee_out(state, i, j, dx, admin_fee)
            before = call(w3, coins[j], "balanceOf(address)", (lp.address,))
            # plain transactions (no call trace): the output is measured as the balance change
            data = encode(["int128", "int128", "uint256", "uint256"], [i, j, dx, expected])
            tx = w3.eth.send_transaction(
                {"from": lp.address, "to": pool.address, "data": "0x" + (selector + data).hex()}
            )
            assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1, (i, j, dx)
            paid = call(w3, coins[j], "balanceOf(address)", (lp.address,)) - before
            assert paid == expected, (i, j, dx)
            balances = tuple(call(w3, pool.address, "balances(uint256)", (k,)) for k in range(3))
            moved = [b - a for a, b in zip(state.balances, balances, strict=True)]
            assert moved == [dx if k == i else -(expected + admin) if k == j else 0 for k in range(3)]
            state = replace(state, balances=balances)
            exact += 1
    finally:
        chain.restore(snapshot)
    logger.info(
        "Curve aave pool %s: %d executed swaps paid exactly the prediction, %d refusals", name, exact, refused
    )
    assert exact >= 22


def test_the_pool_reads_as_built(w3: Any, pool: Any, built: Any, book: Any) -> None:
    state = lending_state(w3, pool.address)
    entry = book.curve.pools[0]
    assert pool.address == entry.address == "0x445FE580eF8d70FF569aB36e80c647af338db351"
    assert [c.lower() for c in state.underlying_coins] == [c.lower() for c in entry.underlying_coins]
    assert [c.lower() for c in state.coins] == [c.lower() for c in built.coins]
    assert state.amp == 200 * 100 and state.fee == 4_000_000
    assert state.offpeg_fee_multiplier == 2 * FEE_DENOMINATOR and pool.admin_fee() == 5 * 10**9
    # the wrapped coins are the replica's Aave V3 aTokens of the underlying coins
    for coin, a_token in zip(state.underlying_coins, state.coins, strict=True):
        assert call(w3, a_token, "UNDERLYING_ASSET_ADDRESS()", returns=("address",)).lower() == coin.lower()
    assert all(b > 0 for b in state.balances)


def test_bad_calls_revert_with_named_errors(pool: Any, lp: Any, project: Any, built: Any, book: Any) -> None:
    with ape.reverts(pool.InvalidCoinIndex):
        pool.get_dy(0, 3, 10**6)
    with ape.reverts(pool.SameCoin):
        pool.get_dy_underlying(1, 1, 10**6)
    with ape.reverts(pool.ExchangeBelowMinimum):
        pool.exchange_underlying(0, 1, 10**18, MAX_UINT, sender=lp)
    with ape.reverts(pool.NotOwner):
        pool.withdraw_admin_fees(sender=lp)
    contract = project.CurveAavePoolReplica
    coins, underlying = list(built.coins), list(built.underlying_coins)
    aave = book.aave_v3.pool
    with ape.reverts(contract.NotTheUnderlying):
        lp.deploy(contract, coins, [underlying[1], underlying[0], underlying[2]], aave, 200, 0, 0, 0)
    with ape.reverts(contract.InvalidOffpegFeeMultiplier):
        lp.deploy(contract, coins, underlying, aave, 200, 4_000_000, 0, 10**14)
    with ape.reverts(contract.InvalidFee):
        lp.deploy(contract, coins, underlying, aave, 200, 6 * 10**9, 0, 0)
    with ape.reverts(contract.ZeroLendingPool):
        lp.deploy(contract, coins, underlying, "0x" + "00" * 20, 200, 0, 0, 0)


def test_dynamic_fee_formula() -> None:
    fee, m = 4_000_000, 2 * FEE_DENOMINATOR
    # at peg the base fee; fully one-sided the multiplier times it; flat when the multiplier is <= 1
    assert curve_lending.dynamic_fee(10**24, 10**24, fee, m) == fee
    assert curve_lending.dynamic_fee(10**24, 0, fee, m) == 2 * fee
    assert curve_lending.dynamic_fee(3 * 10**24, 10**24, fee, m) == m * fee // (
        (m - FEE_DENOMINATOR) * 4 * 3 // 16 + FEE_DENOMINATOR
    )
    assert curve_lending.dynamic_fee(5, 10**30, fee, FEE_DENOMINATOR) == fee
    with pytest.raises(AmmError):
        curve_lending.dynamic_fee(0, 0, fee, m)
