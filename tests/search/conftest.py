"""Fixtures of the search's fork tests: the replica's pools, discovered on the fork."""

from __future__ import annotations

from typing import Any

import pytest

from bot.market import Multicall, PoolSet, discover


@pytest.fixture
def pools(w3: Any, book: Any, replica: Any) -> PoolSet:
    manifest = replica.manifest
    return discover(
        Multicall(w3, book.multicall3.address),
        book,
        list(manifest.tokens),
        balancer_pool_ids=[p.pool_id for p in manifest.balancer_pools],
        curve_pools=[p.address for p in manifest.curve_pools],
    )
