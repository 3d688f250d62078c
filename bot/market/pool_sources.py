"""Where pools come from on a real chain: factory and Vault event logs, and Curve's on-chain registry.

- **V3-like factories** (`v3_like_factories`): every pool a factory created, from its creation events
  scanned from the factory's deployment block (`bot.market.logscan`). One table entry per factory:
  its name, address, deployment block and the event layout (`EVENT_LAYOUTS`: Uniswap V3's
  `PoolCreated(token0, token1, fee, tickSpacing, pool)`, Algebra's `Pool(token0, token1, pool)`).
  SushiSwap V3 runs Uniswap V3 code, so it is one more entry with the "uniswap_v3" layout.
- **Balancer V2**: every pool registered in the Vault (`PoolRegistered`) with its tokens
  (`TokensRegistered` less `TokensDeregistered`), from the Vault's deployment block.
- **Curve**: the AddressProvider (`get_registry()`, `get_address(3)`, the stable factory) names the
  registries; each lists its pools (`pool_count()`, `pool_list(i)`) and their coins (`get_coins(pool)`,
  a fixed array of 8 in the main registry and 4 in the factory, zero-padded). Crypto registries are not
  read: their pools run a different invariant the bot does not model.

Every source keeps only the pools whose tokens are all in the address book (a Balancer pool's own BPT
among its tokens, as in ComposableStable pools, does not count against it).

A chain whose head is below a contract's deployment block is not the chain the block was recorded on
(the local replica, a dev chain, both chain 137): there the scan starts at block 0.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from bot.addressbook import AddressBook
from bot.market import abi
from bot.market.logscan import Log, LogScanner
from bot.market.multicall import Call, Multicall

logger = logging.getLogger(__name__)

ZERO = "0x" + "00" * 20


def topic(signature: str) -> str:
    """topic 0 of an event, e.g. topic("Swap(address,uint256)")."""
    return "0x" + keccak(text=signature).hex()


def _topic_address(value: str) -> str:
    return str(to_checksum_address("0x" + value[-40:]))


def _data_words(data: str) -> list[int]:
    raw = bytes.fromhex(data.removeprefix("0x"))
    return [int.from_bytes(raw[i : i + 32], "big") for i in range(0, len(raw) - len(raw) % 32, 32)]


def _signed24(value: int) -> int:
    value &= (1 << 256) - 1
    return value - (1 << 256) if value >= 1 << 255 else value


# --- V3-like factories ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FactoryPool:
    """A pool a V3-like factory created."""

    factory: str
    """The table entry's name ("uniswap_v3", ...)."""
    address: str
    """The pool."""
    token0: str
    """token0."""
    token1: str
    """token1."""
    fee: int | None
    """The fee tier (hundredths of a bip); None for a dynamic-fee (Algebra) pool."""
    tick_spacing: int | None
    """The tick spacing the event gives; None where the event does not carry it."""


@dataclass(frozen=True, slots=True)
class EventLayout:
    """How to read one factory's creation event."""

    signature: str
    """The event signature, e.g. "PoolCreated(address,address,uint24,int24,address)"."""
    decode: Callable[[str, Log], FactoryPool]
    """(factory name, log) -> the pool it announces."""


def _uniswap_v3_pool(name: str, log: Log) -> FactoryPool:
    # PoolCreated(address indexed token0, address indexed token1, uint24 indexed fee,
    #             int24 tickSpacing, address pool)
    words = _data_words(log.data)
    if len(log.topics) != 4 or len(words) != 2:
        raise ValueError(f"{name}: malformed PoolCreated log in block {log.block}")
    return FactoryPool(
        name,
        str(to_checksum_address("0x" + f"{words[1]:064x}"[-40:])),
        _topic_address(log.topics[1]),
        _topic_address(log.topics[2]),
        int(log.topics[3], 16),
        _signed24(words[0]),
    )


def _algebra_pool(name: str, log: Log) -> FactoryPool:
    # Pool(address indexed token0, address indexed token1, address pool)
    words = _data_words(log.data)
    if len(log.topics) != 3 or len(words) != 1:
        raise ValueError(f"{name}: malformed Pool log in block {log.block}")
    return FactoryPool(
        name,
        str(to_checksum_address("0x" + f"{words[0]:064x}"[-40:])),
        _topic_address(log.topics[1]),
        _topic_address(log.topics[2]),
        None,
        None,
    )


EVENT_LAYOUTS: dict[str, EventLayout] = {
    "uniswap_v3": EventLayout("PoolCreated(address,address,uint24,int24,address)", _uniswap_v3_pool),
    "algebra": EventLayout("Pool(address,address,address)", _algebra_pool),
}
"""Creation-event layouts by name: a new V3-like DEX reuses one of these or adds its own."""


@dataclass(frozen=True, slots=True)
class V3LikeFactory:
    """One factory whose pools are found from its creation events."""

    name: str
    """The venue's name in this project ("uniswap-v3", "sushiswap-v3"): the pools' `dex`."""
    address: str
    """The factory."""
    deployment_block: int
    """Where the scan starts on the real chain."""
    layout: str
    """A key of EVENT_LAYOUTS."""


def v3_like_factories(book: AddressBook) -> tuple[V3LikeFactory, ...]:
    """The V3-like factories of the address book, one entry each."""
    uniswap = V3LikeFactory(
        "uniswap-v3", book.uniswap_v3.factory, book.uniswap_v3.factory_deployment_block, "uniswap_v3"
    )
    forks = (
        V3LikeFactory(fork.name, fork.factory, fork.factory_deployment_block, "uniswap_v3")
        for fork in book.uniswap_v3_forks
    )
    return (uniswap, *forks)


def start_block(deployment_block: int, head: int) -> int:
    """The deployment block, or 0 on a chain too short to have it (a replica; see the module docstring)."""
    return deployment_block if deployment_block <= head else 0


def factory_pools(
    scanner: LogScanner, factory: V3LikeFactory, head: int, tokens: Iterable[str]
) -> list[FactoryPool]:
    """The pools `factory` created whose two tokens are both among `tokens`."""
    layout = EVENT_LAYOUTS.get(factory.layout)
    if layout is None:
        raise ValueError(
            f"factory {factory.name}: unknown event layout {factory.layout!r}; known: {list(EVENT_LAYOUTS)}"
        )
    result = scanner.scan(
        factory.name,
        factory.address,
        [topic(layout.signature)],
        start_block(factory.deployment_block, head),
        head,
    )
    wanted = {t.lower() for t in tokens}
    pools = []
    for log in result.logs:
        if log.address.lower() != factory.address.lower():
            continue
        pool = layout.decode(factory.name, log)
        if pool.token0.lower() in wanted and pool.token1.lower() in wanted:
            pools.append(pool)
    logger.info(
        "pools: %s created %d pools, %d among the book's tokens", factory.name, len(result.logs), len(pools)
    )
    return pools


# --- Balancer V2 ------------------------------------------------------------------------------

POOL_REGISTERED = topic("PoolRegistered(bytes32,address,uint8)")
TOKENS_REGISTERED = topic("TokensRegistered(bytes32,address[],address[])")
TOKENS_DEREGISTERED = topic("TokensDeregistered(bytes32,address[])")


@dataclass(frozen=True, slots=True)
class RegisteredPool:
    """A pool registered in the Balancer Vault, with its tokens as the logs tell them."""

    pool_id: str
    """0x-hex bytes32."""
    address: str
    """The pool contract."""
    specialization: int
    """0 general, 1 minimal swap info, 2 two tokens."""
    tokens: tuple[str, ...]
    """Registered tokens (registration order; the Vault sorts them for two-token pools)."""


def _address_array(data: str, head_word: int) -> list[str]:
    words = _data_words(data)
    offset = words[head_word] // 32
    count = words[offset]
    return [
        str(to_checksum_address("0x" + f"{w:064x}"[-40:])) for w in words[offset + 1 : offset + 1 + count]
    ]


def vault_pools(scanner: LogScanner, book: AddressBook, head: int) -> list[RegisteredPool]:
    """Every pool registered in the Vault, with its current tokens, from the Vault's logs."""
    vault = book.balancer_v2.vault
    topics = [POOL_REGISTERED, TOKENS_REGISTERED, TOKENS_DEREGISTERED]
    result = scanner.scan(
        "balancer_vault", vault, topics, start_block(book.balancer_v2.vault_deployment_block, head), head
    )
    pools: dict[str, tuple[str, int]] = {}
    tokens: dict[str, list[str]] = {}
    for log in result.logs:
        if log.address.lower() != vault.lower():
            continue
        pool_id = log.topics[1].lower()
        if log.topics[0] == POOL_REGISTERED:
            # PoolRegistered(bytes32 indexed poolId, address indexed poolAddress, uint8 specialization)
            words = _data_words(log.data)
            pools[pool_id] = (_topic_address(log.topics[2]), words[0] if words else 0)
        elif log.topics[0] == TOKENS_REGISTERED:
            tokens.setdefault(pool_id, []).extend(_address_array(log.data, 0))
        elif log.topics[0] == TOKENS_DEREGISTERED:
            gone = {t.lower() for t in _address_array(log.data, 0)}
            tokens[pool_id] = [t for t in tokens.get(pool_id, []) if t.lower() not in gone]
    return [
        RegisteredPool(pid, address, spec, tuple(tokens.get(pid, ())))
        for pid, (address, spec) in pools.items()
    ]


def balancer_pools_among(pools: Sequence[RegisteredPool], tokens: Iterable[str]) -> list[RegisteredPool]:
    """The registered pools with at least two tokens, all among `tokens` (the pool's own BPT aside)."""
    wanted = {t.lower() for t in tokens}
    kept = []
    for pool in pools:
        own = [t for t in pool.tokens if t.lower() != pool.address.lower()]
        if len(own) >= 2 and all(t.lower() in wanted for t in own):
            kept.append(pool)
    return kept


def modelled_only(multicall: Multicall, pools: Sequence[RegisteredPool]) -> list[RegisteredPool]:
    """The Balancer pool kinds the math models: weighted pools (they answer getNormalizedWeights()) and
    ComposableStable pools (they register their own BPT among their tokens)."""
    if not pools:
        return []
    results = multicall.aggregate3([Call(p.address, abi.GET_NORMALIZED_WEIGHTS) for p in pools])
    return [
        pool
        for pool, result in zip(pools, results, strict=True)
        if (result.success and len(result.data) >= 64)
        or any(t.lower() == pool.address.lower() for t in pool.tokens)
    ]


# --- Curve --------------------------------------------------------------------------------------

_GET_REGISTRY = abi.selector("get_registry()")
_GET_ADDRESS = abi.selector("get_address(uint256)")
_POOL_COUNT = abi.selector("pool_count()")
_POOL_LIST = abi.selector("pool_list(uint256)")
_GET_COINS = abi.selector("get_coins(address)")
CURVE_STABLE_FACTORY_ID = 3
"""AddressProvider id of the stable (metapool) factory; id 0 is the main registry."""


@dataclass(frozen=True, slots=True)
class CurveListedPool:
    """A pool a Curve registry lists."""

    registry: str
    """The registry or factory that lists it."""
    address: str
    """The pool."""
    coins: tuple[str, ...]
    """Its coins in index order."""


def _address_result(success: bool, data: bytes) -> str | None:
    if not success or len(data) < 32:
        return None
    found = abi.address(data, 0)
    return None if found == ZERO else found


def curve_registries(multicall: Multicall, provider: str) -> list[str]:
    """The main registry and the stable factory the AddressProvider names (those that exist)."""
    results = multicall.aggregate3(
        [
            Call(provider, _GET_REGISTRY),
            Call(provider, _GET_ADDRESS + encode(["uint256"], [CURVE_STABLE_FACTORY_ID])),
        ]
    )
    found = [_address_result(r.success, r.data) for r in results]
    return list(dict.fromkeys(a for a in found if a is not None))


def curve_listed_pools(multicall: Multicall, registry: str) -> list[CurveListedPool]:
    """Every pool `registry` lists, with its coins (two Multicall3 round trips)."""
    (count_result,) = multicall.aggregate3([Call(registry, _POOL_COUNT)])
    if not count_result.success or len(count_result.data) < 32:
        logger.warning("pools: Curve registry %s does not answer pool_count(); skipped", registry)
        return []
    count = abi.word(count_result.data)
    addresses = []
    for result in multicall.aggregate3(
        [Call(registry, _POOL_LIST + encode(["uint256"], [i])) for i in range(count)]
    ):
        pool = _address_result(result.success, result.data)
        if pool is not None:
            addresses.append(pool)
    coins_results = multicall.aggregate3(
        [Call(registry, _GET_COINS + encode(["address"], [p])) for p in addresses]
    )
    listed = []
    for pool, result in zip(addresses, coins_results, strict=True):
        if not result.success:
            continue
        coins = []
        for k in range(len(result.data) // 32):
            coin = abi.address(result.data, k)
            if coin == ZERO:
                break
            coins.append(coin)
        listed.append(CurveListedPool(registry, pool, tuple(coins)))
    return listed


def curve_pools_among(
    multicall: Multicall, book: AddressBook, tokens: Iterable[str]
) -> list[CurveListedPool]:
    """The pools of Curve's registries (through the book's AddressProvider) whose coins are all among
    `tokens`; none where the chain has no AddressProvider."""
    provider = book.curve.address_provider
    if provider is None:
        return []
    (code,) = multicall.aggregate3([Call(provider, _GET_REGISTRY)])
    if not code.success:
        logger.info(
            "pools: no Curve AddressProvider answers at %s; Curve pools come from the book only", provider
        )
        return []
    wanted = {t.lower() for t in tokens}
    kept: dict[str, CurveListedPool] = {}
    for registry in curve_registries(multicall, provider):
        listed = curve_listed_pools(multicall, registry)
        among = [p for p in listed if len(p.coins) >= 2 and all(c.lower() in wanted for c in p.coins)]
        logger.info(
            "pools: Curve registry %s lists %d pools, %d among the book's tokens",
            registry,
            len(listed),
            len(among),
        )
        for pool in among:
            kept.setdefault(pool.address.lower(), pool)
    return list(kept.values())
