"""`--network` resolution (bot/runtime/network.py): what each value means, and the one message a
missing or unreachable RPC URL gets. The fork itself: plain `ape test` runs here, on Polygon."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from web3 import EthereumTesterProvider, Web3

from bot.errors import FlashArbError, NetworkError
from bot.execution.rpc import Rpc
from bot.ops.config import make_config
from bot.replica.anvil import free_port
from bot.runtime.assemble import assemble
from bot.runtime.network import (
    MAINNET,
    MAINNET_FORK,
    POLYGON_RPC_ENV,
    REPLICA,
    REPLICA_RPC_ENV,
    Target,
    connect,
    probe,
    redact,
    resolve,
)
from bot.runtime.preflight import identify


def test_plain_ape_test_runs_on_the_polygon_fork(chain: Any) -> None:
    # make test runs `ape test` with no --network: tests/conftest.py must have chosen the fork
    assert chain.provider.network.ecosystem.name == "polygon"
    assert chain.provider.network.name == "mainnet-fork"
    assert chain.chain_id == 137


@pytest.mark.parametrize("given", ["polygon", "polygon:mainnet", "polygon:mainnet:node", "POLYGON"])
def test_polygon_means_mainnet_and_needs_its_rpc(given: str) -> None:
    with pytest.raises(NetworkError) as caught:
        resolve(given, env={})
    message = str(caught.value)
    assert f"export {POLYGON_RPC_ENV}=" in message
    assert "is real Polygon" in message and "ape run demo" in message
    target = resolve(given, env={POLYGON_RPC_ENV: "https://rpc.example/key-123"})
    assert target.choice == MAINNET and target.uri == "https://rpc.example/key-123"
    assert "key-123" not in target.label  # an API key in the URL never reaches a message


def test_fork_of_polygon_needs_the_same_variable() -> None:
    with pytest.raises(NetworkError, match=POLYGON_RPC_ENV):
        resolve("polygon:mainnet-fork", env={})
    target = resolve("polygon:mainnet-fork", env={POLYGON_RPC_ENV: "https://rpc.example"})
    assert target.choice == MAINNET_FORK and target.uri is None  # ape's config expands the variable


@pytest.mark.parametrize("given", ["polygon:local", "polygon:local:test", "ethereum", "polygon:amoy"])
def test_other_chains_are_refused_with_the_choices(given: str) -> None:
    with pytest.raises(NetworkError) as caught:
        resolve(given, env={POLYGON_RPC_ENV: "https://rpc.example"})
    assert f"--network {given}" in str(caught.value)
    assert "--network polygon " in str(caught.value) and "polygon:replica" in str(caught.value)


def test_bare_uses_a_served_replica_else_says_how_to_start() -> None:
    served = __import__("os").environ[POLYGON_RPC_ENV]  # the session's replica (tests/conftest.py)
    assert probe(served) == 137
    target = resolve(None, env={REPLICA_RPC_ENV: served})
    assert target.choice == REPLICA and target.uri == served and target.is_replica

    dead = f"http://127.0.0.1:{free_port()}"
    assert probe(dead) is None
    with pytest.raises(NetworkError) as caught:
        resolve(None, env={REPLICA_RPC_ENV: dead})
    message = str(caught.value)
    for command in ("ape run demo", "ape run replica", "ape run bot", f"export {POLYGON_RPC_ENV}="):
        assert command in message
    with pytest.raises(NetworkError, match="ape run replica"):
        resolve("polygon:replica", env={REPLICA_RPC_ENV: dead})


def test_replica_network_defaults_to_the_standard_port_when_unset() -> None:
    seen: list[str] = []

    def answer_137(url: str) -> int:
        seen.append(url)
        return 137

    assert resolve("polygon:replica", env={}, probe_url=answer_137).uri == "http://127.0.0.1:8545"
    assert seen == ["http://127.0.0.1:8545"]


def test_redact_keeps_scheme_host_and_port_only() -> None:
    assert (
        redact("https://user:secret@polygon.example:8443/v2/abcdef?key=1")
        == "https://polygon.example:8443/..."
    )
    assert redact("http://127.0.0.1:8545") == "http://127.0.0.1:8545"


def test_a_chain_that_answers_chain_id_as_an_integer() -> None:
    # eth-tester (ape's in-memory chain) answers eth_chainId with an int, not a hex string
    w3 = Web3(EthereumTesterProvider())
    raw = w3.provider.make_request("eth_chainId", [])["result"]  # type: ignore[arg-type]
    assert isinstance(raw, int)
    assert identify(Rpc(w3)).chain_id == raw
    config = make_config({"network": "polygon:mainnet:node", "dry_run": True})
    with pytest.raises(FlashArbError) as caught:  # a clear error, never TypeError from int(..., 16)
        assemble(config, w3, flasharb_abi=[])
    assert str(raw) in str(caught.value)


class _FlakyNode:
    """Connections to a node that refuses the first `failures` attempts (a faulty transport: the
    real node cannot be made to refuse on cue)."""

    def __init__(self, failures: int, chain_id: int = 137) -> None:
        self.failures = failures
        self.chain_id = chain_id
        self.opened = 0
        self.closed = 0

    def __call__(self, target: Target) -> Any:
        from contextlib import contextmanager

        from ape.exceptions import ProviderNotConnectedError

        self.opened += 1

        @contextmanager
        def provider() -> Iterator[Any]:
            if self.opened <= self.failures:
                raise ProviderNotConnectedError()
            try:
                yield self
            finally:
                self.closed += 1

        return provider()


def test_start_up_retries_a_refused_connection_then_names_the_node() -> None:
    target = Target(REPLICA, "http://127.0.0.1:1", "the local replica at http://127.0.0.1:1")
    waits: list[float] = []
    node = _FlakyNode(failures=2)
    with connect(target, open_provider=node, sleep=waits.append) as provider:
        assert provider is node
    assert (node.opened, node.closed) == (3, 1)
    assert waits == [0.5, 1.0]  # backoff doubles

    dead = _FlakyNode(failures=99)
    with pytest.raises(NetworkError, match=r"cannot connect to the local replica .* \(tried 4 times\)"):
        with connect(target, open_provider=dead, sleep=waits.append):
            pass
    assert dead.opened == 4

    other_chain = _FlakyNode(failures=0, chain_id=80002)
    with pytest.raises(NetworkError, match="chain id 80002, not Polygon"):
        with connect(target, open_provider=other_chain, sleep=waits.append):
            pass
    assert (other_chain.opened, other_chain.closed) == (1, 1)  # refused at once, and disconnected
