"""Compile the replica's own Solidity (contracts/replica/) with the project's solc-js shim.

The builder runs before ape, so it calls `tools/solc-js-shim.js --standard-json` itself with the
settings of ape-config.yaml (0.8.28, cancun, optimizer 1,000,000 runs). The output is cached in
`.cache/replica/solc/` by the hash of the sources and settings: solc-js needs seconds per run.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bot.errors import ReplicaError
from bot.replica.anvil import PROJECT_ROOT
from bot.replica.artifacts import Artifact

REPLICA_CONTRACTS = PROJECT_ROOT / "contracts" / "replica"
SHIM = PROJECT_ROOT / "tools" / "solc-js-shim.js"
SETTINGS: dict[str, Any] = {
    "evmVersion": "cancun",
    "optimizer": {"enabled": True, "runs": 1_000_000},
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
}


def compile_sources(files: list[Path], cache_dir: Path) -> dict[str, Artifact]:
    """Compile `files` (paths under contracts/replica) and return contract name -> Artifact."""
    sources = {f"contracts/replica/{path.name}": {"content": path.read_text()} for path in files}
    request = {"language": "Solidity", "sources": sources, "settings": SETTINGS}
    text = json.dumps(request, sort_keys=True)
    key = hashlib.sha256(text.encode()).hexdigest()[:32]
    cached = cache_dir / f"{key}.json"
    output: dict[str, Any] | None = None
    if cached.is_file():
        try:
            output = json.loads(cached.read_text())
        except json.JSONDecodeError:
            output = None
    if output is None:
        output = _run_solc(text)
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            json.dump(output, handle)
        os.replace(tmp, cached)
    artifacts: dict[str, Artifact] = {}
    for contracts in output.get("contracts", {}).values():
        for name, compiled in contracts.items():
            artifacts[name] = Artifact(
                name=name, abi=compiled["abi"], bytecode=compiled["evm"]["bytecode"]["object"]
            )
    return artifacts


def _run_solc(request: str) -> dict[str, Any]:
    try:
        done = subprocess.run(
            ["node", str(SHIM), "--standard-json", "--base-path", str(PROJECT_ROOT)],
            input=request.encode(),
            capture_output=True,
            check=False,
            timeout=300,
        )
    except FileNotFoundError as exc:
        raise ReplicaError("node is not on PATH: the replica compiles its contracts with solc-js") from exc
    if done.returncode != 0:
        raise ReplicaError(f"solc-js failed: {done.stderr.decode(errors='replace')[-2000:]}")
    output: dict[str, Any] = json.loads(done.stdout)
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise ReplicaError(
            "contracts/replica does not compile:\n" + "\n".join(e["formattedMessage"] for e in errors)
        )
    return output
