"""Fixtures for the replica tests: a funded account and contracts by npm artifact name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ape import Contract

from bot.replica.artifacts import npm_artifact

from .helpers import ERC20_ABI


@pytest.fixture(scope="session")
def trader(accounts: Any) -> Any:
    return accounts[5]


@pytest.fixture(scope="session")
def artifact_contract() -> Callable[[str, str], Any]:
    """artifact_contract(name, address): the contract at `address` with the ABI of npm artifact `name`."""

    def make(name: str, address: str) -> Any:
        return Contract(address, abi=npm_artifact(name).abi)

    return make


@pytest.fixture(scope="session")
def erc20() -> Callable[[str], Any]:
    def make(address: str) -> Any:
        return Contract(address, abi=ERC20_ABI)

    return make
