"""New blocks by a newHeads subscription, and polling when there is none: a local WebSocket server
plays the node."""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.server import Server, ServerConnection, serve

from bot.runtime.heads import Heads, ws_url_for


class Node:
    """eth_getBlockByNumber("latest") for polling, and a newHeads feed on a WebSocket."""

    def __init__(self) -> None:
        self.latest = 10
        self.requests: list[str] = []
        self.heads: queue.Queue[int] = queue.Queue()
        self.server: Server | None = None

    def request(self, method: str, params: list[Any]) -> Any:
        self.requests.append(method)
        assert method == "eth_getBlockByNumber"
        return {"number": hex(self.latest), "baseFeePerGas": hex(7)}

    def block(self, number: int | str = "latest") -> dict[str, Any]:
        return dict(self.request("eth_getBlockByNumber", [number, False]))

    def handler(self, connection: ServerConnection) -> None:
        request = json.loads(connection.recv())
        assert request["method"] == "eth_subscribe" and request["params"] == ["newHeads"]
        connection.send(json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": "0xfeed"}))
        while True:
            number = self.heads.get()
            if number < 0:
                return
            note = {"number": hex(number), "baseFeePerGas": hex(number * 2), "hash": "0x" + "00" * 32}
            message = {
                "jsonrpc": "2.0",
                "method": "eth_subscription",
                "params": {"subscription": "0xfeed", "result": note},
            }
            connection.send(json.dumps(message))


@pytest.fixture
def node() -> Iterator[tuple[Node, str]]:
    node = Node()
    server = serve(node.handler, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.socket.getsockname()[1]
    try:
        yield node, f"ws://127.0.0.1:{port}"
    finally:
        node.heads.put(-1)
        server.shutdown()
        thread.join(timeout=5)


def test_ws_url_next_to_the_rpc_url() -> None:
    assert ws_url_for("http://127.0.0.1:8545") == "ws://127.0.0.1:8545"
    assert (
        ws_url_for("https://polygon-mainnet.g.alchemy.com/v2/KEY")
        == "wss://polygon-mainnet.g.alchemy.com/v2/KEY"
    )
    assert ws_url_for("/tmp/geth.ipc") is None and ws_url_for(None) is None


def test_a_pushed_head_arrives_without_polling(node: tuple[Node, str]) -> None:
    chain, url = node
    heads = Heads(chain, url, poll_s=0.05, fallback_s=10.0)  # type: ignore[arg-type]
    try:
        first = heads.next(None)  # the start: the node's latest block
        assert first is not None and first.number == 10 and heads.subscribed
        polled = len(chain.requests)
        threading.Timer(0.2, lambda: chain.heads.put(11)).start()
        started = time.monotonic()
        header = heads.next(10)
        assert header is not None and (header.number, header.base_fee) == (11, 22)
        assert time.monotonic() - started < 5  # woken by the notification, not the 10 s fallback
        assert len(chain.requests) == polled  # no RPC for it
        chain.heads.put(12)
        chain.heads.put(14)  # two heads while the bot was busy: the newest one is next
        time.sleep(0.2)
        header = heads.next(11)
        assert header is not None and header.number == 14 and heads.newest == 14
    finally:
        heads.close()


def test_without_a_subscription_it_polls(node: tuple[Node, str]) -> None:
    chain, _ = node
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"ws://127.0.0.1:{probe.getsockname()[1]}"
    heads = Heads(chain, closed, poll_s=0.01)  # type: ignore[arg-type]
    header = heads.next(None)
    assert header is not None and header.number == 10 and not heads.subscribed
    assert heads.next(10) is None  # nothing new: it polled once and slept poll_s
    chain.latest = 11
    header = heads.next(10)
    assert header is not None and header.number == 11
    assert chain.requests.count("eth_getBlockByNumber") == 3
    heads.close()


def test_a_dropped_subscription_falls_back_to_polling(node: tuple[Node, str]) -> None:
    chain, url = node
    heads = Heads(chain, url, poll_s=0.01, fallback_s=0.05, retry_s=60)  # type: ignore[arg-type]
    try:
        assert heads.next(None) is not None and heads.subscribed
        chain.heads.put(-1)  # the server ends the connection
        deadline = time.monotonic() + 5
        while heads.subscribed and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not heads.subscribed
        chain.latest = 12
        header = heads.next(10)
        assert header is not None and header.number == 12
    finally:
        heads.close()
