"""Per-block decision time: decode one refresh's already-fetched Multicall3 results into a MarketState,
screen every cycle, size and price the promising ones, rank, and select. Prints markdown tables.

Two pool sets:
- the Polygon replica's (discovered on a replica node this script starts and stops): a calm block as
  built, and a block after one big swap moved a QuickSwap price;
- a synthetic set of 500 pools (Uniswap V2, Uniswap V3, Balancer weighted, Curve) over 40 tokens and
  about 5,000 cycles, at consistent prices with small noise, in which a few pools move every block
  ("quiet": 3 pools by 0.2-1 %, "busy": 15 pools by 0.5-5 %).

The searcher keeps sizing results from one block to the next for cycles whose pools did not move
(bot.search.searcher), so each synthetic block is timed after the one before it, as in the bot's loop;
the replica rows repeat one block, so they drop what was kept before each timing (a cold start).

The chain reads themselves are not timed (they are one eth_call: see the fork tests); everything after
the bytes arrive is. Run: `.venv/bin/python -m bench.decision` (add `--blocks N` for more blocks).
"""

from __future__ import annotations

import argparse
import copy
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


def decide(
    reader: MarketReader,
    plan: Any,
    results: list[CallResult],
    block: int,
    searcher: Searcher,
    timing: Timing,
    second_round: Callable[[Any], list[CallResult]] | None = None,
) -> None:
    """One block's decision, timed piece by piece. `second_round` answers the ticks a V3 pool needs
    when its window moved (the reader's second round trip), if any."""
    start = time.perf_counter()
    snapshots, failures, pending = reader.decode(plan, results, block)
    for item in pending:
        assert second_round is not None, "a V3 window moved but no second round was provided"
        snapshot, failure = reader._finish_v3(item, second_round(item), block)
        assert snapshot is not None, failure
        snapshots.append(snapshot)
    assert not failures, failures[:3]
    market = MarketState(block, {s.address: s for s in snapshots})
    decoded = time.perf_counter()
    decision = searcher.decide(market, 30 * GWEI)
    done = time.perf_counter()
    timing.total.append(done - start)
    timing.decode.append(decoded - start)
    timing.screen.append(decision.stats.screen_seconds)
    timing.sizing.append(decision.stats.sizing_seconds)
    timing.passed.append(decision.stats.passed_screen)
    timing.profitable.append(decision.stats.sized)
    timing.evaluations.append(decision.stats.evaluations)
    timing.chosen.append(len(decision.chosen))


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


def replica_rows(blocks: int) -> list[str]:
    from web3 import Web3

    from bot.addressbook import load
    from bot.market import discover
    from bot.replica import ReplicaNode, ensure_replica

    replica = ensure_replica()
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
            f"{len(pools.curve)} Curve"
        )
        eth_calls = statistics.median(r[1] for r in refreshes)
        sub_calls = statistics.median(r[2] for r in refreshes)
        REFRESH_LINES.append(
            f"| replica ({len(pools)} pools: {kinds}) | {first.eth_calls} ({first.sub_calls} sub-calls) | "
            f"{eth_calls:.0f} ({sub_calls:.0f} sub-calls) | "
            f"{1e3 * statistics.median(r[0] for r in refreshes):.1f} |"
        )
        aave = frozenset(r.asset for r in manifest.aave_reserves)
        vault_tokens = frozenset(t for p in pools.balancer for t in p.tokens)
        cycles = enumerate_cycles(pools, aave | vault_tokens)
        searcher = Searcher(
            cycles,
            LenderTerms(
                manifest.aave_flashloan_premium_total, aave_assets=aave, balancer_assets=vault_tokens
            ),
            native=book.token("WMATIC").address,
        )
        for label in ("calm (as built)", "after a 300k WMATIC sale on QuickSwap"):
            if label.startswith("after"):
                _sell_on_quickswap(w3, book, 300_000 * E18)
            plan = reader.plan()
            results = multicall.aggregate3(plan.calls, "latest")
            block = reader.block_of(results)
            timing = Timing()
            for _ in range(blocks):
                searcher.forget()  # the same block again: time it as new, not from the kept sizings
                decide(reader, plan, results, block, searcher, timing)
            rows.append(row(f"replica, {label}", len(pools), len(cycles), timing))
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


def synthetic(seed: int = 7, n_tokens: int = 200, hub_share: float = 0.3, n_curve: int = 10) -> Synthetic:
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
    for _ in range(250 - n_curve // 2):
        a, b = pair()
        n += 1
        address = _address(0xB2, n)
        depth = math.exp(rng.uniform(math.log(2e4), math.log(5e6)))
        v2.append(V2PairInfo(address, rng.choice(("quickswap", "sushiswap")), a.address, b.address, 30))
        state[address] = {"r0": raw(a, depth), "r1": raw(b, depth)}
    for _ in range(200 - n_curve // 2):
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
    for _ in range(50):
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


def synthetic_rows(blocks: int) -> list[str]:
    market = synthetic()
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
    rows = []
    for label, count, low, high in (
        ("quiet: 3 pools move 0.2-1 %", 3, 0.002, 0.01),
        ("busy: 15 pools move 0.5-5 %", 15, 0.005, 0.05),
    ):
        timing = Timing()
        for block in range(blocks):
            # every block starts from consistent prices (last block's arbitrage closed the gaps) and
            # this block's trades move a few pools
            market.reset()
            market.move(count, low, high)
            plan = reader.plan()
            results = market.results(reader, plan, 1_000 + block)
            decide(reader, plan, results, 1_000 + block, searcher, timing, market.ticks)
        rows.append(row(f"synthetic, {label}", len(pools), len(cycles), timing))
    return rows


class _NoChain:
    """The synthetic set has no chain: any attempt to reach one is a bug in this script."""

    @property
    def provider(self) -> Any:
        raise AssertionError("the synthetic benchmark must not call the chain")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=30, help="blocks timed per scenario")
    parser.add_argument("--skip-replica", action="store_true", help="only the synthetic pool set")
    options = parser.parse_args(argv)
    lines = [f"Machine: {machine()}", "", HEADER]
    lines += synthetic_rows(options.blocks)
    if not options.skip_replica:
        lines += replica_rows(options.blocks)
        lines += ["", REFRESH_HEADER, *REFRESH_LINES]
    print("\n".join(lines))  # noqa: T201


if __name__ == "__main__":
    main()
