"""The deployments file: where FlashArb lives on each chain, and how it was set up.

`.data/deployments.json` under the project root (git-ignored, beside the journal), keyed by chain
id and then by the chain's genesis block hash, so two chains with one id (the local Polygon replica
and real Polygon are both 137) never read each other's entries:

    {"137": {"0x<genesis hash>": {"FlashArb": {"address": "0x...", "code_hash": "0x...", ...}}}}

Reading and writing only; checking a record against the chain is `bot.execution.deploy`'s job.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import DeploymentError

DEFAULT_PATH = Path(__file__).resolve().parents[2] / ".data" / "deployments.json"


def _hex32(value: str) -> str:
    if not (isinstance(value, str) and value.startswith("0x") and len(value) == 66):
        raise ValueError(f"expected a 0x-prefixed 32-byte hex string, got {value!r}")
    int(value, 16)
    return value.lower()


class Deployment(BaseModel):
    """One deployed contract and the settings it was deployed and configured with."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    address: str
    """The contract's address."""
    code_hash: str
    """keccak256 of the runtime code on chain (immutables included) right after deployment."""
    creation_code_hash: str
    """keccak256 of the compiled creation bytecode it was deployed from (detects a changed source)."""
    owner: str
    """The owner it was deployed with (or last seen with)."""
    executors: tuple[str, ...] = ()
    """Accounts set as executors through the deploy command."""
    aave_pool: str
    """Constructor argument: the Aave V3 Pool."""
    balancer_vault: str
    """Constructor argument: the Balancer V2 Vault."""
    block_number: int = Field(ge=0)
    """The block of the deployment transaction."""
    transaction: str
    """The deployment transaction's hash."""

    _check_hashes = field_validator("code_hash", "creation_code_hash", "transaction")(_hex32)


class Deployments:
    """The whole file, loaded once; `record` writes it back atomically."""

    def __init__(self, path: Path = DEFAULT_PATH) -> None:
        self.path = Path(path)
        self._data: dict[str, dict[str, dict[str, Deployment]]] = self._load()

    def _load(self) -> dict[str, dict[str, dict[str, Deployment]]]:
        if not self.path.exists():
            return {}
        try:
            raw = json.loads(self.path.read_text())
        except json.JSONDecodeError as err:
            raise DeploymentError(f"{self.path} is not valid JSON ({err}); fix or remove the file") from err
        if not isinstance(raw, dict):
            raise DeploymentError(f"{self.path}: expected an object keyed by chain id")
        data: dict[str, dict[str, dict[str, Deployment]]] = {}
        for chain_id, chains in raw.items():
            for genesis, contracts in chains.items():
                for name, entry in contracts.items():
                    try:
                        record = Deployment.model_validate(entry)
                    except ValidationError as err:
                        raise DeploymentError(
                            f"{self.path}: entry {name} on chain {chain_id} (genesis {genesis}) is invalid: "
                            f"{err}"
                        ) from err
                    data.setdefault(str(chain_id), {}).setdefault(genesis.lower(), {})[name] = record
        return data

    def get(self, chain_id: int, genesis_hash: str, name: str) -> Deployment | None:
        """The record of `name` on the chain with this id and genesis block, if any."""
        return self._data.get(str(chain_id), {}).get(genesis_hash.lower(), {}).get(name)

    def record(self, chain_id: int, genesis_hash: str, name: str, deployment: Deployment) -> None:
        """Stores `deployment` and rewrites the file atomically (temp file + rename)."""
        self._data.setdefault(str(chain_id), {}).setdefault(genesis_hash.lower(), {})[name] = deployment
        payload = {
            chain: {
                g: {n: d.model_dump(mode="json") for n, d in sorted(c.items())} for g, c in sorted(gs.items())
            }
            for chain, gs in sorted(self._data.items())
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".deployments.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(payload, handle, indent=2)
                handle.write("\n")
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
