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

from bot.errors import DeploymentError
from bot.execution.deployments import DEFAULT_PATH, Deployment, Deployments
from bot.execution.rpc import Rpc
from bot.market.abi import selector

logger = logging.getLogger(__name__)

NAME = "FlashArb"
IS_EXECUTOR = selector("isExecutor(address)")
PAUSED = selector("paused()")


@dataclass(frozen=True, slots=True)
class ChainIdentity:
    chain_id: int
    genesis: str


def identify(rpc: Rpc) -> ChainIdentity:
    """Chain id and genesis block hash of the connected chain."""
    chain_id = int(rpc.request("eth_chainId", []), 16)
    genesis = str(rpc.block(0)["hash"]).lower()
    return ChainIdentity(chain_id, genesis)


def find_flasharb(rpc: Rpc, network: str, path: Path = DEFAULT_PATH) -> Deployment:
    """The FlashArb deployment recorded for the connected chain, checked to have code."""
    chain = identify(rpc)
    record = Deployments(path).get(chain.chain_id, chain.genesis, NAME)
    deploy = f"ape run deploy --network {network} --account <owner alias> --executor <bot address>"
    if Path(path).resolve() != DEFAULT_PATH.resolve():
        deploy += f" --deployments {path}"
    if record is None:
        raise DeploymentError(
            f"no FlashArb deployment is recorded for chain {chain.chain_id} (genesis {chain.genesis}) in "
            f"{path}; deploy it first: {deploy}"
        )
    if not rpc.code(record.address):
        raise DeploymentError(
            f"FlashArb recorded at {record.address} in {path} has no code on chain {chain.chain_id} (was the "
            f"chain reset?); deploy again: {deploy} --redeploy"
        )
    return record


def is_executor(rpc: Rpc, flasharb: str, account: str) -> bool:
    return rpc.call(flasharb, IS_EXECUTOR + encode(["address"], [account]))[-1:] == b"\x01"


def is_paused(rpc: Rpc, flasharb: str) -> bool:
    return rpc.call(flasharb, PAUSED)[-1:] == b"\x01"


def check_executor(rpc: Rpc, record: Deployment, account: str, network: str) -> None:
    """DeploymentError unless `account` may start trades on the recorded FlashArb."""
    if not is_executor(rpc, record.address, account):
        raise DeploymentError(
            f"account {to_checksum_address(account)} is not an executor of FlashArb at {record.address}; "
            f"the owner {record.owner} adds it with: ape run deploy --network {network} "
            f"--account <owner alias> --executor {to_checksum_address(account)}"
        )


def simulation_sender(rpc: Rpc, record: Deployment, account: str | None, network: str) -> str:
    """The account simulations run from: the bot's account, or (a dry run without one) the first
    recorded executor that still is one."""
    if account is not None:
        check_executor(rpc, record, account, network)
        return str(to_checksum_address(account))
    for candidate in record.executors:
        if is_executor(rpc, record.address, candidate):
            logger.info("dry run without an account: simulating as executor %s", candidate)
            return candidate
    raise DeploymentError(
        f"a dry run without --account simulates as one of FlashArb's executors, and FlashArb at "
        f"{record.address} has none recorded; pass --account <alias> of an executor, or add one with: "
        f"ape run deploy --network {network} --account <owner alias> --executor <address>"
    )
