"""QuickSwap V3 (Algebra V1) on the replica: canonical addresses, CREATE2 pools at table prices, and a
router swap that pays exactly what the quoter says."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from bot.replica.algebra import POOLS, pool_init_code_hash
from bot.replica.prices import raw_price
from bot.replica.uniswap_v3 import sqrt_price_x96

from .helpers import DEADLINE


def _create2(deployer: str, token0: str, token1: str, init_code_hash: str) -> str:
    salt = keccak(encode(["address", "address"], [token0, token1]))
    raw = keccak(b"\xff" + bytes.fromhex(deployer[2:]) + salt + bytes.fromhex(init_code_hash[2:]))
    return str(to_checksum_address(raw[12:]))


def test_book_hash_is_the_packaged_pool_creation_code(book: Any) -> None:
    assert book.quickswap_v3.replica_pool_init_code_hash == pool_init_code_hash()
    assert book.quickswap_v3.pool_init_code_hash != book.quickswap_v3.replica_pool_init_code_hash


def test_pools_are_the_deployers_create2_addresses_at_table_prices(
    book: Any, replica: Any, artifact_contract: Any
) -> None:
    algebra = book.quickswap_v3
    factory = artifact_contract("AlgebraFactory", algebra.factory)
    assert len(replica.manifest.algebra_pools) == len(POOLS)
    base_fee = factory.baseFeeConfiguration()[-1]
    for entry in replica.manifest.algebra_pools:
        expected = _create2(
            algebra.pool_deployer, entry.token0, entry.token1, algebra.replica_pool_init_code_hash
        )
        assert entry.address == expected
        assert factory.poolByPair(entry.token1, entry.token0) == expected
        pool = artifact_contract("AlgebraPool", entry.address)
        token0, token1 = book.token_by_address(entry.token0), book.token_by_address(entry.token1)
        price = raw_price(token0.symbol, token0.decimals, token1.symbol, token1.decimals)
        state = pool.globalState()
        assert state[0] == sqrt_price_x96(price)
        assert state[2] == base_fee  # no swap yet: the fee is the configuration's base fee
        assert pool.liquidity() > 0
        assert pool.dataStorageOperator() == entry.data_storage_operator
        assert pool.factory() == algebra.factory


def test_periphery_points_at_the_canonical_factory_and_deployer(book: Any, artifact_contract: Any) -> None:
    algebra = book.quickswap_v3
    for name, address in (("AlgebraQuoter", algebra.quoter), ("AlgebraSwapRouter", algebra.swap_router)):
        contract = artifact_contract(name, address)
        assert contract.factory() == algebra.factory
        assert contract.poolDeployer() == algebra.pool_deployer
        assert contract.WNativeToken() == book.tokens["WMATIC"].address


@pytest.mark.parametrize(
    ("token_in", "token_out", "amount_in"),
    [("WETH", "USDC", 5 * 10**18), ("USDC", "WMATIC", 20_000 * 10**6), ("USDT", "USDC", 50_000 * 10**6)],
)
def test_router_swap_equals_quoter(
    token_in: str,
    token_out: str,
    amount_in: int,
    book: Any,
    trader: Any,
    fund: Any,
    erc20: Any,
    artifact_contract: Any,
) -> None:
    algebra = book.quickswap_v3
    tin, tout = book.tokens[token_in].address, book.tokens[token_out].address
    quoter = artifact_contract("AlgebraQuoter", algebra.quoter)
    router = artifact_contract("AlgebraSwapRouter", algebra.swap_router)
    quoted = quoter.quoteExactInputSingle.call(tin, tout, amount_in, 0)[0]
    fund(token_in, trader, amount_in)
    erc20(tin).approve(router.address, amount_in, sender=trader)
    before = erc20(tout).balanceOf(trader)
    router.exactInputSingle((tin, tout, trader.address, DEADLINE, amount_in, 0, 0), sender=trader)
    assert erc20(tout).balanceOf(trader) - before == quoted
    assert quoted > 0
