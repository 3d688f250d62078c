"""Per-block decision time: decode one refresh's already-fetched Multicall3 results into a MarketState,
screen every cycle, size and price the promising ones, rank, and select. Prints markdown tables.

Three pool sets:
- the real-market scenario: the Polygon-scale replica (`ape run replica --scale full`: 600+ pools over
  every token and venue kind, depth spread like the real market), and the small replica the tests use,
  each discovered on a replica node this script starts and stops: a calm block as built, and a block
  after one big swap moved a QuickSwap price;
- a synthetic set of 500 pools (Uniswap V2, Uniswap V3, Balancer weighted, Curve) over 40 tokens and
  about 5,000 cycles, at consistent prices with small noise, in which a few pools move every block
  ("quiet": 3 pools by 0.2-1 %, "busy": 15 pools by 0.5-5 %).

The searcher keeps sizing results from one block to the next for cycles whose pools did not move
(bot.search.searcher), so each synthetic block is timed after the one before it, as in the bot's loop;
the replica rows repeat one block, so they drop what was kept before each timing (a cold start).

The chain reads themselves are not timed (they are one eth_call: see the fork tests); everything after
the bytes arrive is, through one function, `timed_step`: `MarketReader.decode` and
`BlockPipeline.decide`, the two CPU stages the bot's per-block `BlockPipeline.step` runs between its
Multicall3 round trip and the simulation (prices, guards, `Searcher.decide` with the bot's
max_trades = 1, routes encoded). So PRODUCTION_PATH is True: the benchmark times the bot's own code.
Run: `.venv/bin/python -m bench.decision` (add `--blocks N` for more blocks), or one synthetic
scenario at any size: `python -m bench.decision --pools 2000 --scenario busy --blocks 30 --json`
(the last line is one JSON object: pools, cycles, median_ms, p90_ms, production_path, ...). The
synthetic set scales with --pools (half V2, 40 % V3, 10 % Balancer, Curve capped at 10 pools, 2
tokens per 5 pools); two untimed warm-up blocks come first.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth_abi import encode

from bot.amm.tick_bitmap import bitmap_from_ticks
from bot.amm.tick_math import get_sqrt_ratio_at_tick, get_tick_at_sqrt_ratio
from bot.market import MarketReader, Multicall, PoolSet
from bot.market.multicall import CallResult
from bot.market.pools import BalancerPoolInfo, CurvePoolInfo, V2PairInfo, V3PoolInfo
from bot.market.state import MarketState
from bot.runtime.pipeline import BlockDecision, BlockInput, BlockPipeline, Tokens
from bot.search import LenderTerms, Searcher, enumerate_cycles

GWEI = 10**9
E18 = 10**18


def machine() -> str:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} cores (nproc), {cpu}, Python {platform.python_version()}"


@dataclass
class Timing:
    total: list[float] = field(default_factory=list)
    decode: list[float] = field(default_factory=list)
    screen: list[float] = field(default_factory=list)
    sizing: list[float] = field(default_factory=list)
    passed: list[int] = field(default_factory=list)
    profitable: list[int] = field(default_factory=list)
    evaluations: list[int] = field(default_factory=list)
    chosen: list[int] = field(default_factory=list)
    profit: list[int] = field(default_factory=list)
    """Net profit (native wei) of the trades chosen, per block."""


MAX_TRADES = 1
"""The bot's default `max_trades_per_block` (bot.ops.config)."""
FEE_PER_GAS = 30 * GWEI
BASE_FEE = 0
"""With the default 30 gwei tip, the fee per gas the pipeline prices gas at is FEE_PER_GAS."""


def timed_step(
    reader: MarketReader,
    plan: Any,
    results: list[CallResult],
    block: int,
    pipeline: BlockPipeline,
    second_round: Callable[[Any], list[CallResult]] | None = None,
) -> tuple[BlockDecision, float]:
    """What the bot runs per block once the Multicall3 bytes have arrived, and nothing else: decode
    them into a MarketState (`MarketReader.decode`, as `MarketReader.read` does in the bot), then
    `BlockPipeline.decide`, the method `BlockPipeline.step` calls. This is the one callable the
    benchmark times. Returns the decision and the seconds spent decoding.
    `second_round` answers the ticks a V3 pool needs when its window moved (the reader's second round
    trip), if any."""
    start = time.perf_counter()
    snapshots, failures, pending = reader.decode(plan, results, block)
    if pending:
        assert second_round is not None, "a V3 window moved but no second round was provided"
        answers = [r for item in pending for r in second_round(item)]
        snapshots, _ = reader.complete(plan, snapshots, failures, pending, lambda _calls: answers, block)
    assert not failures, failures[:3]
    market = MarketState(block, {s.address: s for s in snapshots})
    decoded = time.perf_counter() - start
    return pipeline.decide(BlockInput(market, base_fee=BASE_FEE)), decoded


PRODUCTION_PATH = True
"""`timed_step` runs the runtime's own per-block decision (bot.runtime.pipeline)."""


def decide(
    reader: MarketReader,
    plan: Any,
    results: list[CallResult],
    block: int,
    pipeline: BlockPipeline,
    timing: Timing,
    second_round: Callable[[Any], list[CallResult]] | None = None,
) -> BlockDecision:
    """One block's decision through `timed_step`, recorded in `timing`."""
    start = time.perf_counter()
    decision, decoded = timed_step(reader, plan, results, block, pipeline, second_round)
    done = time.perf_counter()
    stats = decision.search
    chosen = [verdict.priced.opportunity for verdict in decision.accepted]
    timing.total.append(done - start)
    timing.decode.append(decoded)
    timing.screen.append(stats.screen_seconds)
    timing.sizing.append(stats.sizing_seconds)
    timing.passed.append(stats.passed_screen)
    timing.profitable.append(stats.sized)
    timing.evaluations.append(stats.evaluations)
    timing.chosen.append(len(chosen))
    timing.profit.append(sum(o.net_profit_native for o in chosen))
    return decision


def row(name: str, pools: int, cycles: int, t: Timing) -> str:
    ms = lambda xs: 1e3 * statistics.median(xs)  # noqa: E731
    p90 = lambda xs: 1e3 * sorted(xs)[max(0, math.ceil(0.9 * len(xs)) - 1)]  # noqa: E731
    return (
        f"| {name} | {pools} | {cycles} | {len(t.total)} | **{ms(t.total):.1f}** | {p90(t.total):.1f} | "
        f"{ms(t.decode):.1f} | {ms(t.screen):.1f} | {ms(t.sizing):.1f} | "
        f"{statistics.median(t.passed):.0f} | {statistics.median(t.profitable):.0f} | "
        f"{statistics.median(t.evaluations):.0f} | {statistics.median(t.chosen):.0f} |"
    )


REFRESH_LINES: list[str] = []
REFRESH_HEADER = (
    "| pool set | first refresh: eth_calls | steady refresh: eth_calls | steady refresh ms (RPC to a local "
    "anvil included) |\n|---|---|---|---|"
)

HEADER = (
    "| pool set / block | pools | cycles | blocks | median ms | p90 ms | decode ms | screen ms | "
    "bound+size+select ms | passed screen | sized | exact evaluations | chosen |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


# --- the replica -------------------------------------------------------------------------------


def replica_rows(blocks: int, scale: str = "small") -> list[str]:
    from web3 import Web3

    from bot.addressbook import load
    from bot.market import discover
    from bot.replica import ReplicaNode, ensure_replica

    replica = ensure_replica(scale=scale)
    name = "real market (full replica)" if scale == "full" else "replica"
    book = load(137)
    manifest = replica.manifest
    rows = []
    with ReplicaNode(replica) as node:
        w3 = Web3(Web3.HTTPProvider(node.url))
        multicall = Multicall(w3, book.multicall3.address)
        pools = discover(
            multicall,
            book,
            list(manifest.tokens),
            balancer_pool_ids=[p.pool_id for p in manifest.balancer_pools],
            curve_pools=[p.address for p in manifest.curve_pools],
        )
        reader = MarketReader(multicall, pools, vault=book.balancer_v2.vault)
        first = reader.refresh()
        refreshes = []
        for _ in range(blocks):
            started = time.perf_counter()
            steady = reader.refresh()
            refreshes.append((time.perf_counter() - started, steady.eth_calls, steady.sub_calls))
        kinds = (
            f"{len(pools.v2)} V2, {len(pools.v3)} V3, {len(pools.balancer)} Balancer, "
            f"{len(pools.curve)} Curve, {len(pools.algebra)} Algebra"
        )
        eth_calls = statistics.median(r[1] for r in refreshes)
        sub_calls = statistics.median(r[2] for r in refreshes)
        REFRESH_LINES.append(
            f"| {name} ({len(pools)} pools: {kinds}) | {first.eth_calls} ({first.sub_calls} sub-calls) | "
            f"{eth_calls:.0f} ({sub_calls:.0f} sub-calls) | "
            f"{1e3 * statistics.median(r[0] for r in refreshes):.1f} |"
        )
        aave = frozenset(r.asset for r in manifest.aave_reserves)
        vault_tokens = frozenset(t for p in pools.balancer for t in p.tokens)
        # at Polygon scale 4-hop cycles run to tens of millions: the bot runs it with max_hops = 3
        cycles = enumerate_cycles(pools, aave | vault_tokens, max_hops=3 if scale == "full" else 4)
        searcher = Searcher(
            cycles,
            LenderTerms(
                manifest.aave_flashloan_premium_total, aave_assets=aave, balancer_assets=vault_tokens
            ),
            native=book.token("WMATIC").address,
        )
        pipeline = BlockPipeline.offline(searcher, book, max_trades=MAX_TRADES)
        for label in ("calm (as built)", "after a 300k WMATIC sale on QuickSwap"):
            if label.startswith("after"):
                _sell_on_quickswap(w3, book, 300_000 * E18)
            plan = reader.plan()
            results = multicall.aggregate3(plan.calls, "latest")
            block = reader.block_of(results)
            timing = Timing()
            for _ in range(blocks):
                searcher.forget()  # the same block again: time it as new, not from the kept sizings
                decide(reader, plan, results, block, pipeline, timing)
            rows.append(row(f"{name}, {label}", len(pools), len(cycles), timing))
    return rows


def _sell_on_quickswap(w3: Any, book: Any, amount: int) -> None:
    from eth_utils import function_signature_to_4byte_selector as selector

    from bot.replica.deal import deal

    trader = w3.eth.accounts[0]
    wmatic, usdc = book.token("WMATIC").address, book.token("USDC").address
    router = book.dex("quickswap").router
    deal(w3, wmatic, trader, amount)
    for to, data in (
        (wmatic, selector("approve(address,uint256)") + encode(["address", "uint256"], [router, amount])),
        (
            router,
            selector("swapExactTokensForTokens(uint256,uint256,address[],address,uint256)")
            + encode(
                ["uint256", "uint256", "address[]", "address", "uint256"],
                [amount, 0, [wmatic, usdc], trader, 2**64],
            ),
        ),
    ):
        tx = w3.eth.send_transaction({"from": trader, "to": to, "data": "0x" + data.hex(), "gas": 2_000_000})
        assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1


# --- the synthetic pool set --------------------------------------------------------------------


def _address(prefix: int, n: int) -> str:
    from eth_utils import to_checksum_address

    return str(to_checksum_address(f"0x{prefix:02x}{n:038x}"))


@dataclass
class Token:
    address: str
    decimals: int
    usd: float


@dataclass
class Synthetic:
    """A pool set with the raw results a refresh would return, which `move` changes block by block."""

    rng: random.Random
    tokens: list[Token]
    pools: PoolSet
    state: dict[str, Any]
    """pool address -> its mutable state (reserves, sqrt price + positions, balances)."""
    base: dict[str, Any] = field(default_factory=dict)
    """The consistent state every block starts from."""

    def __post_init__(self) -> None:
        self.base = copy.deepcopy(self.state)

    def reset(self) -> None:
        self.state = copy.deepcopy(self.base)

    def results(self, reader: MarketReader, plan: Any, block: int) -> list[CallResult]:
        """The bytes aggregate3 would return for `plan` at the current state."""
        out = [CallResult(True, encode(["uint256"], [block]))]
        for slot in plan.slots:
            pool = slot.pool
            s = self.state[pool.address]
            if isinstance(pool, V2PairInfo):
                out.append(CallResult(True, encode(["uint112", "uint112", "uint32"], [s["r0"], s["r1"], 0])))
            elif isinstance(pool, V3PoolInfo):
                tick = get_tick_at_sqrt_ratio(s["sqrt"])
                liquidity = sum(net for t, net in s["nets"].items() if t <= tick)
                out.append(
                    CallResult(
                        True,
                        encode(
                            ["uint160", "int24", "uint16", "uint16", "uint16", "uint8", "bool"],
                            [s["sqrt"], tick, 0, 1, 1, 0, True],
                        ),
                    )
                )
                out.append(CallResult(True, encode(["uint128"], [liquidity])))
                words = bitmap_from_ticks(s["nets"], pool.tick_spacing)
                out.extend(CallResult(True, encode(["uint256"], [words.get(w, 0)])) for w in slot.words)
                for t in slot.ticks:
                    out.append(
                        CallResult(
                            True,
                            encode(
                                [
                                    "uint128",
                                    "int128",
                                    "uint256",
                                    "uint256",
                                    "int56",
                                    "uint160",
                                    "uint32",
                                    "bool",
                                ],
                                [abs(s["nets"].get(t, 0)), s["nets"].get(t, 0), 0, 0, 0, 0, 0, True],
                            ),
                        )
                    )
            elif isinstance(pool, BalancerPoolInfo):
                out.append(
                    CallResult(
                        True,
                        encode(["address[]", "uint256[]", "uint256"], [list(pool.tokens), s["balances"], 0]),
                    )
                )
            else:
                out.extend(CallResult(True, encode(["uint256"], [b])) for b in s["balances"])
                out.append(CallResult(True, encode(["uint256"], [s["amp"]])))
                out.append(CallResult(True, encode(["uint256"], [1_000_000])))
        return out

    def ticks(self, item: Any) -> list[CallResult]:
        """ticks(t) results for a pending V3 pool's missing ticks (the second round trip)."""
        nets = self.state[item.slot.pool.address]["nets"]
        return [
            CallResult(
                True,
                encode(
                    ["uint128", "int128", "uint256", "uint256", "int56", "uint160", "uint32", "bool"],
                    [abs(nets.get(t, 0)), nets.get(t, 0), 0, 0, 0, 0, 0, True],
                ),
            )
            for t in item.missing
        ]

    def move(self, count: int, low: float, high: float) -> None:
        """Move `count` random pools' prices by a factor of 1 +- [low, high]."""
        pools = list(self.pools)
        for pool in self.rng.sample(pools, count):
            factor = 1 + self.rng.uniform(low, high) * self.rng.choice((-1, 1))
            s = self.state[pool.address]
            if isinstance(pool, V2PairInfo):
                k = math.sqrt(factor)
                s["r0"], s["r1"] = int(s["r0"] / k), int(s["r1"] * k)
            elif isinstance(pool, V3PoolInfo):
                s["sqrt"] = int(s["sqrt"] * math.sqrt(factor))
            elif isinstance(pool, BalancerPoolInfo):
                k = math.sqrt(factor)
                s["balances"] = [int(s["balances"][0] / k), int(s["balances"][1] * k), *s["balances"][2:]]
            else:
                k = 1 + (factor - 1) * 20  # a StableSwap pool needs a big imbalance to move its price
                s["balances"] = [
                    int(s["balances"][0] / math.sqrt(k)),
                    int(s["balances"][1] * math.sqrt(k)),
                    *s["balances"][2:],
                ]


def synthetic(
    seed: int = 7,
    n_pools: int = 500,
    n_tokens: int | None = None,
    hub_share: float = 0.3,
    n_curve: int = 10,
) -> Synthetic:
    """`n_pools` pools: about half Uniswap V2, 40 % V3, 10 % Balancer and `n_curve` Curve pools (at most
    10: there are three stablecoins), over `n_tokens` tokens (default: 2 per 5 pools, so every token
    keeps the same number of pools on average as the set grows). 500 pools reproduce the original set."""
    n_curve = min(n_curve, 10, n_pools // 10)
    if n_tokens is None:
        n_tokens = max(12, round(n_pools * 2 / 5))
    n_v2 = n_pools // 2 - n_curve // 2
    n_v3 = 2 * n_pools // 5 - n_curve // 2
    n_balancer = n_pools - n_v2 - n_v3 - n_curve
    rng = random.Random(seed)
    tokens = [Token(_address(0xA0, 0), 18, 0.4)]  # the native token
    tokens += [Token(_address(0xA0, k), d, 1.0) for k, d in ((1, 6), (2, 6), (3, 18))]  # stables
    for k in range(4, n_tokens):
        tokens.append(
            Token(
                _address(0xA0, k),
                rng.choice((18, 18, 18, 8, 6)),
                math.exp(rng.uniform(math.log(0.02), math.log(60_000))),
            )
        )
    hubs = tokens[:6]

    def raw(token: Token, usd: float) -> int:
        return int(usd / token.usd * 10**token.decimals * math.exp(rng.gauss(0, 0.0005)))

    def pair() -> tuple[Token, Token]:
        a = rng.choice(hubs) if rng.random() < hub_share else rng.choice(tokens)
        b = rng.choice(tokens)
        while b is a:
            b = rng.choice(tokens)
        return (a, b) if a.address.lower() < b.address.lower() else (b, a)

    state: dict[str, Any] = {}
    v2, v3, balancer, curve = [], [], [], []
    n = 0
    for _ in range(n_v2):
        a, b = pair()
        n += 1
        address = _address(0xB2, n)
        depth = math.exp(rng.uniform(math.log(2e4), math.log(5e6)))
        v2.append(V2PairInfo(address, rng.choice(("quickswap", "sushiswap")), a.address, b.address, 30))
        state[address] = {"r0": raw(a, depth), "r1": raw(b, depth)}
    for _ in range(n_v3):
        a, b = pair()
        n += 1
        address = _address(0xB3, n)
        fee, spacing = rng.choice(((100, 1), (500, 10), (3000, 60), (10000, 200)))
        price = (10**b.decimals / b.usd) / (10**a.decimals / a.usd) * math.exp(rng.gauss(0, 0.0005))
        tick = math.floor(math.log(price) / math.log(1.0001))
        depth = math.exp(rng.uniform(math.log(2e4), math.log(5e6)))
        # liquidity L with about `depth` USD of token0 within +-10 % of the price
        token0_units = depth / a.usd * 10**a.decimals
        liquidity = int(token0_units * math.sqrt(price) / 0.05)
        nets: dict[int, int] = {}
        for width, share in ((600, 0.5), (150, 0.3), (40, 0.2)):  # positions in units of spacing/10
            lo = (tick - width * max(1, spacing // 10) * 10) // spacing * spacing
            hi = (tick + width * max(1, spacing // 10) * 10) // spacing * spacing + spacing
            lo, hi = max(lo, -887000 // spacing * spacing), min(hi, 887000 // spacing * spacing)
            nets[lo] = nets.get(lo, 0) + int(liquidity * share)
            nets[hi] = nets.get(hi, 0) - int(liquidity * share)
        v3.append(V3PoolInfo(address, a.address, b.address, fee, spacing))
        state[address] = {"sqrt": get_sqrt_ratio_at_tick(tick), "nets": nets}
    for _ in range(n_balancer):
        a, b = pair()
        n += 1
        address = _address(0xB4, n)
        depth = math.exp(rng.uniform(math.log(5e4), math.log(5e6)))
        w = rng.choice((5 * 10**17, 8 * 10**17, 2 * 10**17))
        members = sorted((a, b), key=lambda t: t.address.lower())
        weights = [w, E18 - w] if members[0] is a else [E18 - w, w]
        balances = [raw(t, depth * wt / E18) for t, wt in zip(members, weights, strict=True)]
        pool_id = "0x" + address[2:].lower() + "0002" + "0" * 20
        balancer.append(
            BalancerPoolInfo(
                pool_id,
                address,
                tuple(t.address for t in members),
                tuple(weights),
                3 * 10**15,
                tuple(10 ** (36 - t.decimals) for t in members),
            )
        )
        state[address] = {"balances": balances}
    stables = tokens[1:4]
    for _ in range(n_curve):
        n += 1
        address = _address(0xB5, n)
        coins = rng.sample(stables, rng.choice((2, 3)))
        depth = math.exp(rng.uniform(math.log(1e5), math.log(2e7)))
        curve.append(
            CurvePoolInfo(
                address,
                tuple(c.address for c in coins),
                tuple(10 ** (18 - c.decimals) for c in coins),
                100,
                0,
            )
        )
        state[address] = {"balances": [raw(c, depth) for c in coins], "amp": 200 * 100}
    pools = PoolSet(tuple(v2), tuple(v3), tuple(balancer), tuple(curve))
    return Synthetic(rng, tokens, pools, state)


WARMUP = 2
"""Untimed blocks before the timed ones (the first refresh places the V3 windows; the second is the
first steady one)."""

SCENARIOS = {
    "quiet": ("quiet: 3 pools move 0.2-1 %", 3, 0.002, 0.01),
    "busy": ("busy: 15 pools move 0.5-5 %", 15, 0.005, 0.05),
}
"""scenario -> (label, pools moved per block, smallest and largest move). The same number of pools
moves whatever the size of the set: a block holds as many trades at 2,000 pools as at 500."""


def synthetic_setup(n_pools: int) -> tuple[Synthetic, MarketReader, Searcher, BlockPipeline]:
    """The synthetic set at `n_pools`, a reader in its steady state and a searcher over its cycles."""
    market = synthetic(n_pools=n_pools)
    pools = market.pools
    borrowable = frozenset(t.address for t in market.tokens[:3])  # the native token and two stables
    cycles = enumerate_cycles(pools, borrowable, max_hops=4)
    searcher = Searcher(
        cycles,
        LenderTerms(5, aave_assets=borrowable, balancer_assets=borrowable),
        native=market.tokens[0].address,
    )
    reader = MarketReader(Multicall(_NoChain(), _address(0xCA, 1)), pools, vault=_address(0xBA, 1))
    # the steady state: windows placed and ticks known, as after the first refresh
    for pool in pools.v3:
        s = market.state[pool.address]
        window = reader.windows[pool.address]
        window.recentre(get_tick_at_sqrt_ratio(s["sqrt"]))
        low, high = window.words()[0], window.words()[-1]
        window.known = {t: net for t, net in s["nets"].items() if low <= window.word_of(t) <= high}
    tokens = Tokens(
        native=market.tokens[0].address,
        usd_token=market.tokens[1].address,  # a stablecoin at $1
        decimals={t.address: t.decimals for t in market.tokens},
    )
    return market, reader, searcher, BlockPipeline.offline(searcher, tokens, max_trades=MAX_TRADES)


def synthetic_timing(
    n_pools: int, scenario: str, blocks: int, warmup: int = WARMUP
) -> tuple[Synthetic, Searcher, Timing]:
    """Time `blocks` blocks of one scenario on the synthetic set of `n_pools` pools, after `warmup`
    untimed ones (the bot's steady state: the reader has its V3 tick windows in place and the
    searcher its per-pool caches, as from the second block of a run)."""
    market, reader, searcher, pipeline = synthetic_setup(n_pools)
    _, count, low, high = SCENARIOS[scenario]
    timing = Timing()
    for block in range(-warmup, blocks):
        if block == 0:
            timing = Timing()  # the warm-up blocks are not counted
        # every block starts from consistent prices (last block's arbitrage closed the gaps) and
        # this block's trades move a few pools
        market.reset()
        market.move(count, low, high)
        plan = reader.plan()
        results = market.results(reader, plan, 1_000 + WARMUP + block)
        decide(reader, plan, results, 1_000 + WARMUP + block, pipeline, timing, market.ticks)
    return market, searcher, timing


def synthetic_rows(
    blocks: int, n_pools: int = 500, scenarios: tuple[str, ...] = ("quiet", "busy")
) -> list[str]:
    rows = []
    for scenario in scenarios:
        market, searcher, timing = synthetic_timing(n_pools, scenario, blocks)
        rows.append(
            row(f"synthetic, {SCENARIOS[scenario][0]}", len(market.pools), len(searcher.cycles), timing)
        )
    return rows


def _p90(xs: list[float]) -> float:
    return sorted(xs)[max(0, math.ceil(0.9 * len(xs)) - 1)]


class _NoChain:
    """The synthetic set has no chain: any attempt to reach one is a bug in this script."""

    @property
    def provider(self) -> Any:
        raise AssertionError("the synthetic benchmark must not call the chain")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=30, help="blocks timed per scenario")
    parser.add_argument("--pools", type=int, default=500, help="pools in the synthetic set")
    parser.add_argument(
        "--scenario", choices=sorted(SCENARIOS), help="one synthetic scenario only (no replica rows)"
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object last (with --scenario: that row)"
    )
    parser.add_argument("--skip-replica", action="store_true", help="only the synthetic pool set")
    parser.add_argument(
        "--replica-scale",
        choices=("full", "small", "both"),
        default="both",
        help="which replica rows: the real-market scenario (full), the small replica, or both",
    )
    options = parser.parse_args(argv)
    if options.scenario is not None:
        market, searcher, timing = synthetic_timing(options.pools, options.scenario, options.blocks)
        lines = [f"Machine: {machine()}", "", HEADER]
        lines.append(
            row(
                f"synthetic, {SCENARIOS[options.scenario][0]}",
                len(market.pools),
                len(searcher.cycles),
                timing,
            )
        )
        print("\n".join(lines))  # noqa: T201
        if options.json:
            summary = {
                "pools": len(market.pools),
                "cycles": len(searcher.cycles),
                "scenario": options.scenario,
                "blocks": len(timing.total),
                "median_ms": round(1e3 * statistics.median(timing.total), 3),
                "p90_ms": round(1e3 * _p90(timing.total), 3),
                "decode_median_ms": round(1e3 * statistics.median(timing.decode), 3),
                "screen_median_ms": round(1e3 * statistics.median(timing.screen), 3),
                "sized_median": statistics.median(timing.profitable),
                "evaluations_median": statistics.median(timing.evaluations),
                "chosen_total": sum(timing.chosen),
                "profit_native_total": sum(timing.profit),
                "max_trades": MAX_TRADES,
                "production_path": PRODUCTION_PATH,
            }
            print(json.dumps(summary))  # noqa: T201
        return
    lines = [f"Machine: {machine()}", "", HEADER]
    lines += synthetic_rows(options.blocks, options.pools)
    if not options.skip_replica:
        scales = ("full", "small") if options.replica_scale == "both" else (options.replica_scale,)
        for scale in scales:
            lines += replica_rows(options.blocks, scale)
        lines += ["", REFRESH_HEADER, *REFRESH_LINES]
    print("\n".join(lines))  # noqa: T201


if __name__ == "__main__":
    main()
