"""Which pools the bot tracks: every Uniswap V2 pair (each V2 DEX of the address book) among the
configured tokens, and the pools found on the chain itself among them (`bot.market.pool_sources`):
- V3-like pools from their factories' creation logs,
- Balancer weighted pools from the Vault's registration logs,
- Curve pools from Curve's registries (through the AddressProvider), plus the address book's own
  Curve pools that have code here.

The logs are read from each contract's deployment block in chunks, with retries, and kept on disk per
chain (`bot.market.logscan`): the first start on real Polygon reads years of history and logs its
progress; later starts read only the blocks since.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from bot.addressbook import AddressBook
from bot.execution.rpc import Rpc
from bot.market.discovery import discover
from bot.market.logscan import DEFAULT_CHUNK_BLOCKS, LogScanner
from bot.market.multicall import Multicall
from bot.market.pool_sources import (
    balancer_pools_among,
    curve_pools_among,
    factory_pools,
    modelled_only,
    v3_like_factories,
    vault_pools,
)
from bot.market.pools import PoolSet, V3PoolInfo

logger = logging.getLogger(__name__)


def balancer_pool_ids(
    scanner: LogScanner, multicall: Multicall, book: AddressBook, tokens: Sequence[str], head: int
) -> list[str]:
    """Weighted and ComposableStable pools registered in the Vault whose tokens (a stable pool's own BPT
    aside) are all among `tokens`."""
    registered = vault_pools(scanner, book, head)
    among = modelled_only(multicall, balancer_pools_among(registered, tokens))
    logger.info(
        "pools: the Vault registered %d pools, %d weighted or composable stable among the book's tokens",
        len(registered),
        len(among),
    )
    return [p.pool_id for p in among]


def v3_pools(
    scanner: LogScanner, multicall: Multicall, book: AddressBook, tokens: Sequence[str], head: int
) -> list[V3PoolInfo]:
    """Uniswap V3-code pools (Uniswap's and its forks', SushiSwap V3) among `tokens`, from each
    factory's PoolCreated logs."""
    found = []
    for factory in v3_like_factories(book):
        if factory.layout != "uniswap_v3":
            continue  # other layouts are tracked by their own venue kinds
        for pool in factory_pools(scanner, factory, head, tokens):
            if pool.fee is None or pool.tick_spacing is None:
                continue
            found.append(
                V3PoolInfo(pool.address, pool.token0, pool.token1, pool.fee, pool.tick_spacing, factory.name)
            )
    return found


def curve_pools(rpc: Rpc, multicall: Multicall, book: AddressBook, tokens: Sequence[str]) -> list[str]:
    """Curve's registry pools among `tokens`, and the address book's Curve pools (real and replica)
    among them that have code here."""
    wanted = {t.lower() for t in tokens}
    listed = [p.address for p in curve_pools_among(multicall, book, tokens)]
    own = [
        p.address
        for p in (*book.curve.pools, *book.curve.replica_pools)
        if all(c.lower() in wanted for c in p.coins) and rpc.code(p.address)
    ]
    return list(dict.fromkeys([*own, *listed]))


def tracked_pools(
    rpc: Rpc,
    multicall: Multicall,
    book: AddressBook,
    symbols: Sequence[str],
    extra_balancer_pool_ids: Sequence[str] = (),
    *,
    cache_dir: Path | None = None,
    chunk_blocks: int = DEFAULT_CHUNK_BLOCKS,
) -> PoolSet:
    """The pools among the tokens named by `symbols`, plus the Balancer pools `extra_balancer_pool_ids`
    (configured; a configured id the Vault does not know raises ConfigError). Scanned logs are cached
    in `cache_dir` (None: not cached)."""
    tokens = [book.token(s).address for s in symbols]
    scanner = LogScanner(rpc, cache_dir, chunk_blocks=chunk_blocks)
    head = int(rpc.block_number())
    scanned = balancer_pool_ids(scanner, multicall, book, tokens, head)
    ids = list(dict.fromkeys([*(p.lower() for p in extra_balancer_pool_ids), *(p.lower() for p in scanned)]))
    pools = discover(
        multicall,
        book,
        tokens,
        balancer_pool_ids=ids,
        curve_pools=curve_pools(rpc, multicall, book, tokens),
        v3_pools=v3_pools(scanner, multicall, book, tokens, head),
    )
    return pools
