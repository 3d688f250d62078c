"""Batched chain reads through Multicall3 `aggregate3`: many view calls in one `eth_call`.

Every sub-call is sent with allowFailure = true, so one reverting pool never reverts the batch: its
result comes back with success = false and the caller decides what that means (the market reader
marks that pool as failed for the block). A batch larger than `max_calls` sub-calls or
`max_calldata_bytes` of calldata is split into several eth_calls at the same block (a log line says
so): nodes cap an eth_call's gas (anvil: the block gas limit, 30M; geth: --rpc.gascap, 50M), and a
sub-call costs a few thousand gas (a cold account plus a few cold storage reads).

Transport errors are retried with exponential backoff `retries` times; then RpcError is raised. With
a `deadline` (the block's budget, shared with `bot.execution.rpc.Rpc`), no retry starts past it:
BudgetSpent is raised instead, so a flaky node never holds a block longer than its budget. A
revert of the whole batch (impossible with allowFailure unless the batch runs out of gas or the
Multicall3 address has no code) is not retried: it raises RpcError at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from web3.exceptions import ContractLogicError, Web3Exception

from bot.errors import BudgetSpent, ConfigError, RpcError
from bot.market.abi import selector

logger = logging.getLogger(__name__)

AGGREGATE3 = selector("aggregate3((address,bool,bytes)[])")
BlockId = int | str
"""A block number, or a tag such as "latest"."""


@dataclass(frozen=True, slots=True)
class Call:
    """One view call: the contract and its calldata."""

    target: str
    """The contract called (checksummed)."""
    data: bytes
    """Selector and ABI-encoded arguments."""


class CallResult(NamedTuple):
    """What one sub-call returned. A tuple, so a run of results compares with another in C (the
    market reader compares each pool's results with the last block's to skip decoding unchanged
    pools)."""

    success: bool
    """False if the sub-call reverted (its return data is then the revert data)."""
    data: bytes
    """The return data."""


_TRUE_WORD = (1).to_bytes(32, "big")
_TUPLE_HEAD_TAIL = (96).to_bytes(32, "big")  # the bytes field's offset inside an entry: 3 head words
_ADDRESS_WORDS: dict[str, bytes] = {}
_ENTRIES: dict[tuple[str, bytes], bytes] = {}
"""(target, calldata) -> its encoded entry: a refresh asks the same questions block after block."""
_MAX_ENTRIES = 1 << 16


def _address_word(target: str) -> bytes:
    """An address as its ABI word (12 zero bytes and the 20 address bytes), cached per target."""
    word = _ADDRESS_WORDS.get(target)
    if word is None:
        raw = bytes.fromhex(target[2:] if target[:2] in ("0x", "0X") else target)
        if len(raw) != 20:
            raise ValueError(f"Multicall3 call target {target!r} is not a 20-byte address")
        word = _ADDRESS_WORDS[target] = bytes(12) + raw
    return word


def encode_aggregate3(calls: Sequence[Call]) -> bytes:
    """Calldata of Multicall3.aggregate3 with allowFailure = true on every call, packed by hand: the
    bytes eth-abi's encode(["(address,bool,bytes)[]"], ...) gives (tests/market/test_multicall.py
    checks it under Hypothesis), without its per-value validation and dispatch (a 2,000-call batch:
    well under a millisecond instead of about 140 ms).

    Layout: the array's offset (32), its length, one offset per entry (from the start of the offsets),
    then each entry: target, true, 96 (the bytes' offset in the entry), the data's length and the data
    zero-padded to a multiple of 32."""
    n = len(calls)
    heads = []
    tails = []
    offset = 32 * n
    entries = _ENTRIES
    for call in calls:
        key = (call.target, call.data)
        entry = entries.get(key)
        if entry is None:
            data = call.data
            size = len(data)
            entry = b"".join(
                (
                    _address_word(call.target),
                    _TRUE_WORD,
                    _TUPLE_HEAD_TAIL,
                    size.to_bytes(32, "big"),
                    data,
                    bytes(-size % 32),
                )
            )
            if len(entries) >= _MAX_ENTRIES:
                entries.clear()
            entries[key] = entry
        heads.append(offset.to_bytes(32, "big"))
        tails.append(entry)
        offset += len(entry)
    return b"".join((AGGREGATE3, (32).to_bytes(32, "big"), n.to_bytes(32, "big"), *heads, *tails))


def encode_aggregate3_eth_abi(calls: Sequence[Call]) -> bytes:
    """The reference encoding through eth-abi (what `encode_aggregate3` must equal byte for byte)."""
    return AGGREGATE3 + encode(["(address,bool,bytes)[]"], [[(c.target, True, c.data) for c in calls]])


def decode_aggregate3(data: bytes, expected: int) -> list[CallResult]:
    """Decode aggregate3's `(bool success, bytes returnData)[]` by walking the ABI layout directly
    (an eth-abi decode of thousands of results costs milliseconds per block; this costs a fraction).
    Raises RpcError if the data is not a well-formed result of `expected` entries."""

    def at(offset: int) -> int:
        if offset + 32 > len(data):
            raise RpcError(f"Multicall3 aggregate3 returned {len(data)} bytes; word at {offset} is missing")
        return int.from_bytes(data[offset : offset + 32], "big")

    array = at(0)
    length = at(array)
    if length != expected:
        raise RpcError(f"Multicall3 aggregate3 returned {length} results for {expected} calls")
    heads = array + 32
    results = []
    for k in range(length):
        entry = heads + at(heads + 32 * k)
        success = at(entry) == 1
        start = entry + at(entry + 32)
        size = at(start)
        if start + 32 + size > len(data):
            raise RpcError(f"Multicall3 aggregate3 result {k} claims {size} bytes past the end of the data")
        results.append(CallResult(success, bytes(data[start + 32 : start + 32 + size])))
    return results


class Multicall:
    """Runs batches of view calls through a Multicall3 contract at one block, with retries."""

    def __init__(
        self,
        w3: Any,
        address: str,
        *,
        max_calls: int = 1_000,
        max_calldata_bytes: int = 256_000,
        retries: int = 3,
        backoff_s: float = 0.25,
        deadline: Callable[[], float | None] | None = None,
    ) -> None:
        """`w3`: a web3.Web3; `address`: Multicall3 (the address book's). `max_calls` and
        `max_calldata_bytes` bound one eth_call; `retries` transport failures are retried, waiting
        `backoff_s`, then twice that, and so on; `deadline` gives the time.monotonic() past which no
        retry starts (None from it, or no `deadline`: retries are bounded by count only)."""
        if max_calls < 1:
            raise ConfigError(f"Multicall max_calls must be at least 1, got {max_calls}")
        if max_calldata_bytes < 1_000:
            raise ConfigError(f"Multicall max_calldata_bytes must be at least 1000, got {max_calldata_bytes}")
        if retries < 0:
            raise ConfigError(f"Multicall retries must not be negative, got {retries}")
        if backoff_s < 0:
            raise ConfigError(f"Multicall backoff_s must not be negative, got {backoff_s}")
        self.w3 = w3
        self.address = str(to_checksum_address(address))
        self.max_calls = max_calls
        self.max_calldata_bytes = max_calldata_bytes
        self.retries = retries
        self.backoff_s = backoff_s
        self.deadline = deadline
        self.eth_calls = 0
        """eth_calls sent so far (a counter for logs and metrics)."""

    def chunks(self, calls: Sequence[Call]) -> list[Sequence[Call]]:
        """`calls` split into batches within the call-count and calldata-size limits."""
        batches: list[Sequence[Call]] = []
        start = 0
        size = 0
        for k, call in enumerate(calls):
            # an aggregate3 entry is about 5 words of head and tail plus its padded calldata
            entry = 160 + (len(call.data) + 31) // 32 * 32
            if k > start and (k - start >= self.max_calls or size + entry > self.max_calldata_bytes):
                batches.append(calls[start:k])
                start, size = k, 0
            size += entry
        if start < len(calls):
            batches.append(calls[start:])
        return batches

    def aggregate3(self, calls: Sequence[Call], block: BlockId = "latest") -> list[CallResult]:
        """Run `calls` at `block`; one result per call, in order. One eth_call unless the batch must be
        chunked."""
        if not calls:
            return []
        batches = self.chunks(calls)
        if len(batches) > 1:
            logger.info(
                "multicall: %d calls split into %d eth_calls (limits: %d calls, %d calldata bytes per call)",
                len(calls),
                len(batches),
                self.max_calls,
                self.max_calldata_bytes,
            )
        results: list[CallResult] = []
        for batch in batches:
            raw = self._eth_call(encode_aggregate3(batch), block, len(batch))
            results.extend(decode_aggregate3(raw, len(batch)))
        return results

    def _eth_call(self, calldata: bytes, block: BlockId, n_calls: int) -> bytes:
        """One raw JSON-RPC eth_call through the provider (no web3 middleware: a middleware would add
        an eth_chainId request to every call)."""
        params = [
            {"to": self.address, "data": "0x" + calldata.hex()},
            hex(block) if isinstance(block, int) else block,
        ]
        attempt = 0
        while True:
            self.eth_calls += 1
            try:
                response = self.w3.provider.make_request("eth_call", params)
                error = response.get("error") if isinstance(response, dict) else None
                if error is None:
                    result = response.get("result") if isinstance(response, dict) else None
                    if not isinstance(result, str) or not result.startswith("0x"):
                        raise ValueError(f"eth_call answered {str(response)[:200]}")
                    return bytes.fromhex(result[2:])
                message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
                if "revert" in message.lower() or (isinstance(error, dict) and error.get("code") == 3):
                    raise RpcError(
                        f"Multicall3 aggregate3 of {n_calls} calls reverted at block {block}: {message} "
                        f"(out of gas? no Multicall3 at {self.address}?)"
                    )
                raise ValueError(f"JSON-RPC error {message}")
            except RpcError:
                raise
            except ContractLogicError as exc:
                raise RpcError(
                    f"Multicall3 aggregate3 of {n_calls} calls reverted at block {block}: {exc}"
                ) from exc
            except (Web3Exception, OSError, TimeoutError, ValueError) as exc:
                # requests' ConnectionError and Timeout derive from OSError; JSON-RPC errors (a node
                # that is busy, rate-limited or syncing) arrive as error objects: ValueError above
                if attempt >= self.retries:
                    raise RpcError(
                        f"eth_call to Multicall3 {self.address} at block {block} failed after "
                        f"{attempt + 1} attempts: {type(exc).__name__}: {exc}"
                    ) from exc
                delay = self.backoff_s * (2**attempt)
                deadline = self.deadline() if self.deadline is not None else None
                if deadline is not None and time.monotonic() + delay > deadline:
                    raise BudgetSpent(
                        f"eth_call to Multicall3 {self.address} at block {block} failed "
                        f"({type(exc).__name__}: {str(exc)[:200]}) and the block's time budget for the "
                        f"node is spent; no more retries this block"
                    ) from exc
                logger.warning(
                    "multicall: eth_call failed (%s: %s); retry %d of %d in %.2f s",
                    type(exc).__name__,
                    exc,
                    attempt + 1,
                    self.retries,
                    delay,
                )
                time.sleep(delay)
                attempt += 1
