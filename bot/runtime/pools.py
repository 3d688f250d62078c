"""Which pools the bot tracks: every Uniswap V2 pair (each V2 DEX of the address book) and Uniswap V3
pool among the configured tokens, the Balancer weighted pools among them, and the Curve pools of the
address book that have code on this chain.

Balancer has no on-chain registry to ask by token. On a short chain (the local replica, a dev chain:
head below `LOG_SCAN_MAX_HEAD`) the pools come from the Vault's PoolRegistered events; on a long one
they are left out, and only the pool ids of the configuration (`balancer_pool_ids`) are tracked.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from bot.addressbook import AddressBook
from bot.execution.rpc import Rpc
from bot.market import abi
from bot.market.discovery import discover
from bot.market.multicall import Call, Multicall
from bot.market.pools import PoolSet

logger = logging.getLogger(__name__)

POOL_REGISTERED = "0x" + keccak(text="PoolRegistered(bytes32,address,uint8)").hex()
LOG_SCAN_MAX_HEAD = 1_000_000
"""Scan the Vault's whole log history only on chains shorter than this."""


def balancer_pool_ids(rpc: Rpc, multicall: Multicall, vault: str, tokens: Sequence[str]) -> list[str]:
    """Weighted and ComposableStable pools registered in the Vault whose tokens (a stable pool's own BPT
    aside) are all among `tokens` (short chains)."""
    head = rpc.block_number()
    if head >= LOG_SCAN_MAX_HEAD:
        logger.info("pools: chain is long (block %d): Balancer pools are not scanned from logs", head)
        return []
    logs = rpc.request(
        "eth_getLogs",
        [{"address": vault, "fromBlock": "0x0", "toBlock": hex(head), "topics": [POOL_REGISTERED]}],
    )
    found = [
        (str(log["topics"][1]), str(to_checksum_address("0x" + str(log["topics"][2])[-40:]))) for log in logs
    ]
    if not found:
        return []
    wanted = {t.lower() for t in tokens}
    calls = []
    for pool_id, address in found:
        calls.append(Call(vault, abi.get_pool_tokens(bytes.fromhex(pool_id[2:]))))
        calls.append(Call(address, abi.GET_NORMALIZED_WEIGHTS))
    results = multicall.aggregate3(calls)
    ids = []
    for k, (pool_id, address) in enumerate(found):
        pool_tokens, weights = results[2 * k], results[2 * k + 1]
        if not pool_tokens.success:
            continue
        listed, _ = abi.pool_tokens(pool_tokens.data)
        composable = address in listed  # a ComposableStable pool registers its own BPT
        if not (weights.success or composable):
            continue  # neither a weighted nor a composable pool
        if all(t.lower() in wanted for t in listed if t != address):
            ids.append(pool_id)
    return ids


def curve_pools(rpc: Rpc, book: AddressBook) -> list[str]:
    """The address book's Curve pools (real and replica) that have code here."""
    return [p.address for p in (*book.curve.pools, *book.curve.replica_pools) if rpc.code(p.address)]


def tracked_pools(
    rpc: Rpc,
    multicall: Multicall,
    book: AddressBook,
    symbols: Sequence[str],
    extra_balancer_pool_ids: Sequence[str] = (),
) -> PoolSet:
    """The pools among the tokens named by `symbols`, plus the Balancer pools `extra_balancer_pool_ids`
    (configured; a configured id the Vault does not know raises ConfigError)."""
    tokens = [book.token(s).address for s in symbols]
    scanned = balancer_pool_ids(rpc, multicall, book.balancer_v2.vault, tokens)
    ids = list(dict.fromkeys([*(p.lower() for p in extra_balancer_pool_ids), *(p.lower() for p in scanned)]))
    pools = discover(
        multicall,
        book,
        tokens,
        balancer_pool_ids=ids,
        curve_pools=curve_pools(rpc, book),
    )
    return pools
