"""Build the Polygon replica once, cache it by the hash of its inputs, load it fast afterwards.

The cache lives in `.cache/replica/<input hash>/` (git-ignored): `state.json` (anvil's state, the
gunzipped anvil_dumpState that `anvil --load-state` reads), `state.sha256` and `manifest.json`. The
input hash covers everything that shapes the state: the versions of the npm packages the artifacts
come from, anvil's version, this package's source files, contracts/replica/*.sol, the price table and
the address book JSON. A cache whose files are missing, whose state does not match its checksum, or
whose JSON does not parse is rebuilt, never used. Builds write to a temporary directory and rename it
into place, under a file lock, so concurrent processes never see (or produce) a half-written cache.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from bot.addressbook import BOOKS
from bot.errors import ReplicaError
from bot.replica.anvil import PROJECT_ROOT, anvil_binary
from bot.replica.artifacts import ARTIFACT_PACKAGES, package_version
from bot.replica.manifest import Manifest
from bot.replica.prices import USD_PRICES
from bot.replica.solidity import REPLICA_CONTRACTS

logger = logging.getLogger(__name__)

CACHE_ROOT = PROJECT_ROOT / ".cache" / "replica"
STATE_FILE = "state.json"
CHECKSUM_FILE = "state.sha256"
MANIFEST_FILE = "manifest.json"
GENESIS_TIMESTAMP = 1_735_689_600
"""2025-01-01T00:00:00Z: the build's first block; each later block is BLOCK_INTERVAL_S later."""
BLOCK_INTERVAL_S = 2
"""Polygon PoS produces a block about every 2 seconds."""


@dataclass(frozen=True)
class Replica:
    """A built replica on disk: serve it with ReplicaNode, read what it holds in `manifest`."""

    directory: Path
    """The cache directory holding the state, its checksum and the manifest."""
    manifest: Manifest
    """What the state contains (addresses, pools, reserves, block, input hash)."""
    built_now: bool = False
    """True if this call built the state, False if it came from the cache."""
    build_seconds: float = 0.0
    """How long the build took (0 when loaded from the cache)."""

    @property
    def state_path(self) -> Path:
        """The gunzipped anvil state JSON, for `anvil --load-state`."""
        return self.directory / STATE_FILE

    @property
    def input_hash(self) -> str:
        return self.manifest.input_hash


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _looks_like_state(path: Path) -> bool:
    """A cheap outline check: a JSON object that names its accounts near the start and closes."""
    with path.open("rb") as handle:
        head = handle.read(4096)
        handle.seek(max(path.stat().st_size - 64, 0))
        tail = handle.read().rstrip()
    return head.lstrip().startswith(b"{") and b'"accounts"' in head and tail.endswith(b"}")


def _anvil_version() -> str:
    try:
        done = subprocess.run([anvil_binary(), "--version"], capture_output=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ReplicaError(f"cannot run `anvil --version`: {exc}") from exc
    return done.stdout.decode().strip().splitlines()[0]


SCALES = ("small", "full")
"""Replica sizes: "small" (72 pools, what the test suite runs on) and "full" (Polygon scale, 600+ pools
over every token and venue kind: bot.replica.full_layout)."""


def _check_scale(scale: str) -> None:
    if scale not in SCALES:
        raise ReplicaError(f"unknown replica scale {scale!r}; use one of {', '.join(SCALES)}")


def input_hash(scale: str = "small") -> str:
    """sha256 over every input that shapes the replica's state (the scale too, unless small)."""
    _check_scale(scale)
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(label.encode() + b"\0" + hashlib.sha256(data).digest())

    for package in ARTIFACT_PACKAGES:
        add(f"npm:{package}", package_version(package).encode())
    add("anvil", _anvil_version().encode())
    here = Path(__file__).resolve().parent
    for source in sorted(here.glob("*.py")):
        add(f"builder:{source.name}", source.read_bytes())
    for contract in sorted(REPLICA_CONTRACTS.glob("*.sol")):
        add(f"contract:{contract.name}", contract.read_bytes())
    add("prices", json.dumps(dict(USD_PRICES), sort_keys=True).encode())
    add("addressbook", BOOKS[137].read_bytes())
    if scale != "small":
        add("scale", scale.encode())
    return digest.hexdigest()


def load_cached(directory: Path, expected_hash: str) -> Replica | None:
    """The replica cached in `directory` if it is complete, intact and built for `expected_hash`."""
    state, checksum, manifest_path = (
        directory / STATE_FILE,
        directory / CHECKSUM_FILE,
        directory / MANIFEST_FILE,
    )
    if not (state.is_file() and checksum.is_file() and manifest_path.is_file()):
        return None
    try:
        if checksum.read_text().strip() != _sha256(state):
            logger.warning("replica cache %s: state checksum mismatch, rebuilding", directory)
            return None
        # The checksum catches any corruption of the state; parsing 15 MB of JSON on every load would
        # cost more than it adds, so only its outline is checked here.
        if not _looks_like_state(state):
            logger.warning("replica cache %s: state is not an anvil state JSON object, rebuilding", directory)
            return None
        manifest = Manifest.model_validate_json(manifest_path.read_text())
    except (OSError, ValueError, ValidationError) as exc:  # JSONDecodeError is a ValueError
        logger.warning("replica cache %s is unreadable (%s), rebuilding", directory, exc)
        return None
    if manifest.input_hash != expected_hash:
        logger.warning("replica cache %s was built for other inputs, rebuilding", directory)
        return None
    return Replica(directory=directory, manifest=manifest)


@contextmanager
def _locked(cache_root: Path) -> Iterator[None]:
    cache_root.mkdir(parents=True, exist_ok=True)
    with (cache_root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_replica(rebuild: bool = False, cache_root: Path | None = None, scale: str = "small") -> Replica:
    """The replica for the current inputs: from the cache when valid, else built (small: 2-20 s, full:
    under 90 s) and cached. Each scale has its own cache entry."""
    root = cache_root or CACHE_ROOT
    key = input_hash(scale)
    directory = root / key[:16]
    if not rebuild:
        cached = load_cached(directory, key)
        if cached is not None:
            return cached
    with _locked(root):
        if not rebuild:  # another process may have built it while we waited for the lock
            cached = load_cached(directory, key)
            if cached is not None:
                return cached
        started = time.perf_counter()
        staging = Path(tempfile.mkdtemp(prefix=f".build-{key[:16]}-", dir=root))
        try:
            build_into(staging, key, root, scale)
            if directory.exists():
                trash = Path(tempfile.mkdtemp(prefix=".trash-", dir=root))
                os.rename(directory, trash / "old")
                shutil.rmtree(trash, ignore_errors=True)
            os.rename(staging, directory)
            _drop_stale(root, keep=directory, scale=scale)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        elapsed = time.perf_counter() - started
        replica = load_cached(directory, key)
        if replica is None:
            raise ReplicaError(f"the replica just built in {directory} does not load back")
        logger.info("built the Polygon replica in %.2f s (%s)", elapsed, directory)
        return Replica(directory=directory, manifest=replica.manifest, built_now=True, build_seconds=elapsed)


def _scale_of(directory: Path) -> str:
    """The scale a cached replica was built at ("small" for caches from before scales existed)."""
    try:
        return str(json.loads((directory / MANIFEST_FILE).read_text()).get("scale", "small"))
    except (OSError, ValueError, AttributeError):
        return "unknown"


def _drop_stale(root: Path, keep: Path, scale: str = "small") -> None:
    """Remove replicas of this scale cached for other inputs (they can never be used again); the
    other scales' caches stay."""
    for entry in root.iterdir():
        if entry.is_dir() and entry != keep and len(entry.name) == 16 and not entry.name.startswith("."):
            if _scale_of(entry) in (scale, "unknown"):
                shutil.rmtree(entry, ignore_errors=True)


def build_into(directory: Path, key: str, cache_root: Path, scale: str = "small") -> Manifest:
    """Build the replica on a fresh anvil and write state, checksum and manifest into `directory`."""
    # The builder's modules (web3 and friends) load only when a build is needed: a cached replica
    # loads without them.
    from bot.addressbook import load
    from bot.replica import (
        aave,
        algebra,
        balancer,
        balancer_stable,
        curve,
        curve_aave,
        curve_registry,
        full_build,
        multicall,
        sushiswap_v3,
        tokens,
        uniswap_v2,
        uniswap_v3,
    )
    from bot.replica.admin import ADMIN_ADDRESS
    from bot.replica.anvil import AnvilProcess
    from bot.replica.chain import Chain
    from bot.replica.context import BuildContext
    from bot.replica.placement import Placer, dump_state_bytes
    from bot.replica.solidity import compile_sources

    book = load(137)
    sources = [
        REPLICA_CONTRACTS / "ReplicaToken.sol",
        REPLICA_CONTRACTS / "RateProviderReplica.sol",
        REPLICA_CONTRACTS / "AlgebraLiquiditySeeder.sol",
    ]
    if curve.available():
        sources.append(curve.SOURCE)
    sources.append(curve_registry.SOURCE)
    if (REPLICA_CONTRACTS / f"{curve_aave.CONTRACT}.sol").is_file():
        sources.append(REPLICA_CONTRACTS / f"{curve_aave.CONTRACT}.sol")
    own = compile_sources(sources, cache_root / "solc")
    full = scale == "full"
    # Without --prune-history anvil keeps the state of every block, and a block costs more the more
    # blocks there are: the full replica's ~2,000 transactions would take minutes instead of seconds.
    # The code-size limit is lifted for the build only: the npm build of Algebra V1 exceeds EIP-170
    # (docs/algebra.md). Placed code is copied, so forks of the replica need no such flag.
    extra = ["--timestamp", str(GENESIS_TIMESTAMP), "--disable-code-size-limit"]
    extra += ["--prune-history"] if full else []
    with AnvilProcess(extra_args=extra) as node:
        chain = Chain(node.url, ADMIN_ADDRESS)
        chain.rpc("anvil_setBlockTimestampInterval", [BLOCK_INTERVAL_S])
        ctx = BuildContext(chain=chain, placer=Placer(chain), book=book, own=own)

        # Batch 1: everything whose constructor needs nothing placed yet.
        tokens.deploy(ctx)
        multicall.deploy(ctx)
        uniswap_v2.deploy(ctx)
        uniswap_v3.deploy(ctx)
        sushiswap_v3.deploy(ctx)
        algebra.deploy(ctx)
        balancer.deploy_core(ctx)
        aave.deploy_provider(ctx)
        ctx.placer.flush()
        # Batch 2: constructors that read batch-1 contracts at their canonical addresses.
        tokens.fund_admin(ctx)
        balancer.deploy_periphery(ctx)
        aave.deploy_acl(ctx)
        ctx.placer.flush()
        # Batch 3.
        balancer.deploy_factory(ctx)
        balancer_stable.deploy_factory(ctx)
        aave.deploy_market(ctx)
        curve.deploy(ctx)
        curve_registry.deploy(ctx)
        ctx.placer.flush()
        # Configure and seed at table prices.
        uniswap_v3.configure(ctx)
        sushiswap_v3.configure(ctx)
        aave.configure(ctx)
        if full:
            # every venue kind of bot.replica.full_layout; its SushiSwap V3 and Algebra pools include
            # the small replica's
            full_build.seed(ctx)
        else:
            uniswap_v2.seed(ctx)
            uniswap_v3.seed(ctx)
            balancer.seed(ctx)
            sushiswap_v3.seed(ctx)
            algebra.seed(ctx)
        balancer_stable.seed(ctx)
        aave.seed(ctx)
        curve.seed(ctx)
        curve_registry.list_pools(ctx)
        # Curve's aave pool holds aTokens, which exist only now: placed and seeded last.
        curve_aave.deploy(ctx)
        ctx.placer.flush()
        curve_aave.seed(ctx)

        block = chain.block()
        manifest = Manifest(
            input_hash=key,
            scale=scale,
            admin=ADMIN_ADDRESS,
            block_number=int(block["number"], 16),
            block_timestamp=int(block["timestamp"], 16),
            prices_usd=dict(USD_PRICES),
            tokens=ctx.records["tokens"],
            v2_pairs=tuple(ctx.records.get("v2_pairs", ())),
            v3_pools=tuple(ctx.records.get("v3_pools", ())),
            v3_fork_pools=tuple(ctx.records.get("v3_fork_pools", ())),
            algebra_pools=tuple(ctx.records.get("algebra_pools", ())),
            balancer_pools=tuple(ctx.records.get("balancer_pools", ())),
            balancer_stable_pools=tuple(ctx.records.get("balancer_stable_pools", ())),
            curve_pools=tuple(ctx.records.get("curve_pools", ())),
            curve_lending_pools=tuple(ctx.records.get("curve_lending_pools", ())),
            aave_reserves=tuple(ctx.records.get("aave_reserves", ())),
            aave_flashloan_premium_total=ctx.records.get("aave_flashloan_premium_total", 0),
            transactions=chain.tx_count,
        )
        state = dump_state_bytes(chain)
    state_path = directory / STATE_FILE
    state_path.write_bytes(state)
    (directory / CHECKSUM_FILE).write_text(_sha256(state_path) + "\n")
    (directory / MANIFEST_FILE).write_text(manifest.model_dump_json(indent=2) + "\n")
    return manifest
