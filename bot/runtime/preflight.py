"""Before the first block: FlashArb is deployed on this chain (a record in deployments.json for this
chain id and genesis block, with code at the address) and the sending account is one of its
executors. Otherwise a DeploymentError that says which command fixes it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from bot.errors import DeploymentError
from bot.execution.deployments import DEFAULT_PATH, Deployment, Deployments
from bot.execution.rpc import Rpc, as_int
from bot.market.abi import selector

logger = logging.getLogger(__name__)

NAME = "FlashArb"
IS_EXECUTOR = selector("isExecutor(address)")
PAUSED = selector("paused()")


@dataclass(frozen=True, slots=True)
class ChainIdentity:
    chain_id: int
    genesis: str


def _hex(value: object) -> str:
    """A 32-byte hash as lower-case 0x-hex, whether the node sent it as text or as bytes."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    text = str(value).lower()
    return text if text.startswith("0x") else "0x" + text


def identify(rpc: Rpc) -> ChainIdentity:
    """Chain id and genesis block hash of the connected chain."""
    chain_id = as_int(rpc.request("eth_chainId", []))
    genesis = _hex(rpc.block("earliest")["hash"])
    return ChainIdentity(chain_id, genesis)


def known_alias(address: str | None) -> str | None:
    """The ape account alias (or TEST::n on dev chains) that holds `address`, if this machine has it."""
    if address is None:
        return None
    try:
        from ape import accounts

        for alias in accounts.aliases:
            if accounts.load(alias).address.lower() == address.lower():
                return str(alias)
        for index, account in enumerate(accounts.test_accounts):
            if index >= 10:
                break
            if account.address.lower() == address.lower():
                return f"TEST::{index}"
    except Exception:  # noqa: BLE001 - a hint only: no ape project or accounts here means a placeholder
        return None
    return None


def deploy_command(
    network: str,
    path: Path,
    *,
    owner: str | None = None,
    executor: str | None = None,
    redeploy: bool = False,
) -> str:
    """The `ape run deploy` command that fixes a missing deployment or executor, ready to paste: the
    owner's alias when this machine knows it, and --deployments whenever the file is not the default."""
    alias = known_alias(owner) or "<owner alias>"
    parts = ["ape run deploy", f"--network {network}", f"--account {alias}"]
    parts.append(f"--executor {to_checksum_address(executor) if executor else '<bot address>'}")
    if Path(path).resolve() != DEFAULT_PATH.resolve():
        parts.append(f"--deployments {path}")
    if redeploy:
        parts.append("--redeploy")
    return " ".join(parts)


def find_flasharb(
    rpc: Rpc, network: str, path: Path = DEFAULT_PATH, account: str | None = None
) -> Deployment:
    """The FlashArb deployment recorded for the connected chain, checked to have code."""
    chain = identify(rpc)
    record = Deployments(path).get(chain.chain_id, chain.genesis, NAME)
    if record is None:
        deploy = deploy_command(network, path, owner=account, executor=account)
        raise DeploymentError(
            f"no FlashArb deployment is recorded for chain {chain.chain_id} (genesis {chain.genesis}) in "
            f"{path}; deploy it first: {deploy}"
        )
    code = rpc.code(record.address)
    if not code:
        deploy = deploy_command(network, path, owner=record.owner, executor=account, redeploy=True)
        raise DeploymentError(
            f"FlashArb recorded at {record.address} in {path} has no code on chain {chain.chain_id} (was the "
            f"chain reset?); deploy again: {deploy}"
        )
    found = "0x" + keccak(code).hex()
    if found.lower() != record.code_hash.lower():
        deploy = deploy_command(network, path, owner=record.owner, executor=account, redeploy=True)
        raise DeploymentError(
            f"the contract at {record.address} on chain {chain.chain_id} is not the FlashArb recorded in "
            f"{path}: its code hash is {found}, the record says {record.code_hash} (another contract "
            f"at that address, a reset chain, or a stale record); deploy again: {deploy}"
        )
    return record


def is_executor(rpc: Rpc, flasharb: str, account: str) -> bool:
    return rpc.call(flasharb, IS_EXECUTOR + encode(["address"], [account]))[-1:] == b"\x01"


def is_paused(rpc: Rpc, flasharb: str) -> bool:
    return rpc.call(flasharb, PAUSED)[-1:] == b"\x01"


def check_executor(
    rpc: Rpc, record: Deployment, account: str, network: str, path: Path = DEFAULT_PATH
) -> None:
    """DeploymentError unless `account` may start trades on the recorded FlashArb."""
    if not is_executor(rpc, record.address, account):
        deploy = deploy_command(network, path, owner=record.owner, executor=account)
        raise DeploymentError(
            f"account {to_checksum_address(account)} is not an executor of FlashArb at {record.address}; "
            f"the owner {record.owner} adds it with: {deploy}"
        )


def simulation_sender(
    rpc: Rpc, record: Deployment, account: str | None, network: str, path: Path = DEFAULT_PATH
) -> str:
    """The account simulations run from: the bot's account, or (a dry run without one) the first
    recorded executor that still is one."""
    if account is not None:
        check_executor(rpc, record, account, network, path)
        return str(to_checksum_address(account))
    for candidate in record.executors:
        if is_executor(rpc, record.address, candidate):
            logger.info("dry run without an account: simulating as executor %s", candidate)
            return candidate
    deploy = deploy_command(network, path, owner=record.owner)
    raise DeploymentError(
        f"a dry run without --account simulates as one of FlashArb's executors, and FlashArb at "
        f"{record.address} has none recorded; pass --account <alias> of an executor, or add one with: "
        f"{deploy}"
    )
