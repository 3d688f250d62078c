"""New blocks: pushed by a WebSocket `newHeads` subscription (as anvil, geth and the RPC providers
serve it), with polling of the latest block as the fallback.

    heads = Heads(rpc, ws_url="ws://127.0.0.1:8545", poll_s=0.5)
    header = heads.next(after=last_block)     # a newer head, or None after a wait
    heads.close()

The subscription runs in a daemon thread that keeps only the newest header. `next` returns at once
when a newer head is known (or on the first call, from the node's latest block), else waits for the
subscription up to `fallback_s` and then asks the node for its latest block once anyway, so a missed
notification (or a dead subscription) costs at most one timeout. Without a WebSocket URL, or when the
subscription cannot be opened or drops, it polls every `poll_s`; a dropped subscription is reopened
after `retry_s`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot.execution.rpc import Rpc, as_int
from bot.runtime.pipeline import BlockHeader

logger = logging.getLogger(__name__)


def ws_url_for(http_url: str | None) -> str | None:
    """The WebSocket URL a node serves next to `http_url` (same host, port and path: anvil, Alchemy,
    QuickNode), or None for a URL that is not http(s)."""
    if not http_url:
        return None
    parts = urlsplit(http_url)
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    if scheme is None:
        return None
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, ""))


def header_of(raw: Any) -> BlockHeader:
    return BlockHeader(
        as_int(raw["number"]),
        as_int(raw.get("baseFeePerGas") or 0),
        _hash(raw.get("hash")),
        _hash(raw.get("parentHash")),
    )


def _hash(value: Any) -> str:
    """A block hash as 0x-hex lower case, whether the source gave text or bytes ("" for none)."""
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    text = str(value).lower()
    return text if text.startswith("0x") else "0x" + text


class Subscription:
    """A `newHeads` subscription in a daemon thread; `newest` is the newest header received."""

    def __init__(self, url: str, connect_timeout_s: float = 5.0) -> None:
        self.url = url
        self.connect_timeout_s = connect_timeout_s
        self.newest: BlockHeader | None = None
        self.alive = False
        self.error: str | None = None
        self._arrived = threading.Condition()
        self._closing = False
        self._socket: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        """Open the connection and subscribe; False (with `error`) if that fails."""
        from websockets.sync.client import connect

        try:
            socket = connect(self.url, open_timeout=self.connect_timeout_s, max_size=2**22)
            socket.send(
                json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]})
            )
            reply = json.loads(socket.recv(timeout=self.connect_timeout_s))
            if "error" in reply or not isinstance(reply.get("result"), str):
                socket.close()
                raise ValueError(f"eth_subscribe refused: {reply.get('error', reply)}")
        except (OSError, TimeoutError, ValueError, Exception) as exc:  # noqa: BLE001 (any failure: poll)
            self.error = f"{type(exc).__name__}: {exc}"
            return False
        self._socket = socket
        self.alive = True
        self._thread = threading.Thread(target=self._listen, name="newHeads", daemon=True)
        self._thread.start()
        return True

    def _listen(self) -> None:
        try:
            for message in self._socket:
                data = json.loads(message)
                if data.get("method") != "eth_subscription":
                    continue
                header = header_of(data["params"]["result"])
                with self._arrived:
                    self.newest = header  # the node's head, lower too after a reset or a reorg
                    self._arrived.notify_all()
        except Exception as exc:  # noqa: BLE001 (the connection dropped or sent garbage: poll)
            if not self._closing:
                self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.alive = False
            with self._arrived:
                self._arrived.notify_all()
            if not self._closing:
                logger.warning("newHeads subscription ended (%s); polling for new blocks", self.error)

    def wait(self, after: int | None, timeout_s: float) -> BlockHeader | None:
        """The newest header above block `after`, waiting up to `timeout_s` for one."""
        deadline = time.monotonic() + timeout_s
        with self._arrived:
            while True:
                newest = self.newest
                if newest is not None and (after is None or newest.number > after):
                    return newest
                left = deadline - time.monotonic()
                if left <= 0 or not self.alive:
                    return None
                self._arrived.wait(left)

    def close(self) -> None:
        self._closing = True
        if self._socket is not None:
            try:
                self._socket.close()
            except Exception:  # noqa: BLE001, S110 (closing anyway)
                pass
        if self._thread is not None:
            self._thread.join(timeout=2)


class Heads:
    """New block headers from `ws_url`'s subscription, or by polling `rpc` (see the module docstring)."""

    def __init__(
        self,
        rpc: Rpc,
        ws_url: str | None,
        poll_s: float = 0.5,
        retry_s: float = 30.0,
        fallback_s: float = 4.0,
    ) -> None:
        self.rpc = rpc
        self.ws_url = ws_url
        self.poll_s = poll_s
        """Seconds between polls without a subscription."""
        self.fallback_s = fallback_s
        """With a subscription: how long to wait for a notification before asking the node anyway."""
        self.retry_s = retry_s
        self.subscription: Subscription | None = None
        self._next_try = 0.0
        self.newest_seen: int | None = None

    @property
    def subscribed(self) -> bool:
        return self.subscription is not None and self.subscription.alive

    def _ensure(self) -> None:
        if self.ws_url is None or self.subscribed or time.monotonic() < self._next_try:
            return
        if self.subscription is not None:
            self.subscription.close()
        subscription = Subscription(self.ws_url)
        if subscription.start():
            logger.info("new blocks by subscription (newHeads at %s)", _shown(self.ws_url))
            self.subscription = subscription
        else:
            logger.warning(
                "no newHeads subscription at %s (%s); polling every %.2f s",
                _shown(self.ws_url),
                subscription.error,
                self.poll_s,
            )
            self.subscription = None
            self._next_try = time.monotonic() + self.retry_s

    def next(self, after: int | None, timeout_s: float | None = None) -> BlockHeader | None:
        """A head above block `after` (None: any), or below it when the chain went back (a reset or a
        reorg: the caller decides), or None when none came within the wait."""
        self._ensure()
        subscription = self.subscription if self.subscribed else None
        if subscription is not None and after is not None:
            header = subscription.wait(after, self.fallback_s if timeout_s is None else timeout_s)
            if header is not None:
                return self._seen(header)
        header = header_of(self.rpc.block("latest"))  # the start, a timeout, or polling
        self._seen(header)
        if after is None or header.number != after:
            return header
        if subscription is None:
            time.sleep(self.poll_s)
        return None

    def _seen(self, header: BlockHeader) -> BlockHeader:
        self.newest_seen = header.number
        return header

    @property
    def newest(self) -> int | None:
        """The newest head known (the subscription's, or the last polled)."""
        sub = self.subscription.newest if self.subscription is not None else None
        numbers = [n for n in (self.newest_seen, None if sub is None else sub.number) if n is not None]
        return max(numbers) if numbers else None

    def close(self) -> None:
        if self.subscription is not None:
            self.subscription.close()
            self.subscription = None


def _shown(url: str) -> str:
    """`url` without its path and query (an API key often sits there)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/..." if parts.path.strip("/") else "", "", ""))
