"""At build time every venue quotes the price table: no venue is off by more than its own fee."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from bot.replica.prices import aave_oracle_answer, raw_price

from .helpers import ERC20_ABI

CURVE_ABI = [
    {
        "type": "function",
        "name": "get_dy",
        "stateMutability": "view",
        "inputs": [
            {"name": "i", "type": "int128"},
            {"name": "j", "type": "int128"},
            {"name": "dx", "type": "uint256"},
        ],
        "outputs": [{"name": "", "type": "uint256"}],
    },
]


def within(actual: Fraction, expected: Fraction, band: Fraction) -> bool:
    return abs(actual / expected - 1) <= band


def table_price(book: Any, base: str, quote: str) -> Fraction:
    """Raw units of `quote` per raw unit of `base` at table prices."""
    b, q = book.token_by_address(base), book.token_by_address(quote)
    return raw_price(b.symbol, b.decimals, q.symbol, q.decimals)


def test_v2_pairs_quote_the_table(book: Any, replica: Any, artifact_contract: Any) -> None:
    assert len(replica.manifest.v2_pairs) >= 20
    for pair in replica.manifest.v2_pairs:
        reserve0, reserve1, _ = artifact_contract("UniswapV2Pair", pair.address).getReserves()
        band = Fraction(book.dex(pair.dex).fee_bps, 10_000)
        assert within(Fraction(reserve1, reserve0), table_price(book, pair.token0, pair.token1), band), pair


def test_v3_pools_quote_the_table(book: Any, replica: Any, artifact_contract: Any) -> None:
    assert len(replica.manifest.v3_pools) >= 10
    for pool in replica.manifest.v3_pools:
        sqrt_price = artifact_contract("UniswapV3Pool", pool.address).slot0()[0]
        mid = Fraction(sqrt_price * sqrt_price, 2**192)
        assert within(mid, table_price(book, pool.token0, pool.token1), Fraction(pool.fee, 10**6)), pool


def test_balancer_pools_quote_the_table(book: Any, replica: Any, artifact_contract: Any) -> None:
    vault = artifact_contract("Vault", book.balancer_v2.vault)
    for pool in replica.manifest.balancer_pools:
        _, balances, _ = vault.getPoolTokens(pool.pool_id)
        band = Fraction(pool.swap_fee, 10**18)
        for i in range(len(pool.tokens)):
            for j in range(len(pool.tokens)):
                if i == j:
                    continue
                # Spot price of token j in token i: (B_i / w_i) / (B_j / w_j).
                spot = Fraction(balances[i] * pool.weights[j], pool.weights[i] * balances[j])
                assert within(spot, table_price(book, pool.tokens[j], pool.tokens[i]), band), pool


def test_curve_pool_quotes_the_table(book: Any, replica: Any) -> None:
    from ape import Contract

    for pool in replica.manifest.curve_pools:
        curve = Contract(pool.address, abi=CURVE_ABI)
        band = Fraction(pool.fee, 10**10) + Fraction(1, 10_000)  # the fee plus a little price impact
        for i, coin_i in enumerate(pool.coins):
            for j, coin_j in enumerate(pool.coins):
                if i == j:
                    continue
                decimals = Contract(coin_i, abi=ERC20_ABI).decimals()
                dx = 1_000 * 10**decimals
                dy = curve.get_dy(i, j, dx)
                assert within(Fraction(dy, dx), table_price(book, coin_i, coin_j), band), (pool.name, i, j)


def test_aave_oracle_quotes_the_table(book: Any, replica: Any, artifact_contract: Any) -> None:
    oracle = artifact_contract("AaveOracle", book.aave_v3.oracle)
    assert oracle.BASE_CURRENCY_UNIT() == 10**8
    for reserve in replica.manifest.aave_reserves:
        assert oracle.getAssetPrice(reserve.asset) == aave_oracle_answer(reserve.symbol)
