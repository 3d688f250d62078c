"""Plain eth_call reads of pool state for the parity tests, and the chain's own quotes.

Deliberately simple (one call per value, Multicall3 only to read bitmap words in bulk): the batched
reader the bot uses lives in bot/market. Everything here returns plain ints and the bot.amm states.
"""

from __future__ import annotations

from typing import Any

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from web3.exceptions import ContractLogicError, Web3RPCError

from bot.amm.balancer_weighted import WeightedPoolState
from bot.amm.curve_stableswap import CurvePoolState
from bot.amm.tick_bitmap import ticks_from_bitmap, word_range_for_ticks
from bot.amm.tick_math import MAX_TICK, MIN_TICK
from bot.amm.v3_pool import V3PoolState

MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"


MAX_UINT = 2**256 - 1
ERC20 = [  # approve and balanceOf, for ape.Contract(token, abi=ERC20)
    {
        "type": "function",
        "name": name,
        "stateMutability": mutability,
        "inputs": [{"name": f"a{k}", "type": t} for k, t in enumerate(inputs)],
        "outputs": [{"name": "", "type": out}],
    }
    for name, mutability, inputs, out in [
        ("approve", "nonpayable", ["address", "uint256"], "bool"),
        ("balanceOf", "view", ["address"], "uint256"),
    ]
]


class Reverted(Exception):
    """The call reverted on chain."""


def call(
    w3: Any,
    to: str,
    signature: str,
    args: tuple = (),
    returns: tuple[str, ...] = ("uint256",),
    sender: str | None = None,
) -> Any:
    """eth_call `signature` (e.g. "fee()") on `to` (from `sender` if given); returns the decoded tuple
    (or its only item). A revert raises Reverted at once: no call trace is built for it (ape's own
    revert handling traces the call, which takes minutes for a loop that runs out its iterations)."""
    name, _, rest = signature.partition("(")
    types_in = _split_types(rest[:-1])
    data = function_signature_to_4byte_selector(signature) + encode(types_in, list(args))
    request = {"to": to_checksum_address(to), "data": "0x" + data.hex()}
    if sender is not None:
        request["from"] = to_checksum_address(sender)
    try:
        raw = w3.eth.call(request)
    except (ContractLogicError, Web3RPCError) as exc:
        raise Reverted(f"{name} on {to}: {exc}") from exc
    out = decode(list(returns), bytes(raw))
    return out[0] if len(out) == 1 else out


def _split_types(text: str) -> list[str]:
    """Top-level comma split of an ABI type list ("(address,uint256),bool" -> two types)."""
    types, depth, current = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            types.append(current)
            current = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        current += ch
    if current:
        types.append(current)
    return types


# --- Uniswap V2 --------------------------------------------------------------------------------------


def v2_reserves(w3: Any, pair: str) -> tuple[int, int]:
    r0, r1, _ = call(w3, pair, "getReserves()", returns=("uint112", "uint112", "uint32"))
    return r0, r1


def router_amounts_out(w3: Any, router: str, amount_in: int, path: list[str]) -> list[int]:
    return list(call(w3, router, "getAmountsOut(uint256,address[])", (amount_in, path), ("uint256[]",)))


def router_amounts_in(w3: Any, router: str, amount_out: int, path: list[str]) -> list[int]:
    return list(call(w3, router, "getAmountsIn(uint256,address[])", (amount_out, path), ("uint256[]",)))


# --- Uniswap V3 --------------------------------------------------------------------------------------


def bitmap_words(w3: Any, pool: str, word_lo: int, word_hi: int, chunk: int = 1000) -> dict[int, int]:
    """tickBitmap(w) for w in word_lo..word_hi, the non-zero ones, through Multicall3.aggregate3."""
    selector = function_signature_to_4byte_selector("tickBitmap(int16)")
    words: dict[int, int] = {}
    for start in range(word_lo, word_hi + 1, chunk):
        positions = range(start, min(word_hi, start + chunk - 1) + 1)
        calls = [(to_checksum_address(pool), False, selector + encode(["int16"], [w])) for w in positions]
        results = call(w3, MULTICALL3, "aggregate3((address,bool,bytes)[])", (calls,), ("(bool,bytes)[]",))
        for w, (_, data) in zip(positions, results, strict=True):
            value = int.from_bytes(data, "big")
            if value:
                words[w] = value
    return words


def v3_state(w3: Any, pool: str, max_words: int | None = None) -> V3PoolState:
    """The pool's snapshot with its initialised ticks: all of them, or those in the bitmap words
    within `max_words` of the current tick's word (the snapshot then says it covers only those)."""
    slot0 = call(
        w3, pool, "slot0()", returns=("uint160", "int24", "uint16", "uint16", "uint16", "uint8", "bool")
    )
    spacing = call(w3, pool, "tickSpacing()", returns=("int24",))
    word_lo, word_hi = word_range_for_ticks(MIN_TICK, MAX_TICK, spacing)
    if max_words is not None:
        here = slot0[1] // spacing >> 8
        word_lo, word_hi = max(word_lo, here - max_words), min(word_hi, here + max_words)
    word_range = (word_lo, word_hi)
    words = bitmap_words(w3, pool, *word_range)
    liquidity_net = {}
    for tick in ticks_from_bitmap(words, spacing):
        info = call(
            w3,
            pool,
            "ticks(int24)",
            (tick,),
            ("uint128", "int128", "uint256", "uint256", "int56", "uint160", "uint32", "bool"),
        )
        liquidity_net[tick] = info[1]
    return V3PoolState.from_bitmap(
        address=pool,
        token0=call(w3, pool, "token0()", returns=("address",)),
        token1=call(w3, pool, "token1()", returns=("address",)),
        fee=call(w3, pool, "fee()", returns=("uint24",)),
        tick_spacing=spacing,
        sqrt_price_x96=slot0[0],
        tick=slot0[1],
        liquidity=call(w3, pool, "liquidity()", returns=("uint128",)),
        word_range=word_range,
        words=words,
        liquidity_net=liquidity_net,
    )


def quote_exact_input_single(
    w3: Any, quoter: str, token_in: str, token_out: str, fee: int, amount_in: int
) -> tuple[int, int, int]:
    """QuoterV2.quoteExactInputSingle: (amountOut, sqrtPriceX96After, initializedTicksCrossed)."""
    out = call(
        w3,
        quoter,
        "quoteExactInputSingle((address,address,uint256,uint24,uint160))",
        ((token_in, token_out, amount_in, fee, 0),),
        ("uint256", "uint160", "uint32", "uint256"),
    )
    return out[0], out[1], out[2]


def quote_exact_output_single(
    w3: Any, quoter: str, token_in: str, token_out: str, fee: int, amount_out: int
) -> tuple[int, int, int]:
    """QuoterV2.quoteExactOutputSingle: (amountIn, sqrtPriceX96After, initializedTicksCrossed)."""
    out = call(
        w3,
        quoter,
        "quoteExactOutputSingle((address,address,uint256,uint24,uint160))",
        ((token_in, token_out, amount_out, fee, 0),),
        ("uint256", "uint160", "uint32", "uint256"),
    )
    return out[0], out[1], out[2]


# --- Balancer V2 -------------------------------------------------------------------------------------


def weighted_state(w3: Any, vault: str, pool_id: str, pool: str) -> WeightedPoolState:
    tokens, balances, _ = call(
        w3,
        vault,
        "getPoolTokens(bytes32)",
        (bytes.fromhex(pool_id[2:]),),
        ("address[]", "uint256[]", "uint256"),
    )
    return WeightedPoolState(
        pool_id=pool_id,
        address=pool,
        tokens=tuple(tokens),
        balances=tuple(balances),
        normalized_weights=tuple(call(w3, pool, "getNormalizedWeights()", returns=("uint256[]",))),
        swap_fee_percentage=call(w3, pool, "getSwapFeePercentage()"),
        scaling_factors=tuple(call(w3, pool, "getScalingFactors()", returns=("uint256[]",))),
    )


def query_swap(
    w3: Any, queries: str, pool_id: str, given_in: bool, asset_in: str, asset_out: str, amount: int
) -> int:
    """BalancerQueries.querySwap: the Vault's own answer for a single swap (GIVEN_IN: amount out;
    GIVEN_OUT: amount in)."""
    zero = "0x0000000000000000000000000000000000000000"
    return call(
        w3,
        queries,
        "querySwap((bytes32,uint8,address,address,uint256,bytes),(address,bool,address,bool))",
        (
            (bytes.fromhex(pool_id[2:]), 0 if given_in else 1, asset_in, asset_out, amount, b""),
            (zero, False, zero, False),
        ),
    )


# --- Curve --------------------------------------------------------------------------------------------


def curve_state(w3: Any, pool: str) -> CurvePoolState:
    coins = []
    while True:
        try:
            coins.append(call(w3, pool, "coins(uint256)", (len(coins),), ("address",)))
        except Reverted:
            break
    decimals = [call(w3, coin, "decimals()", returns=("uint8",)) for coin in coins]
    return CurvePoolState(
        address=pool,
        coins=tuple(coins),
        balances=tuple(call(w3, pool, "balances(uint256)", (k,)) for k in range(len(coins))),
        precision_multipliers=tuple(10 ** (18 - d) for d in decimals),
        amp=call(w3, pool, "A_precise()"),
        fee=call(w3, pool, "fee()"),
    )


def curve_get_dy(w3: Any, pool: str, i: int, j: int, dx: int) -> int:
    return call(w3, pool, "get_dy(int128,int128,uint256)", (i, j, dx))


def deploy_quoter_v2(w3: Any, factory: str, weth: str) -> str:
    """A QuoterV2 (the @uniswap/v3-periphery artifact) bound to `factory`, deployed on the fork: a
    quoter finds pools by its own factory, so a venue running Uniswap V3 code at another factory
    (SushiSwap V3) needs its own."""
    import json

    from bot.replica.artifacts import NODE_MODULES

    artifact = json.loads(
        (
            NODE_MODULES / "@uniswap/v3-periphery/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json"
        ).read_text()
    )
    data = artifact["bytecode"] + encode(["address", "address"], [factory, weth]).hex()
    tx = w3.eth.send_transaction({"from": w3.eth.accounts[0], "data": data, "gas": 6_000_000})
    return str(w3.eth.wait_for_transaction_receipt(tx)["contractAddress"])
