"""The replica cache: valid caches load, stale or corrupt ones are rebuilt, never used."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.replica.build import (
    CHECKSUM_FILE,
    MANIFEST_FILE,
    STATE_FILE,
    ensure_replica,
    input_hash,
    load_cached,
)


@pytest.fixture
def cache_copy(replica: Any, tmp_path: Path) -> Path:
    """A copy of the session's cached replica in a private cache root, under its real key."""
    root = tmp_path / "cache"
    shutil.copytree(replica.directory, root / replica.directory.name)
    return root / replica.directory.name


def test_intact_cache_loads_without_building(replica: Any, cache_copy: Path) -> None:
    loaded = ensure_replica(cache_root=cache_copy.parent)
    assert loaded.built_now is False
    assert loaded.directory == cache_copy
    assert loaded.manifest == replica.manifest
    assert loaded.state_path.read_bytes() == replica.state_path.read_bytes()


def test_input_hash_is_the_key_of_the_session_replica(replica: Any) -> None:
    assert input_hash() == replica.manifest.input_hash
    assert replica.directory.name == replica.manifest.input_hash[:16]


@pytest.mark.parametrize(
    "damage",
    [
        "flip a byte of the state",
        "truncate the state",
        "drop the checksum",
        "break the manifest JSON",
        "manifest of other inputs",
    ],
)
def test_damaged_cache_is_not_used(replica: Any, cache_copy: Path, damage: str) -> None:
    state = cache_copy / STATE_FILE
    if damage == "flip a byte of the state":
        data = bytearray(state.read_bytes())
        data[len(data) // 2] ^= 0x01
        state.write_bytes(bytes(data))
    elif damage == "truncate the state":
        state.write_bytes(state.read_bytes()[:-10])
    elif damage == "drop the checksum":
        (cache_copy / CHECKSUM_FILE).unlink()
    elif damage == "break the manifest JSON":
        (cache_copy / MANIFEST_FILE).write_text("{")
    else:
        manifest = json.loads((cache_copy / MANIFEST_FILE).read_text())
        manifest["input_hash"] = "0" * 64
        (cache_copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    assert load_cached(cache_copy, replica.manifest.input_hash) is None


def test_corrupt_state_is_rebuilt_identically(replica: Any, cache_copy: Path) -> None:
    """One real rebuild (a few seconds): the damaged state is replaced, and the build is deterministic."""
    state = cache_copy / STATE_FILE
    data = bytearray(state.read_bytes())
    data[100] ^= 0x01
    state.write_bytes(bytes(data))
    rebuilt = ensure_replica(cache_root=cache_copy.parent)
    assert rebuilt.built_now is True
    assert rebuilt.directory == cache_copy
    assert load_cached(cache_copy, replica.manifest.input_hash) is not None
    assert rebuilt.manifest == replica.manifest
    assert sorted(p.name for p in cache_copy.parent.iterdir() if not p.name.startswith(".")) == [
        cache_copy.name,
        "solc",
    ]
