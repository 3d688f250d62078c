"""Deploy FlashArb once per chain, or find and verify the deployment already there.

`ensure_flasharb` is idempotent: with a record for this chain (id + genesis hash) in the deployments
file, it checks that the address still carries the recorded code, that the code was built from the
current source, and that owner, Aave Pool, Balancer Vault and the accepted pool factories are as
expected; it adds any requested executor and any address-book Curve pool that is missing and otherwise
sends nothing. Without a record it deploys with the address book's protocol addresses and factories,
sets the executors, allow-lists the book's Curve pools that exist on this chain, and records the result.

FlashArb accepts a Uniswap V2 pair only at the CREATE2 address its factory gives the pair's tokens, so
it needs each factory's pair init code hash *as deployed on this chain*. The address book carries the
real Polygon value (`init_code_hash`) and the replica's (`replica_init_code_hash`, Uniswap V2 bytecode
for every V2 DEX); `pool_factories` picks the one that the factory's first pair actually proves, and
refuses to deploy when neither does.

ape objects (project, chain, account) are passed in, so this module imports without a network.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_abi.abi import decode, encode
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


PoolFactory = tuple[str, str]
"""(factory address, init code hash as 0x hex): FlashArb's constructor struct PoolFactory."""


def _call(w3: Any, to: str, signature: str, types: list[str], args: list[Any], out: list[str]) -> Any:
    data = keccak(text=signature)[:4] + encode(types, args)
    return decode(out, bytes(w3.eth.call({"to": to_checksum_address(to), "data": "0x" + data.hex()})))


def _create2(factory: str, salt: bytes, init_code_hash: str) -> str:
    raw = keccak(b"\xff" + bytes.fromhex(factory[2:]) + salt + bytes.fromhex(init_code_hash[2:]))
    return str(to_checksum_address(raw[12:]))


def v2_init_code_hash(w3: Any, dex: Any) -> str:
    """The pair init code hash of V2 DEX `dex` (address book entry) on the connected chain: the book's
    real-chain value or its replica value, whichever the factory's first pair's address proves."""
    candidates = list(dict.fromkeys((dex.init_code_hash, dex.replica_init_code_hash)))
    try:
        (count,) = _call(w3, dex.factory, "allPairsLength()", [], [], ["uint256"])
        if count == 0:
            raise DeploymentError(
                f"{dex.name} factory {dex.factory} has no pairs: cannot prove its init code hash"
            )
        (pair,) = _call(w3, dex.factory, "allPairs(uint256)", ["uint256"], [0], ["address"])
        (token0,) = _call(w3, pair, "token0()", [], [], ["address"])
        (token1,) = _call(w3, pair, "token1()", [], [], ["address"])
    except DeploymentError:
        raise
    except Exception as exc:  # any RPC or decoding failure: the factory is not what the book says
        raise DeploymentError(
            f"{dex.name} factory {dex.factory}: cannot read its first pair ({exc})"
        ) from exc
    salt = keccak(bytes.fromhex(token0[2:]) + bytes.fromhex(token1[2:]))
    for candidate in candidates:
        if _create2(dex.factory, salt, candidate) == to_checksum_address(pair):
            return str(candidate)
    raise DeploymentError(
        f"{dex.name} pair {pair} is not at the CREATE2 address of factory {dex.factory} with any known init "
        f"code hash ({', '.join(candidates)}): add the right hash to the address book"
    )


MAX_V3_FACTORIES = 2
"""FlashArb.MAX_V3_FACTORIES: Uniswap V3's factory and one other running the same code."""


def pool_factories(w3: Any, book: Any) -> tuple[list[PoolFactory], list[PoolFactory]]:
    """FlashArb's constructor arguments `v2Factories` and `v3Factories` for the connected chain: every V2
    DEX, and Uniswap V3's factory followed by the address book's `uniswap_v3_forks` (SushiSwap V3), each
    with the pool init code hash its pools' CREATE2 addresses are made with."""
    v2 = [(str(dex.factory), v2_init_code_hash(w3, dex)) for dex in book.uniswap_v2_dexes]
    v3 = [(str(book.uniswap_v3.factory), str(book.uniswap_v3.pool_init_code_hash))]
    v3 += [(str(fork.factory), str(fork.pool_init_code_hash)) for fork in book.uniswap_v3_forks]
    if len(v3) > MAX_V3_FACTORIES:
        raise DeploymentError(
            f"the address book names {len(v3)} Uniswap V3-code factories; FlashArb accepts {MAX_V3_FACTORIES}"
        )
    return v2, v3


def algebra_deployer(w3: Any, book: Any) -> PoolFactory:
    """FlashArb's constructor argument `algebraDeployer` for the connected chain: the QuickSwap V3
    (Algebra) pool deployer and the pool init code hash that one of its pools proves (the book's real
    Polygon value or its replica value, which differ: docs/algebra.md)."""
    algebra = book.quickswap_v3
    candidates = list(dict.fromkeys((algebra.pool_init_code_hash, algebra.replica_pool_init_code_hash)))
    tokens = sorted((t.address for t in book.tokens.values()), key=str.lower)
    for i, token0 in enumerate(tokens):
        for token1 in tokens[i + 1 :]:
            try:
                (pool,) = _call(
                    w3,
                    algebra.factory,
                    "poolByPair(address,address)",
                    ["address", "address"],
                    [token0, token1],
                    ["address"],
                )
            except Exception as exc:  # any RPC or decoding failure: the factory is not what the book says
                raise DeploymentError(
                    f"QuickSwap V3 factory {algebra.factory}: poolByPair failed ({exc})"
                ) from exc
            if int(pool, 16) == 0:
                continue
            salt = keccak(encode(["address", "address"], [token0, token1]))
            for candidate in candidates:
                if _create2(algebra.pool_deployer, salt, candidate) == to_checksum_address(pool):
                    return str(algebra.pool_deployer), str(candidate)
            raise DeploymentError(
                f"QuickSwap V3 pool {pool} is not at the CREATE2 address of pool deployer "
                f"{algebra.pool_deployer} with any known init code hash ({', '.join(candidates)}): add the "
                "right hash to the address book"
            )
    logger.warning("no QuickSwap V3 pool among the address book's tokens: FlashArb gets Polygon's pool hash")
    return str(algebra.pool_deployer), str(algebra.pool_init_code_hash)


def curve_pools(chain: Any, book: Any) -> tuple[str, ...]:
    """The address book's Curve pools that exist on the connected chain (replica pools on the replica),
    and the pools Curve's registry lists there whose coins are all in the book."""
    from bot.market.multicall import Multicall
    from bot.market.pool_sources import curve_pools_among

    pools = (*book.curve.pools, *book.curve.replica_pools)
    own = [str(p.address) for p in pools if chain.provider.get_code(p.address)]
    if book.curve.address_provider is not None and chain.provider.get_code(book.curve.address_provider):
        multicall = Multicall(chain.provider.web3, book.multicall3.address)
        tokens = [t.address for t in book.tokens.values()]
        own += [str(p.address) for p in curve_pools_among(multicall, book, tokens)]
    return tuple(dict.fromkeys(own))


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
    unlisted = [p for p in curve_pools(chain, book) if not contract.curvePoolCoins(p)]
    if not missing and not unlisted:
        logger.info("FlashArb at %s verified on chain %s: nothing to change", record.address, chain_id)
        return DeployResult(record.address, "unchanged")
    if to_checksum_address(account.address) != record.owner:
        raise DeploymentError(
            f"FlashArb at {record.address}: executors {missing} / Curve pools {unlisted} are not set, and "
            f"only the owner {record.owner} can set them (the account given is {account.address})"
        )
    hashes = tuple(_set_executor(contract, e, account) for e in missing)
    hashes += tuple(_list_curve_pool(contract, p, account) for p in unlisted)
    updated = record.model_copy(update={"executors": tuple(dict.fromkeys(record.executors + tuple(missing)))})
    deployments.record(chain_id, genesis, NAME, updated)
    return DeployResult(record.address, "updated", hashes)


def _set_executor(contract: Any, executor: str, account: Any) -> str:
    receipt = contract.setExecutor(executor, True, sender=account)
    logger.info("FlashArb at %s: executor %s added (tx %s)", contract.address, executor, receipt.txn_hash)
    return str(receipt.txn_hash)


def _list_curve_pool(contract: Any, pool: str, account: Any) -> str:
    receipt = contract.setCurvePool(pool, True, sender=account)
    logger.info(
        "FlashArb at %s: Curve pool %s allow-listed (tx %s)", contract.address, pool, receipt.txn_hash
    )
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
    v2, v3 = pool_factories(chain.provider.web3, book)
    algebra = algebra_deployer(chain.provider.web3, book)
    contract = account.deploy(project.FlashArb, pool, vault, account.address, v2, v3, algebra)
    receipt = chain.get_receipt(contract.txn_hash)
    hashes = [str(receipt.txn_hash)] + [_set_executor(contract, e, account) for e in executors]
    hashes += [_list_curve_pool(contract, p, account) for p in curve_pools(chain, book)]
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
    checks: dict[str, tuple[Any, Any]] = {
        "owner": (to_checksum_address(contract.owner()), record.owner),
        "AAVE_POOL": (to_checksum_address(contract.AAVE_POOL()), to_checksum_address(book.aave_v3.pool)),
        "BALANCER_VAULT": (
            to_checksum_address(contract.BALANCER_VAULT()),
            to_checksum_address(book.balancer_v2.vault),
        ),
    }
    v2, v3 = pool_factories(chain.provider.web3, book)
    checks["v2Factories"] = (_factories(contract.v2Factories()), [(to_checksum_address(f), h) for f, h in v2])
    checks["v3Factories"] = (_factories(contract.v3Factories()), [(to_checksum_address(f), h) for f, h in v3])
    algebra = algebra_deployer(chain.provider.web3, book)
    checks["ALGEBRA_POOL_DEPLOYER"] = (
        _factories([(contract.ALGEBRA_POOL_DEPLOYER(), contract.ALGEBRA_INIT_CODE_HASH())]),
        [(to_checksum_address(algebra[0]), algebra[1])],
    )
    for name, (live, expected) in checks.items():
        if live != expected:
            raise DeploymentError(f"{where}: {name} is {live}, expected {expected}; pass --redeploy")
    for executor in record.executors:
        if not contract.isExecutor(executor):
            raise DeploymentError(
                f"{where}: recorded executor {executor} is no longer an executor on chain; set it again "
                "with the owner account, or remove it from the record"
            )
    return contract


def _factories(values: Any) -> list[tuple[str, str]]:
    """(factory, init code hash) pairs as returned by the contract, normalised for comparison."""
    out = []
    for factory, code_hash in values:
        raw = code_hash if isinstance(code_hash, (bytes, bytearray)) else bytes.fromhex(str(code_hash)[2:])
        out.append((str(to_checksum_address(factory)), "0x" + bytes(raw).hex()))
    return out
