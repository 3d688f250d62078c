"""Find the pools among a configured token set, and read their static data once.

Two Multicall3 round trips at one block:
1. every V2 factory's getPair and every V3 factory's getPool (Uniswap V3 and the address book's
   `uniswap_v3_forks`, such as SushiSwap V3; per fee tier) for each token pair, the
   Vault's getPool/getPoolTokens for each configured Balancer pool id, and coins/A/A_precise/admin_fee
   of each configured Curve pool;
2. the static data of what round 1 found: V3 tickSpacing, Balancer weights, swap fee and scaling
   factors, the decimals of Curve coins;
then QuickSwap V3 (Algebra) pools by the factory's poolByPair and their dataStorageOperator (two more,
see bot.market.algebra).

V2 pairs are found with `factory.getPair`, never by CREATE2: on the replica every V2 DEX runs Uniswap
V2 bytecode, so SushiSwap's real init code hash does not hold there (see the address book).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from itertools import combinations

from eth_utils.address import is_hex_address, to_checksum_address

from bot.addressbook import AddressBook
from bot.errors import ConfigError
from bot.market import abi
from bot.market.algebra import discover_algebra
from bot.market.multicall import BlockId, Call, CallResult, Multicall
from bot.market.pools import (
    BalancerPoolInfo,
    BalancerStablePoolInfo,
    CurvePoolInfo,
    PoolSet,
    V2PairInfo,
    V3PoolInfo,
)

logger = logging.getLogger(__name__)

V3_FEE_TIERS = (100, 500, 3000, 10000)
"""The Uniswap V3 fee tiers the factory enables on Polygon (hundredths of a bip)."""
MAX_CURVE_COINS = 8
_ZERO = "0x" + "00" * 20


def _token_address(book: AddressBook, token: str) -> str:
    if is_hex_address(token):
        return str(to_checksum_address(token))
    return book.token(token).address


def _pool_id(value: str) -> str:
    text = value.lower()
    if not text.startswith("0x") or len(text) != 66 or any(c not in "0123456789abcdef" for c in text[2:]):
        raise ConfigError(f"Balancer pool id {value!r} must be 0x followed by 64 hex digits")
    return text


def discover(
    multicall: Multicall,
    book: AddressBook,
    tokens: Sequence[str],
    *,
    v3_fees: Sequence[int] = V3_FEE_TIERS,
    balancer_pool_ids: Sequence[str] = (),
    curve_pools: Sequence[str] = (),
    block: BlockId = "latest",
    v3_pools: Sequence[V3PoolInfo] | None = None,
) -> PoolSet:
    """The pools among `tokens` (symbols or addresses) on every V2 DEX and Uniswap V3 fee tier of the
    address book, plus the configured Balancer pools (by pool id) and Curve pools (by address).
    A configured Balancer or Curve pool that does not answer raises ConfigError naming it.
    `v3_pools`, when given (found from the factory's logs, `bot.market.pool_sources`), replaces the
    getPool lookups per fee tier."""
    addresses = sorted({_token_address(book, t) for t in tokens}, key=str.lower)
    if len(addresses) < 2 and not balancer_pool_ids and not curve_pools:
        raise ConfigError(f"discovery needs at least two tokens, got {list(tokens)}")
    pool_ids = [_pool_id(p) for p in balancer_pool_ids]
    curve_addresses = []
    for pool in curve_pools:
        if not is_hex_address(pool):
            raise ConfigError(f"Curve pool {pool!r} is not an address")
        curve_addresses.append(str(to_checksum_address(pool)))
    pairs = list(combinations(addresses, 2))
    vault = book.balancer_v2.vault

    # round 1: where the pools are
    calls: list[Call] = []
    v2_keys = []
    for dex in book.uniswap_v2_dexes:
        for a, b in pairs:
            v2_keys.append((dex, a, b))
            calls.append(Call(dex.factory, abi.get_pair(a, b)))
    v3_keys = []
    v3_factories = [("uniswap-v3", book.uniswap_v3.factory)]
    v3_factories += [(fork.name, fork.factory) for fork in book.uniswap_v3_forks]
    for venue, factory in v3_factories if v3_pools is None else ():
        for a, b in pairs:
            for fee in v3_fees:
                v3_keys.append((a, b, fee, venue))
                calls.append(Call(factory, abi.get_pool_v3(a, b, fee)))
    for pool_id in pool_ids:
        raw = bytes.fromhex(pool_id[2:])
        calls.append(Call(vault, abi.get_pool_balancer(raw)))
        calls.append(Call(vault, abi.get_pool_tokens(raw)))
    for pool in curve_addresses:
        calls.extend(Call(pool, abi.coins(i)) for i in range(MAX_CURVE_COINS))
        calls.extend(Call(pool, data) for data in (abi.CURVE_A, abi.CURVE_A_PRECISE, abi.CURVE_ADMIN_FEE))
        # a lending pool of the aave-pool template answers these too
        calls.extend(Call(pool, abi.underlying_coins(i)) for i in range(MAX_CURVE_COINS))
        calls.append(Call(pool, abi.CURVE_OFFPEG_FEE_MULTIPLIER))
    results = iter(multicall.aggregate3(calls, block))

    v2 = []
    for dex, a, b in v2_keys:
        found = _address_or_none(next(results))
        if found is not None:
            v2.append(V2PairInfo(found, dex.name, a, b, dex.fee_bps))
    v3_found = []
    for a, b, fee, venue in v3_keys:
        found = _address_or_none(next(results))
        if found is not None:
            v3_found.append((found, a, b, fee, venue))
    balancer_found = []
    for pool_id in pool_ids:
        pool_result, tokens_result = next(results), next(results)
        if not (pool_result.success and tokens_result.success):
            raise ConfigError(f"Balancer pool id {pool_id} is not registered in the Vault {vault}")
        address = abi.address(pool_result.data, 0)
        pool_tokens, _ = abi.pool_tokens(tokens_result.data)
        balancer_found.append((pool_id, address, pool_tokens))
    curve_found = []
    for pool in curve_addresses:
        coin_results = [next(results) for _ in range(MAX_CURVE_COINS)]
        a_result, a_precise_result, admin_fee_result = next(results), next(results), next(results)
        underlying_results = [next(results) for _ in range(MAX_CURVE_COINS)]
        offpeg_result = next(results)
        coins: list[str] = []
        for result in coin_results:
            coin = _address_or_none(result)
            if coin is None:
                break
            coins.append(coin)
        if len(coins) < 2 or not a_result.success:
            raise ConfigError(f"Curve pool {pool} does not answer coins(i) and A() like a StableSwap pool")
        a_value = abi.word(a_result.data)
        a_precision = 1
        if a_precise_result.success and a_value > 0:
            a_precision = max(1, abi.word(a_precise_result.data) // a_value)
        admin_fee = abi.word(admin_fee_result.data) if admin_fee_result.success else 0
        underlying = _curve_underlying(pool, len(coins), underlying_results, offpeg_result)
        curve_found.append((pool, tuple(coins), a_precision, admin_fee, underlying))

    # round 2: their static data
    calls = []
    for address, _, _, _, _ in v3_found:
        calls.append(Call(address, abi.TICK_SPACING))
    for _, address, _ in balancer_found:
        calls.extend(
            Call(address, data)
            for data in (
                abi.GET_NORMALIZED_WEIGHTS,
                abi.GET_SWAP_FEE_PERCENTAGE,
                abi.GET_SCALING_FACTORS,
                abi.GET_BPT_INDEX,
                abi.GET_AMPLIFICATION_PARAMETER,
            )
        )
    for _, coin_list, _, _, _ in curve_found:
        calls.extend(Call(coin, abi.DECIMALS) for coin in coin_list)
    results = iter(multicall.aggregate3(calls, block))

    v3 = list(v3_pools or ())
    for address, a, b, fee, venue in v3_found:
        result = next(results)
        if not result.success:
            logger.warning("discovery: V3 pool %s does not answer tickSpacing(); skipped", address)
            continue
        v3.append(V3PoolInfo(address, a, b, fee, abi.word(result.data), venue))
    balancer = []
    balancer_stable = []
    for pool_id, address, pool_tokens in balancer_found:
        weights, swap_fee, scaling = next(results), next(results), next(results)
        bpt_index, amp = next(results), next(results)
        if (
            not weights.success
            and bpt_index.success
            and amp.success
            and swap_fee.success
            and scaling.success
            and address in pool_tokens
            and pool_tokens.index(address) == abi.word(bpt_index.data)
        ):
            balancer_stable.append(
                BalancerStablePoolInfo(pool_id, address, pool_tokens, abi.word(bpt_index.data))
            )
            continue
        if not (weights.success and swap_fee.success and scaling.success):
            raise ConfigError(
                f"Balancer pool {pool_id} ({address}) does not answer getNormalizedWeights, "
                "getSwapFeePercentage and getScalingFactors, nor getBptIndex and getAmplificationParameter "
                "with its own BPT registered: only weighted and ComposableStable pools are supported"
            )
        balancer.append(
            BalancerPoolInfo(
                pool_id=pool_id,
                address=address,
                tokens=pool_tokens,
                normalized_weights=abi.uint_array(weights.data),
                swap_fee_percentage=abi.word(swap_fee.data),
                scaling_factors=abi.uint_array(scaling.data),
            )
        )
    curve = []
    for pool, coin_list, a_precision, admin_fee, underlying in curve_found:
        multipliers = []
        for coin in coin_list:
            result = next(results)
            if not result.success:
                raise ConfigError(f"Curve pool {pool}: coin {coin} does not answer decimals()")
            decimals = abi.word(result.data)
            if decimals > 18:
                raise ConfigError(f"Curve pool {pool}: coin {coin} has {decimals} decimals (more than 18)")
            multipliers.append(10 ** (18 - decimals))
        curve.append(
            CurvePoolInfo(
                pool,
                coin_list,
                tuple(multipliers),
                a_precision,
                admin_fee,
                underlying_coins=underlying,
                lending=bool(underlying),
            )
        )

    if balancer_stable:
        balancer_stable = _stable_rates(multicall, balancer_stable, block)
    algebra = (
        discover_algebra(multicall, book.quickswap_v3.factory, addresses, block) if len(addresses) > 1 else ()
    )
    pool_set = PoolSet(tuple(v2), tuple(v3), tuple(balancer), tuple(curve), tuple(balancer_stable), algebra)
    logger.info(
        "discovery: %d tokens -> %d V2 pairs, %d V3 pools, %d Balancer pools (%d stable), %d Curve, "
        "%d Algebra pools",
        len(addresses),
        len(v2),
        len(v3),
        len(balancer) + len(balancer_stable),
        len(balancer_stable),
        len(curve),
        len(algebra),
    )
    return pool_set


def _stable_rates(
    multicall: Multicall, pools: list[BalancerStablePoolInfo], block: BlockId
) -> list[BalancerStablePoolInfo]:
    """A third round trip, only when ComposableStable pools were found: their rate providers and the
    decimals of their tokens (the scaling factor a fresh rate multiplies)."""
    calls: list[Call] = []
    for pool in pools:
        calls.append(Call(pool.address, abi.GET_RATE_PROVIDERS))
        calls.extend(Call(t, abi.DECIMALS) for k, t in enumerate(pool.tokens) if k != pool.bpt_index)
    results = iter(multicall.aggregate3(calls, block))
    found = []
    for pool in pools:
        providers_result = next(results)
        if not providers_result.success:
            raise ConfigError(
                f"Balancer stable pool {pool.pool_id} ({pool.address}) does not answer getRateProviders"
            )
        providers = abi.address_array(providers_result.data)
        if len(providers) != len(pool.tokens):
            raise ConfigError(
                f"Balancer stable pool {pool.address}: {len(providers)} rate providers "
                f"for {len(pool.tokens)} tokens"
            )
        bases = []
        for k, token in enumerate(pool.tokens):
            if k == pool.bpt_index:
                bases.append(10**18)
                continue
            result = next(results)
            decimals = abi.word(result.data) if result.success and len(result.data) >= 32 else None
            if decimals is None or decimals > 18:
                raise ConfigError(
                    f"Balancer stable pool {pool.address}: token {token} has no usable decimals()"
                )
            bases.append(10**18 * 10 ** (18 - decimals))
        found.append(
            BalancerStablePoolInfo(
                pool.pool_id, pool.address, pool.tokens, pool.bpt_index, tuple(providers), tuple(bases)
            )
        )
    return found


def _curve_underlying(
    pool: str, count: int, underlying: Sequence[CallResult], offpeg: CallResult
) -> tuple[str, ...]:
    """A lending pool's underlying coins (the aave-pool template: it answers offpeg_fee_multiplier()
    and underlying_coins(i) for each coin); () for any other pool. Pools with underlying coins but no
    off-peg fee (compound-style lending pools, metapools) move by rates this bot does not model: their
    wrapped coins alone are traded."""
    if not offpeg.success or len(offpeg.data) < 32:
        return ()
    found: list[str] = []
    for result in underlying[:count]:
        coin = _address_or_none(result)
        if coin is None:
            logger.warning("discovery: Curve pool %s lacks underlying coin %d", pool, len(found))
            return ()
        found.append(coin)
    return tuple(found)


def _address_or_none(result: CallResult) -> str | None:
    """The address a successful call returned, or None for a revert or the zero address."""
    if not result.success or len(result.data) < 32:
        return None
    found = abi.address(result.data, 0)
    return None if found == _ZERO else found
