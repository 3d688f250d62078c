"""bot.execution.deploy on the fork: deploy once, then find, verify and change nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.errors import DeploymentError
from bot.execution.deploy import chain_identity, ensure_flasharb
from bot.execution.deployments import Deployments


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "deployments.json"


def _ensure(project: Any, chain: Any, account: Any, book: Any, path: Path, *executors: str, **kw: Any) -> Any:
    return ensure_flasharb(
        project=project, chain=chain, account=account, book=book, executors=executors, path=path, **kw
    )


def test_deploy_then_idempotent(
    project: Any, chain: Any, owner: Any, book: Any, accounts: Any, path: Path
) -> None:
    bot_account = accounts[6].address
    first = _ensure(project, chain, owner, book, path, bot_account)
    curve = [
        p.address
        for p in (*book.curve.pools, *book.curve.replica_pools)
        if chain.provider.get_code(p.address)
    ]
    # deploy, the executor, and one allow-listing per Curve pool of the book that exists on this chain
    assert first.action == "deployed" and len(first.transactions) == 2 + len(curve)
    flasharb = project.FlashArb.at(first.address)
    assert flasharb.owner() == owner.address and flasharb.isExecutor(bot_account)
    assert flasharb.AAVE_POOL() == book.aave_v3.pool and flasharb.BALANCER_VAULT() == book.balancer_v2.vault
    assert all(flasharb.curvePoolCoins(p) for p in curve)
    assert [f for f, _ in flasharb.v2Factories()] == [d.factory for d in book.uniswap_v2_dexes]

    chain_id, genesis = chain_identity(chain)
    stored = json.loads(path.read_text())
    assert stored[str(chain_id)][genesis]["FlashArb"]["address"] == first.address

    nonce = owner.nonce
    second = _ensure(project, chain, owner, book, path, bot_account)
    assert (second.action, second.address, second.transactions) == ("unchanged", first.address, ())
    assert owner.nonce == nonce  # nothing was sent

    third = _ensure(project, chain, owner, book, path, bot_account, accounts[7].address)
    assert third.action == "updated" and len(third.transactions) == 1
    assert flasharb.isExecutor(accounts[7])
    assert Deployments(path).get(chain_id, genesis, "FlashArb").executors == (
        bot_account,
        accounts[7].address,
    )


def test_records_are_per_genesis(project: Any, chain: Any, owner: Any, book: Any, path: Path) -> None:
    """Another chain with the same id (another genesis) does not see this chain's record."""
    _ensure(project, chain, owner, book, path)
    chain_id, genesis = chain_identity(chain)
    data = json.loads(path.read_text())
    other = "0x" + "ab" * 32
    data[str(chain_id)] = {other: data[str(chain_id)][genesis]}
    path.write_text(json.dumps(data))
    result = _ensure(project, chain, owner, book, path)
    assert result.action == "deployed"
    assert set(json.loads(path.read_text())[str(chain_id)]) == {other, genesis}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("code_hash", "0x" + "00" * 32, "differs from the recorded"),
        ("creation_code_hash", "0x" + "00" * 32, "built from another source"),
        ("owner", "0x" + "11" * 20, "owner is"),
        ("address", "0x" + "22" * 20, "has no code"),
    ],
)
def test_mismatched_record_is_reported(
    field: str, value: str, message: str, project: Any, chain: Any, owner: Any, book: Any, path: Path
) -> None:
    _ensure(project, chain, owner, book, path)
    chain_id, genesis = chain_identity(chain)
    data = json.loads(path.read_text())
    data[str(chain_id)][genesis]["FlashArb"][field] = value
    path.write_text(json.dumps(data))
    with pytest.raises(DeploymentError, match=message):
        _ensure(project, chain, owner, book, path)
    assert _ensure(project, chain, owner, book, path, redeploy=True).action == "deployed"


def test_executor_removed_on_chain_is_reported(
    project: Any, chain: Any, owner: Any, book: Any, accounts: Any, path: Path
) -> None:
    result = _ensure(project, chain, owner, book, path, accounts[6].address)
    project.FlashArb.at(result.address).setExecutor(accounts[6], False, sender=owner)
    with pytest.raises(DeploymentError, match="no longer an executor"):
        _ensure(project, chain, owner, book, path)


def test_only_the_owner_adds_executors(
    project: Any, chain: Any, owner: Any, stranger: Any, book: Any, accounts: Any, path: Path
) -> None:
    _ensure(project, chain, owner, book, path)
    with pytest.raises(DeploymentError, match="only the owner"):
        _ensure(project, chain, stranger, book, path, accounts[6].address)


def test_corrupt_file_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "deployments.json"
    bad.write_text("{not json")
    with pytest.raises(DeploymentError, match="not valid JSON"):
        Deployments(bad)
    bad.write_text(json.dumps({"137": {"0x" + "00" * 32: {"FlashArb": {"address": "0x1"}}}}))
    with pytest.raises(DeploymentError, match="entry FlashArb on chain 137"):
        Deployments(bad)
