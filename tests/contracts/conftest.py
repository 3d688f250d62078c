"""Fixtures for FlashArb on the fork: the deployed contract, its roles, the replica's venues."""

from __future__ import annotations

from typing import Any

import pytest

from .venues import Venues, erc20


@pytest.fixture(scope="session")
def owner(accounts: Any) -> Any:
    return accounts[0]


@pytest.fixture(scope="session")
def executor(accounts: Any) -> Any:
    return accounts[1]


@pytest.fixture(scope="session")
def stranger(accounts: Any) -> Any:
    return accounts[2]


@pytest.fixture(scope="session")
def trader(accounts: Any) -> Any:
    """A market participant who moves prices with big swaps."""
    return accounts[3]


@pytest.fixture(scope="session")
def factories(w3: Any, book: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """FlashArb's v2Factories and v3Factories for this chain (init code hashes proven on-chain)."""
    from bot.execution.deploy import pool_factories

    return pool_factories(w3, book)


@pytest.fixture
def flasharb(project: Any, book: Any, owner: Any, executor: Any, factories: Any, chain: Any) -> Any:
    from bot.execution.deploy import algebra_deployer, curve_pools

    v2, v3 = factories
    algebra = algebra_deployer(chain.provider.web3, book)
    contract = owner.deploy(
        project.FlashArb, book.aave_v3.pool, book.balancer_v2.vault, owner, v2, v3, algebra
    )
    contract.setExecutor(executor, True, sender=owner)
    for pool in curve_pools(chain, book):
        contract.setCurvePool(pool, True, sender=owner)
    return contract


@pytest.fixture
def venues(book: Any, replica: Any, fund: Any) -> Venues:
    return Venues(book=book, manifest=replica.manifest, fund=fund)


@pytest.fixture
def assert_clean(venues: Venues) -> Any:
    """assert_clean(flasharb, spenders, *symbols): no balance of any token, no allowance left."""

    def check(flasharb: Any, spenders: list[str], *symbols: str) -> None:
        for symbol in symbols:
            token = erc20(venues.token(symbol))
            assert token.balanceOf(flasharb) == 0, f"FlashArb holds {symbol}"
            for spender in spenders:
                assert token.allowance(flasharb, spender) == 0, f"allowance of {symbol} to {spender} left"

    return check
