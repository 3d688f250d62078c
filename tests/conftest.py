"""The fork harness: every test runs on `polygon:mainnet-fork:foundry`, with or without a flag.

Plain `ape test` (and `ape test <path>`) would use ape's default network, the local test chain of
chain id 1337, where nothing of Polygon exists. So unless `--network` is given, this file selects the
fork before ape's plugin reads the option, and gives fork runs their own ape data folder
(`.ape-data/replica` or `.ape-data/polygon`) so cached chain data of the replica and of real Polygon,
both chain 137, never mix.

The fork's upstream is the node named by `node.polygon.mainnet.uri` in ape-config.yaml, which reads
the environment variable FLASHARB_POLYGON_RPC. When it is set (a real Polygon RPC URL), real Polygon
is forked. Otherwise this file builds (or loads from cache) the local Polygon replica, serves it with
anvil on a free port for the length of the session, points the variable at it, and stops it at the
end. `pytest_configure` runs before ape reads the network config, so the URL is in place in time.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from bot.addressbook import AddressBook
    from bot.replica import Replica, ReplicaNode

POLYGON_RPC_ENV = "FLASHARB_POLYGON_RPC"
FORK_NETWORK = "polygon:mainnet-fork:foundry"
PROJECT_ROOT = Path(__file__).resolve().parents[1]

logger = logging.getLogger("flasharb.tests")

_replica: Replica | None = None
_node: ReplicaNode | None = None
_timings_key = pytest.StashKey[tuple[float, float]]()


def pytest_configure(config: pytest.Config) -> None:
    global _replica, _node
    if not config.getoption("network", None):
        config.option.network = FORK_NETWORK
    if "APE_DATA_FOLDER" not in os.environ:
        from ape.utils.basemodel import ManagerAccessMixin

        upstream = "polygon" if os.environ.get(POLYGON_RPC_ENV) else "replica"
        ManagerAccessMixin.config_manager.DATA_FOLDER = PROJECT_ROOT / ".ape-data" / upstream
    if os.environ.get(POLYGON_RPC_ENV):
        return
    from bot.replica import ReplicaNode, ensure_replica

    started = time.perf_counter()
    _replica = ensure_replica()
    built = time.perf_counter()
    _node = ReplicaNode(_replica)
    _node.start()
    os.environ[POLYGON_RPC_ENV] = _node.url
    config.stash[_timings_key] = (built - started, time.perf_counter() - built)


def pytest_unconfigure(config: pytest.Config) -> None:
    global _node
    if _node is not None:
        _node.stop()
        _node = None


def pytest_report_header(config: pytest.Config) -> list[str]:
    network = f"network: {config.getoption('network')}"
    if _replica is None:
        return [network, "fork upstream: real Polygon (FLASHARB_POLYGON_RPC)"]
    timings = config.stash.get(_timings_key, None)
    lines = [network, f"fork upstream: Polygon replica at {os.environ.get(POLYGON_RPC_ENV)}"]
    if timings is not None:
        lines.append(f"replica ready in {timings[0]:.2f} s (build or cache), served in {timings[1]:.2f} s")
    return lines


@pytest.fixture(scope="session")
def on_replica() -> bool:
    """True when the fork's upstream is the local replica (not real Polygon)."""
    return _replica is not None


@pytest.fixture(scope="session")
def replica() -> Replica:
    """The replica this session forks; tests that need replica-only knowledge skip on real Polygon."""
    if _replica is None:
        pytest.skip("needs the local Polygon replica (the upstream is real Polygon)")
    return _replica


@pytest.fixture(scope="session")
def book() -> AddressBook:
    """Polygon's address book: the same addresses on the replica and on real Polygon."""
    from bot.addressbook import load

    return load(137)


@pytest.fixture(scope="session")
def w3(chain: Any) -> Any:
    """web3 connected to the fork."""
    return chain.provider.web3


@pytest.fixture
def fund(w3: Any, book: AddressBook) -> Iterator[Any]:
    """fund(token, account, amount): set an ERC20 balance on the fork (token: symbol or address)."""
    from bot.replica.deal import deal

    def _fund(token: str, account: Any, amount: int) -> None:
        address = token if token.startswith("0x") else book.token(token).address
        deal(w3, address, str(account), amount)

    yield _fund
