"""Calldata and return data of the pool view functions the market reads.

Calls are encoded with eth-abi once per distinct call (the encodings are cached: a pool's per-block
calls are the same bytes every block). Return data is decoded by slicing 32-byte words: every
function read here returns static words or, for Vault.getPoolTokens, two arrays of words, and slicing
is an order of magnitude faster than a generic ABI decoder on the per-block path. Each decoder checks
the length it needs and raises ValueError otherwise, which the reader turns into a failed pool.
"""

from __future__ import annotations

from functools import cache, lru_cache

from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import to_checksum_address


def selector(signature: str) -> bytes:
    """The 4-byte selector of a function signature, e.g. "getReserves()"."""
    return bytes(function_signature_to_4byte_selector(signature))


GET_BLOCK_NUMBER = selector("getBlockNumber()")
GET_RESERVES = selector("getReserves()")
SLOT0 = selector("slot0()")
LIQUIDITY = selector("liquidity()")
TICK_SPACING = selector("tickSpacing()")
FEE = selector("fee()")
TOKEN0 = selector("token0()")
TOKEN1 = selector("token1()")
GET_NORMALIZED_WEIGHTS = selector("getNormalizedWeights()")
GET_SWAP_FEE_PERCENTAGE = selector("getSwapFeePercentage()")
GET_SCALING_FACTORS = selector("getScalingFactors()")
GET_BPT_INDEX = selector("getBptIndex()")
"""ComposableStable pools: where the pool's own BPT sits among its registered tokens."""
GET_AMPLIFICATION_PARAMETER = selector("getAmplificationParameter()")
GET_RATE_PROVIDERS = selector("getRateProviders()")
"""ComposableStable pools: each registered token's rate provider (zero: none)."""
GET_RATE = selector("getRate()")
"""A rate provider's current rate (18 decimals)."""
GET_CURRENT_BLOCK_TIMESTAMP = selector("getCurrentBlockTimestamp()")
"""Multicall3: the timestamp of the block a batch runs in."""


def get_token_rate_cache(token: str) -> bytes:
    """ComposableStablePool.getTokenRateCache(token) -> (rate, oldRate, duration, expires)."""
    return selector("getTokenRateCache(address)") + bytes(12) + bytes.fromhex(token[2:])


"""Stable pools: (value = A * 1000, isUpdating, precision)."""
CURVE_A = selector("A()")
CURVE_A_PRECISE = selector("A_precise()")
CURVE_ADMIN_FEE = selector("admin_fee()")
CURVE_OFFPEG_FEE_MULTIPLIER = selector("offpeg_fee_multiplier()")
DECIMALS = selector("decimals()")
_GET_PAIR = selector("getPair(address,address)")
_GET_POOL_V3 = selector("getPool(address,address,uint24)")
_TICK_BITMAP = selector("tickBitmap(int16)")
_TICKS = selector("ticks(int24)")
_GET_POOL_TOKENS = selector("getPoolTokens(bytes32)")
_GET_POOL_BALANCER = selector("getPool(bytes32)")
_COINS = selector("coins(uint256)")
_BALANCES = selector("balances(uint256)")

_from_bytes = int.from_bytes


# --- encoders -------------------------------------------------------------------------------------


@cache
def get_pair(token_a: str, token_b: str) -> bytes:
    """UniswapV2Factory.getPair(tokenA, tokenB)."""
    return _GET_PAIR + encode(["address", "address"], [token_a, token_b])


@cache
def get_pool_v3(token_a: str, token_b: str, fee: int) -> bytes:
    """UniswapV3Factory.getPool(tokenA, tokenB, fee)."""
    return _GET_POOL_V3 + encode(["address", "address", "uint24"], [token_a, token_b, fee])


@lru_cache(maxsize=1 << 16)
def tick_bitmap(word: int) -> bytes:
    """UniswapV3Pool.tickBitmap(int16 wordPosition)."""
    return _TICK_BITMAP + encode(["int16"], [word])


@lru_cache(maxsize=1 << 16)
def ticks(tick: int) -> bytes:
    """UniswapV3Pool.ticks(int24 tick)."""
    return _TICKS + encode(["int24"], [tick])


@cache
def get_pool_tokens(pool_id: bytes) -> bytes:
    """Vault.getPoolTokens(bytes32 poolId)."""
    return _GET_POOL_TOKENS + encode(["bytes32"], [pool_id])


@cache
def get_pool_balancer(pool_id: bytes) -> bytes:
    """Vault.getPool(bytes32 poolId) -> (address pool, uint8 specialization)."""
    return _GET_POOL_BALANCER + encode(["bytes32"], [pool_id])


@cache
def coins(index: int) -> bytes:
    """Curve pool coins(uint256 i)."""
    return _COINS + encode(["uint256"], [index])


@cache
def underlying_coins(index: int) -> bytes:
    """Curve lending pool underlying_coins(uint256 i)."""
    return selector("underlying_coins(uint256)") + encode(["uint256"], [index])


@cache
def balances(index: int) -> bytes:
    """Curve pool balances(uint256 i)."""
    return _BALANCES + encode(["uint256"], [index])


# --- decoders -------------------------------------------------------------------------------------


def _need(data: bytes, words: int, what: str) -> None:
    if len(data) < 32 * words:
        raise ValueError(f"{what}: expected at least {32 * words} bytes of return data, got {len(data)}")


def word(data: bytes, index: int = 0) -> int:
    """The unsigned 32-byte word number `index` of `data`."""
    end = 32 * index + 32
    if len(data) < end:
        raise ValueError(f"uint256: expected at least {end} bytes of return data, got {len(data)}")
    return _from_bytes(data[end - 32 : end], "big")


def signed_word(data: bytes, index: int = 0) -> int:
    """The word number `index` of `data` read as a two's complement int256 (covers int24, int128)."""
    end = 32 * index + 32
    if len(data) < end:
        raise ValueError(f"int256: expected at least {end} bytes of return data, got {len(data)}")
    return _from_bytes(data[end - 32 : end], "big", signed=True)


def address(data: bytes, index: int = 0) -> str:
    """The word number `index` of `data` read as an address (checksummed)."""
    value = word(data, index)
    if value >> 160:
        raise ValueError(f"address: word {index} has bits above 160: {value:#x}")
    return str(to_checksum_address(value.to_bytes(20, "big")))


def reserves(data: bytes) -> tuple[int, int]:
    """UniswapV2Pair.getReserves() -> (reserve0, reserve1); the timestamp is dropped."""
    if len(data) < 96:
        _need(data, 3, "getReserves")
    return _from_bytes(data[0:32], "big"), _from_bytes(data[32:64], "big")


def slot0(data: bytes) -> tuple[int, int]:
    """UniswapV3Pool.slot0() -> (sqrtPriceX96, tick); the oracle and fee fields are dropped."""
    if len(data) < 224:
        _need(data, 7, "slot0")
    return _from_bytes(data[0:32], "big"), _from_bytes(data[32:64], "big", signed=True)


def liquidity_net(data: bytes) -> int:
    """UniswapV3Pool.ticks(t) -> liquidityNet (the second word, an int128)."""
    if len(data) < 256:
        _need(data, 8, "ticks")
    return _from_bytes(data[32:64], "big", signed=True)


def uint_array(data: bytes, head_index: int = 0) -> tuple[int, ...]:
    """A uint256[] whose offset is in word `head_index` (a lone array return: head_index 0)."""
    offset = word(data, head_index)
    if offset % 32 or offset + 32 > len(data):
        raise ValueError(f"uint256[]: offset {offset} outside {len(data)} bytes of return data")
    length = _from_bytes(data[offset : offset + 32], "big")
    start = offset + 32
    if start + 32 * length > len(data):
        raise ValueError(f"uint256[]: {length} entries do not fit in {len(data)} bytes")
    return tuple(_from_bytes(data[k : k + 32], "big") for k in range(start, start + 32 * length, 32))


def pool_tokens_raw(data: bytes) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Vault.getPoolTokens(poolId) -> (tokens as integers, balances), without checksumming."""
    _need(data, 3, "getPoolTokens")
    raw_tokens = uint_array(data, 0)
    amounts = uint_array(data, 1)
    if len(raw_tokens) != len(amounts):
        raise ValueError(f"getPoolTokens: {len(raw_tokens)} tokens but {len(amounts)} balances")
    return raw_tokens, amounts


def pool_tokens(data: bytes) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Vault.getPoolTokens(poolId) -> (tokens, balances); lastChangeBlock is dropped."""
    _need(data, 3, "getPoolTokens")
    raw_tokens = uint_array(data, 0)
    for value in raw_tokens:
        if value >> 160:
            raise ValueError(f"getPoolTokens: token {value:#x} is not an address")
    tokens = tuple(str(to_checksum_address(v.to_bytes(20, "big"))) for v in raw_tokens)
    amounts = uint_array(data, 1)
    if len(tokens) != len(amounts):
        raise ValueError(f"getPoolTokens: {len(tokens)} tokens but {len(amounts)} balances")
    return tokens, amounts


def address_array(data: bytes, head_index: int = 0) -> tuple[str, ...]:
    """An address[] whose offset is in word `head_index` (a lone array return: head_index 0)."""
    values = uint_array(data, head_index)
    for value in values:
        if value >> 160:
            raise ValueError(f"address[]: {value:#x} is not an address")
    return tuple(str(to_checksum_address(v.to_bytes(20, "big"))) for v in values)
