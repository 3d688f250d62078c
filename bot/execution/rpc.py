"""Raw JSON-RPC to the node with retries: transport failures and rate limits are retried with
exponential backoff and a clear log line; an error the node gives on purpose (a revert, a rejected
transaction) comes back at once as `NodeReplyError` carrying the node's code, message and data.

Raw requests (`w3.provider.make_request`) skip web3's middleware, so a revert's data arrives intact
and no request is added behind our back.

Every wait is bounded: `bounded_web3` gives the provider a per-request timeout (ape's default HTTP
timeout is 30 minutes, so one black-holed request would stall the loop), and `Rpc.budget(seconds)`
caps what a block may spend on the node, retries included: once spent, no retry is started and the
call fails with `BudgetSpent` (an RpcError: the loop skips the block).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from web3.exceptions import Web3Exception

from bot.errors import BudgetSpent, RpcError

logger = logging.getLogger(__name__)

RETRYABLE_CODES = frozenset({-32005, -32603, 429})
"""JSON-RPC error codes that mean "try again": limit exceeded, internal error, too many requests."""
RETRYABLE_WORDS = (
    "rate limit",
    "too many requests",
    "timeout",
    "timed out",
    "temporarily",
    "busy",
    "header not found",  # a load-balanced node behind its peers: the block is not there yet
    "unknown block",
)


def bounded_web3(w3: Any, timeout_s: float) -> Any:
    """A web3 on the same HTTP(S) endpoint as `w3` whose requests time out after `timeout_s` (`w3`
    itself when its provider is not HTTP, e.g. a test's in-process provider)."""
    from web3 import Web3

    uri = getattr(w3.provider, "endpoint_uri", None)
    if not isinstance(uri, str) or not uri.startswith(("http://", "https://")):
        return w3
    # web3's own retries are off: Rpc retries, within the block's budget
    provider = Web3.HTTPProvider(
        uri, request_kwargs={"timeout": timeout_s}, exception_retry_configuration=None
    )
    return Web3(provider)


class NodeReplyError(RpcError):
    """The node answered with a JSON-RPC error it meant (revert, rejected transaction, bad params)."""

    def __init__(self, method: str, code: int | None, message: str, data: Any = None) -> None:
        super().__init__(f"{method}: node error {code}: {message}")
        self.method = method
        self.code = code
        self.message = message
        self.data = data


@dataclass
class Rpc:
    """JSON-RPC through a web3 provider, with `retries` retries spaced `backoff_s`, 2x, 4x, ..."""

    w3: Any
    retries: int = 4
    backoff_s: float = 0.2
    max_backoff_s: float = 5.0
    requests: int = 0
    """Requests sent, retries included (for logs and tests)."""
    deadline: float | None = None
    """time.monotonic() by which the block's node work must be done (`budget`); None: no budget."""
    timeout_s: float = 0.0
    """The per-request timeout (`bounded_web3`): a retry starts only if it can time out before the
    deadline, so a block never waits on the node longer than its budget because of a retry."""

    def retry_deadline(self) -> float | None:
        """The last instant a retry may start (the deadline less one request's timeout)."""
        return None if self.deadline is None else self.deadline - self.timeout_s

    @contextmanager
    def budget(self, seconds: float | None) -> Iterator[None]:
        """Within the block, retries stop once `seconds` are spent (None: no budget)."""
        saved = self.deadline
        self.deadline = None if seconds is None else time.monotonic() + seconds
        try:
            yield
        finally:
            self.deadline = saved

    def request(self, method: str, params: list[Any]) -> Any:
        """The result of `method`; RpcError once the retries are spent, NodeReplyError at once for an
        error the node meant."""
        attempt = 0
        while True:
            self.requests += 1
            try:
                reply = self.w3.provider.make_request(method, params)
                if not isinstance(reply, dict):
                    raise ValueError(f"not a JSON-RPC reply: {str(reply)[:200]}")
                error = reply.get("error")
                if error is None:
                    if "result" not in reply:
                        raise ValueError(f"reply without result: {str(reply)[:200]}")
                    return reply["result"]
                code = error.get("code") if isinstance(error, dict) else None
                message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
                data = error.get("data") if isinstance(error, dict) else None
                if not _retryable(code, message):
                    raise NodeReplyError(method, code, message, data)
                raise _Transient(f"node error {code}: {message}")
            except NodeReplyError:
                raise
            except (_Transient, Web3Exception, OSError, TimeoutError, ValueError) as exc:
                if attempt >= self.retries:
                    raise RpcError(
                        f"{method} failed after {attempt + 1} attempts: {type(exc).__name__}: {exc}"
                    ) from exc
                delay = min(self.max_backoff_s, self.backoff_s * 2**attempt)
                last_start = self.retry_deadline()
                if last_start is not None and time.monotonic() + delay > last_start:
                    raise BudgetSpent(
                        f"{method} failed ({type(exc).__name__}: {str(exc)[:200]}) and the block's time "
                        f"budget for the node is spent; no more retries this block"
                    ) from exc
                logger.warning(
                    "rpc: %s failed (%s: %s); retry %d of %d in %.2f s",
                    method,
                    type(exc).__name__,
                    str(exc)[:200],
                    attempt + 1,
                    self.retries,
                    delay,
                )
                time.sleep(delay)
                attempt += 1

    # Conveniences ------------------------------------------------------------------------------
    def block_number(self) -> int:
        return as_int(self.request("eth_blockNumber", []))

    def block(self, number: int | str = "latest") -> dict[str, Any]:
        tag = hex(number) if isinstance(number, int) else number
        result = self.request("eth_getBlockByNumber", [tag, False])
        if result is None:
            raise RpcError(f"eth_getBlockByNumber: block {number} not found")
        return dict(result)

    def call(self, to: str, data: bytes, sender: str | None = None, block: int | str = "latest") -> bytes:
        """eth_call; NodeReplyError (with the revert data) if it reverts."""
        tx: dict[str, Any] = {"to": to, "data": "0x" + data.hex()}
        if sender is not None:
            tx["from"] = sender
        result = self.request("eth_call", [tx, hex(block) if isinstance(block, int) else block])
        return bytes.fromhex(str(result).removeprefix("0x"))

    def nonce(self, address: str, block: str = "pending") -> int:
        return int(self.request("eth_getTransactionCount", [address, block]), 16)

    def balance(self, address: str) -> int:
        return int(self.request("eth_getBalance", [address, "latest"]), 16)

    def code(self, address: str) -> bytes:
        return bytes.fromhex(str(self.request("eth_getCode", [address, "latest"])).removeprefix("0x"))

    def receipt(self, tx_hash: str) -> dict[str, Any] | None:
        result = self.request("eth_getTransactionReceipt", [tx_hash])
        return None if result is None else dict(result)

    def transaction(self, tx_hash: str) -> dict[str, Any] | None:
        result = self.request("eth_getTransactionByHash", [tx_hash])
        return None if result is None else dict(result)


class _Transient(Exception):
    """A node error worth retrying."""


def _retryable(code: object, message: str) -> bool:
    lowered = message.lower()
    return code in RETRYABLE_CODES and "revert" not in lowered or any(w in lowered for w in RETRYABLE_WORDS)


def as_int(value: Any) -> int:
    """A JSON-RPC quantity ("0x..." or int) as int."""
    if isinstance(value, int):
        return value
    return int(str(value), 16)
