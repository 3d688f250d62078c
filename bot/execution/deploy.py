"""Deploy FlashArb once per chain, or find and verify the deployment already there.

`ensure_flasharb` is idempotent: with a record for this chain (id + genesis hash) in the deployments
file, it checks that the address still carries the recorded code, that the code was built from the
current source, and that owner, Aave Pool and Balancer Vault are as recorded; it adds any requested
executor that is missing and otherwise sends nothing. Without a record it deploys with the address
book's protocol addresses, sets the executors and records the result.

ape objects (project, chain, account) are passed in, so this module imports without a network.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from bot.errors import DeploymentError
from bot.execution.deployments import DEFAULT_PATH, Deployment, Deployments

logger = logging.getLogger(__name__)

NAME = "FlashArb"


@dataclass(frozen=True)
class DeployResult:
    """What `ensure_flasharb` found or did."""

    address: str
    """FlashArb's address on this chain."""
    action: str
    """"deployed", "updated" (executors added) or "unchanged"."""
    transactions: tuple[str, ...] = field(default=())
    """Hashes of the transactions sent (none when unchanged)."""


def chain_identity(chain: Any) -> tuple[int, str]:
    """(chain id, genesis block hash) of the connected chain."""
    genesis = chain.provider.web3.eth.get_block(0)["hash"]
    return int(chain.chain_id), "0x" + bytes(genesis).hex()


def _hash(code: bytes) -> str:
    return "0x" + keccak(code).hex()


def ensure_flasharb(
    *,
    project: Any,
    chain: Any,
    account: Any,
    book: Any,
    executors: tuple[str, ...] = (),
    redeploy: bool = False,
    path: Path = DEFAULT_PATH,
) -> DeployResult:
    """Finds and verifies FlashArb on the connected chain, or deploys it; see the module docstring."""
    chain_id, genesis = chain_identity(chain)
    wanted = tuple(dict.fromkeys(to_checksum_address(e) for e in executors))
    deployments = Deployments(path)
    creation_hash = _hash(
        bytes.fromhex(project.FlashArb.contract_type.deployment_bytecode.bytecode.removeprefix("0x"))
    )
    record = None if redeploy else deployments.get(chain_id, genesis, NAME)
    if record is None:
        return _deploy(project, chain, account, book, wanted, deployments, chain_id, genesis, creation_hash)
    contract = _verify(project, chain, book, record, creation_hash, chain_id, deployments.path)
    missing = [e for e in wanted if not contract.isExecutor(e)]
    if not missing:
        logger.info("FlashArb at %s verified on chain %s: nothing to change", record.address, chain_id)
        return DeployResult(record.address, "unchanged")
    if to_checksum_address(account.address) != record.owner:
        raise DeploymentError(
            f"FlashArb at {record.address}: executors {missing} are not set, and only the owner "
            f"{record.owner} can set them (the account given is {account.address})"
        )
    hashes = tuple(_set_executor(contract, e, account) for e in missing)
    updated = record.model_copy(update={"executors": tuple(dict.fromkeys(record.executors + tuple(missing)))})
    deployments.record(chain_id, genesis, NAME, updated)
    return DeployResult(record.address, "updated", hashes)


def _set_executor(contract: Any, executor: str, account: Any) -> str:
    receipt = contract.setExecutor(executor, True, sender=account)
    logger.info("FlashArb at %s: executor %s added (tx %s)", contract.address, executor, receipt.txn_hash)
    return str(receipt.txn_hash)


def _deploy(
    project: Any,
    chain: Any,
    account: Any,
    book: Any,
    executors: tuple[str, ...],
    deployments: Deployments,
    chain_id: int,
    genesis: str,
    creation_hash: str,
) -> DeployResult:
    pool, vault = book.aave_v3.pool, book.balancer_v2.vault
    for name, address in (("Aave V3 Pool", pool), ("Balancer V2 Vault", vault)):
        if not chain.provider.get_code(address):
            raise DeploymentError(
                f"the address book's {name} {address} has no code on chain {chain_id}: wrong network, or "
                "start the replica (`ape run replica`) and point FLASHARB_REPLICA_RPC at it"
            )
    contract = account.deploy(project.FlashArb, pool, vault, account.address)
    receipt = chain.get_receipt(contract.txn_hash)
    hashes = [str(receipt.txn_hash)] + [_set_executor(contract, e, account) for e in executors]
    code = bytes(chain.provider.get_code(contract.address))
    deployments.record(
        chain_id,
        genesis,
        NAME,
        Deployment(
            address=to_checksum_address(contract.address),
            code_hash=_hash(code),
            creation_code_hash=creation_hash,
            owner=to_checksum_address(account.address),
            executors=executors,
            aave_pool=to_checksum_address(pool),
            balancer_vault=to_checksum_address(vault),
            block_number=int(receipt.block_number),
            transaction=str(receipt.txn_hash),
        ),
    )
    logger.info("FlashArb deployed at %s on chain %s (genesis %s)", contract.address, chain_id, genesis)
    return DeployResult(to_checksum_address(contract.address), "deployed", tuple(hashes))


def _verify(
    project: Any, chain: Any, book: Any, record: Deployment, creation_hash: str, chain_id: int, path: Path
) -> Any:
    where = f"FlashArb at {record.address} (chain {chain_id}, recorded in {path})"
    code = bytes(chain.provider.get_code(record.address))
    if not code:
        raise DeploymentError(
            f"{where} has no code: the chain was reset or the record is wrong; pass --redeploy"
        )
    if _hash(code) != record.code_hash:
        raise DeploymentError(
            f"{where}: code hash {_hash(code)} differs from the recorded {record.code_hash}; pass --redeploy"
        )
    if record.creation_code_hash != creation_hash:
        raise DeploymentError(
            f"{where} was built from another source (creation code {record.creation_code_hash}, "
            f"current build {creation_hash}); pass --redeploy to deploy the current one"
        )
    contract = project.FlashArb.at(record.address)
    checks = {
        "owner": (to_checksum_address(contract.owner()), record.owner),
        "AAVE_POOL": (to_checksum_address(contract.AAVE_POOL()), to_checksum_address(book.aave_v3.pool)),
        "BALANCER_VAULT": (
            to_checksum_address(contract.BALANCER_VAULT()),
            to_checksum_address(book.balancer_v2.vault),
        ),
    }
    for name, (live, expected) in checks.items():
        if live != expected:
            raise DeploymentError(f"{where}: {name} is {live}, expected {expected}")
    for executor in record.executors:
        if not contract.isExecutor(executor):
            raise DeploymentError(
                f"{where}: recorded executor {executor} is no longer an executor on chain; set it again "
                "with the owner account, or remove it from the record"
            )
    return contract
