"""Read a contract's event logs over a long chain: in chunks, with retries, resumable from a cache.

`LogScanner.scan` reads `eth_getLogs` for one contract and a set of event topics from a start block
(the contract's deployment block) to the head, `chunk_blocks` blocks per request:
- a node that refuses a range as too large (block range or result size limits; the wording differs
  between nodes, see `RANGE_TOO_LARGE_WORDS`) gets the same range again in halves, down to one block,
  and the chunk grows back after requests that succeed;
- any other failure of a chunk is retried `retries` times with doubling backoff; a chunk that still
  fails raises `LogScanError` naming the block range (after saving what was scanned before it): a
  failed chunk is never skipped;
- the logs found and the last block scanned are kept on disk, one file per (chain id, genesis hash,
  contract, topics), written atomically (temporary file + rename). A later scan resumes from the last
  block scanned less `reorg_margin` blocks (logs in that margin are dropped and read again, so a
  re-organisation near the head is not remembered), and only if the block at that point still has the
  hash it had (a deeper re-organisation, or another fork of the same chain, starts the scan over). A
  different chain with the same id (the replica and real Polygon are both 137) has a different genesis
  hash and so a different file;
- on a long first scan, progress (blocks scanned of total, logs found, blocks per second) is logged
  every `progress_interval_s` seconds and handed to `on_progress`.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import RpcError
from bot.execution.rpc import Rpc, as_int

logger = logging.getLogger(__name__)

CACHE_VERSION = 2
DEFAULT_CHUNK_BLOCKS = 10_000
DEFAULT_REORG_MARGIN = 128
RANGE_TOO_LARGE_WORDS = (
    "range too large",
    "range is too large",
    "block range",
    "too many blocks",
    "exceed maximum block range",
    "more than",
    "response size",
    "too many results",
    "query returned more than",
    "log response size exceeded",
    "limit exceeded",
    "query timeout",
    "timed out",
    "timeout",
)
"""Fragments of the errors nodes give for an eth_getLogs range they refuse to serve whole
(geth/erigon "query returned more than 10000 results", Alchemy/Infura "block range"/"limit exceeded",
Polygon's public nodes "block range is too large"), and timeouts: a range that takes longer than the
request may (`rpc_timeout_s`) is served in halves."""


class LogScanError(RpcError):
    """A chunk of the scan failed after every retry; nothing after `from_block` was scanned."""

    def __init__(self, name: str, from_block: int, to_block: int, reason: str) -> None:
        super().__init__(
            f"log scan {name}: blocks {from_block}-{to_block} failed: {reason}; the blocks before "
            f"{from_block} are saved and the next scan resumes there"
        )
        self.name = name
        self.from_block = from_block
        self.to_block = to_block


@dataclass(frozen=True, slots=True)
class Log:
    """One event log, reduced to what decoding needs."""

    block: int
    """The block the log is in."""
    index: int
    """Its log index within the block."""
    address: str
    """The emitting contract."""
    topics: tuple[str, ...]
    """0x-hex topics (topic 0 is the event's signature hash)."""
    data: str
    """0x-hex data."""

    def to_json(self) -> list[Any]:
        return [self.block, self.index, self.address, list(self.topics), self.data]

    @classmethod
    def from_json(cls, row: list[Any]) -> Log:
        block, index, address, topics, data = row
        return cls(int(block), int(index), str(address), tuple(str(t) for t in topics), str(data))

    @classmethod
    def from_rpc(cls, raw: dict[str, Any]) -> Log:
        return cls(
            as_int(raw["blockNumber"]),
            as_int(raw["logIndex"]),
            str(raw["address"]),
            tuple(str(t).lower() for t in raw["topics"]),
            str(raw["data"]),
        )


@dataclass(frozen=True, slots=True)
class ScanProgress:
    """Where a scan stands (handed to `on_progress`)."""

    name: str
    scanned_blocks: int
    total_blocks: int
    logs: int
    blocks_per_second: float


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The logs of a scan and how it went."""

    logs: tuple[Log, ...]
    """Every matching log from the start block to `to_block`, in chain order."""
    to_block: int
    """The last block scanned."""
    from_cache_to: int
    """The last block the cache already covered (start block - 1 when there was no cache)."""
    requests: int
    """eth_getLogs requests sent (retries and split ranges included)."""


def chain_identity(rpc: Rpc) -> tuple[int, str]:
    """(chain id, genesis block hash) of the node's chain."""
    chain_id = as_int(rpc.request("eth_chainId", []))
    genesis = rpc.request("eth_getBlockByNumber", ["0x0", False])
    if not isinstance(genesis, dict) or "hash" not in genesis:
        raise RpcError("eth_getBlockByNumber(0) returned no genesis block")
    return chain_id, str(genesis["hash"]).lower()


def _too_large(message: str) -> bool:
    text = message.lower()
    return any(word in text for word in RANGE_TOO_LARGE_WORDS)


class LogScanner:
    """Chunked, retried, cached eth_getLogs over a long chain (see the module docstring)."""

    def __init__(
        self,
        rpc: Rpc,
        cache_dir: Path | None,
        *,
        chunk_blocks: int = DEFAULT_CHUNK_BLOCKS,
        reorg_margin: int = DEFAULT_REORG_MARGIN,
        retries: int = 4,
        backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        progress_interval_s: float = 5.0,
        on_progress: Callable[[ScanProgress], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if chunk_blocks < 1:
            raise ValueError(f"chunk_blocks must be at least 1, got {chunk_blocks}")
        if reorg_margin < 0:
            raise ValueError(f"reorg_margin must be 0 or more, got {reorg_margin}")
        self.node = rpc
        """The caller's Rpc, with its retries: for the chain's identity, head and block hashes."""
        self.rpc = Rpc(rpc.w3, retries=0)  # eth_getLogs: this scanner retries and splits ranges itself
        self.cache_dir = cache_dir
        self.chunk_blocks = chunk_blocks
        self.reorg_margin = reorg_margin
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.progress_interval_s = progress_interval_s
        self.on_progress = on_progress
        self.sleep = sleep
        self._identity: tuple[int, str] | None = None

    # -- cache ---------------------------------------------------------------------------------

    def identity(self) -> tuple[int, str]:
        if self._identity is None:
            self._identity = chain_identity(self.node)
        return self._identity

    def cache_path(self, name: str, address: str, topics: Sequence[str]) -> Path | None:
        """The cache file of one scan, or None without a cache directory."""
        if self.cache_dir is None:
            return None
        chain_id, genesis = self.identity()
        tag = "-".join(t[2:10] for t in topics)
        return self.cache_dir / f"{chain_id}-{genesis[2:18]}" / f"{name}-{address.lower()}-{tag}.json"

    def _load(
        self, path: Path | None, address: str, topics: Sequence[str], start: int
    ) -> tuple[int, list[Log]]:
        if path is None or not path.is_file():
            return start - 1, []
        chain_id, genesis = self.identity()
        try:
            saved = json.loads(path.read_text())
            if (
                saved.get("version") != CACHE_VERSION
                or saved.get("chain_id") != chain_id
                or saved.get("genesis") != genesis
                or saved.get("address", "").lower() != address.lower()
                or saved.get("topics") != [t.lower() for t in topics]
                or int(saved.get("from_block", -1)) != start
            ):
                logger.warning("log scan cache %s was written for another scan; starting over", path)
                return start - 1, []
            scanned_to = int(saved["scanned_to"])
            logs = [Log.from_json(row) for row in saved["logs"]]
            anchor = saved.get("anchor")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.warning("log scan cache %s is unreadable (%s); starting over", path, exc)
            return start - 1, []
        # the block the cache was anchored to must still be on this chain (no re-org deeper than the
        # margin, no other fork of the same genesis)
        if anchor is not None and (
            not isinstance(anchor, list) or len(anchor) != 2 or self._block_hash(int(anchor[0])) != anchor[1]
        ):
            logger.warning(
                "log scan cache %s: its anchor block %s is no longer on this chain; starting over",
                path,
                anchor,
            )
            return start - 1, []
        # forget the last `reorg_margin` blocks: they are read again
        keep_to = max(start - 1, scanned_to - self.reorg_margin)
        return keep_to, [log for log in logs if log.block <= keep_to]

    def _block_hash(self, number: int) -> str | None:
        block = self.node.request("eth_getBlockByNumber", [hex(number), False])
        return str(block["hash"]).lower() if isinstance(block, dict) and block.get("hash") else None

    def _save(
        self,
        path: Path | None,
        address: str,
        topics: Sequence[str],
        start: int,
        scanned_to: int,
        logs: list[Log],
    ) -> None:
        if path is None:
            return
        chain_id, genesis = self.identity()
        anchor_block = max(start - 1, scanned_to - self.reorg_margin)
        anchor = [anchor_block, self._block_hash(anchor_block)] if anchor_block >= 0 else None
        payload = {
            "version": CACHE_VERSION,
            "chain_id": chain_id,
            "genesis": genesis,
            "address": address.lower(),
            "topics": [t.lower() for t in topics],
            "from_block": start,
            "scanned_to": scanned_to,
            "anchor": anchor,
            "logs": [log.to_json() for log in logs],
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".scan-", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(handle, "w") as out:
                json.dump(payload, out, separators=(",", ":"))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    # -- scanning ------------------------------------------------------------------------------

    def scan(
        self,
        name: str,
        address: str,
        topics: Sequence[str],
        from_block: int,
        to_block: int | None = None,
    ) -> ScanResult:
        """Every log of `address` whose topic 0 is one of `topics`, from `from_block` to `to_block`
        (default: the head), resuming from the cache. Raises LogScanError if a chunk keeps failing."""
        if not topics:
            raise ValueError("scan needs at least one topic")
        if from_block < 0:
            raise ValueError(f"from_block must be 0 or more, got {from_block}")
        head = as_int(self.node.request("eth_blockNumber", [])) if to_block is None else to_block
        path = self.cache_path(name, address, topics)
        done_to, logs = self._load(path, address, topics, from_block)
        cached_to = done_to
        total = max(0, head - from_block + 1)
        requests = 0
        chunk = self.chunk_blocks
        started = last_report = time.monotonic()
        first_block = done_to + 1
        if head - done_to > self.chunk_blocks:
            logger.info(
                "log scan %s: blocks %d-%d (%d to read; %d logs cached)",
                name,
                first_block,
                head,
                head - done_to,
                len(logs),
            )
        try:
            while done_to < head:
                low = done_to + 1
                high = min(head, low + chunk - 1)
                found, chunk, sent = self._chunk(name, address, topics, low, high, chunk)
                requests += sent
                logs.extend(found)
                done_to = high
                if chunk < self.chunk_blocks:
                    chunk = min(self.chunk_blocks, chunk * 2)
                now = time.monotonic()
                if now - last_report >= self.progress_interval_s:
                    last_report = now
                    self._report(
                        name,
                        done_to - from_block + 1,
                        total,
                        len(logs),
                        (done_to - first_block + 1) / (now - started),
                    )
        finally:
            if done_to > cached_to:
                self._save(path, address, topics, from_block, done_to, logs)
        if head - cached_to > self.chunk_blocks:
            elapsed = max(time.monotonic() - started, 1e-9)
            self._report(name, total, total, len(logs), (head - cached_to) / elapsed)
        logs.sort(key=lambda log: (log.block, log.index))
        return ScanResult(tuple(logs), head, cached_to, requests)

    def _report(self, name: str, scanned: int, total: int, found: int, rate: float) -> None:
        progress = ScanProgress(name, scanned, total, found, rate)
        share = 100.0 * scanned / total if total else 100.0
        logger.info(
            "log scan %s: %d/%d blocks (%.1f %%), %d logs, %.0f blocks/s",
            name,
            scanned,
            total,
            share,
            found,
            rate,
        )
        if self.on_progress is not None:
            self.on_progress(progress)

    def _chunk(
        self, name: str, address: str, topics: Sequence[str], low: int, high: int, chunk: int
    ) -> tuple[list[Log], int, int]:
        """The logs of blocks low..high, split while the node refuses the range; (logs, the chunk size
        that worked, requests sent)."""
        pending = [(low, high)]
        found: list[Log] = []
        requests = 0
        while pending:
            a, b = pending.pop(0)
            attempt = 0
            while True:
                requests += 1
                try:
                    raw = self.rpc.request(
                        "eth_getLogs",
                        [
                            {
                                "address": address,
                                "fromBlock": hex(a),
                                "toBlock": hex(b),
                                "topics": [list(topics)],
                            }
                        ],
                    )
                    if not isinstance(raw, list):
                        raise RpcError(f"eth_getLogs returned {type(raw).__name__}, not a list")
                    found.extend(Log.from_rpc(entry) for entry in raw)
                    break
                except RpcError as exc:
                    if _too_large(str(exc)) and b > a:
                        middle = (a + b) // 2
                        chunk = max(1, (b - a + 1) // 2)
                        logger.info(
                            "log scan %s: node refused blocks %d-%d as too large; halving", name, a, b
                        )
                        pending[:0] = [(a, middle), (middle + 1, b)]
                        break
                    if attempt >= self.retries:
                        raise LogScanError(name, a, b, str(exc)) from exc
                    delay = min(self.max_backoff_s, self.backoff_s * 2**attempt)
                    attempt += 1
                    logger.warning(
                        "log scan %s: blocks %d-%d failed (%s); retry %d/%d in %.1f s",
                        name,
                        a,
                        b,
                        exc,
                        attempt,
                        self.retries,
                        delay,
                    )
                    self.sleep(delay)
        return found, chunk, requests
