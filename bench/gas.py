"""Gas of FlashArb's trades beside a router-based executor, on the local Polygon replica.

    python -m bench.gas        (or: make bench-gas)

Starts its own replica node (anvil, discarded afterwards), deploys FlashArb and the benchmark-only
RouterArbExecutorBench (contracts/bench/), moves one price with a big swap, and then runs each trade
from the same snapshot with the same pinned block timestamp, so Uniswap V2's oracle writes and every
cold/warm access are identical between rows. Gas is each receipt's gasUsed. Prints a markdown table
with the ratio of each FlashArb trade to the router-based trade of the same route in the same run.
Both executors' owners already hold some of the asset, so the profit transfer is the same write.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from web3 import Web3

from bot.addressbook import load as load_book
from bot.execution.deploy import algebra_deployer, pool_factories
from bot.replica import ReplicaNode, ensure_replica
from bot.replica.deal import deal
from bot.route import Hop, Lender, Route, encode

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
BLOCK_GAP_SECONDS = 2  # Polygon's block time: the measured trade lands one block after the price move
AMOUNT_USDC = 20_000 * 10**6

ERC20_ABI = json.loads(
    '[{"type":"function","name":"balanceOf","stateMutability":"view","inputs":[{"name":"a","type":"address"}],'
    '"outputs":[{"name":"","type":"uint256"}]},{"type":"function","name":"transfer","stateMutability":'
    '"nonpayable","inputs":[{"name":"t","type":"address"},{"name":"v","type":"uint256"}],"outputs":'
    '[{"name":"","type":"bool"}]}]'
)


def _artifact_abi(relative: str) -> Any:
    data = json.loads((NODE_MODULES / relative).read_text())
    return data["abi"] if isinstance(data, dict) else data


@dataclass(frozen=True)
class Case:
    """One measured trade."""

    route_name: str
    executor: str
    send: Callable[[], Any]
    baseline: bool = False


class Bench:
    def __init__(self, w3: Web3) -> None:
        from ape import project  # compiles contracts/ if needed

        self.w3 = w3
        self.book = load_book(137)
        self.accounts = w3.eth.accounts
        self.owner, self.executor, self.trader = self.accounts[0], self.accounts[1], self.accounts[3]
        self.usdc = self.book.token("USDC.e").address
        self.weth = self.book.token("WETH").address
        self.usdt = self.book.token("USDT").address
        v2, v3 = pool_factories(w3, self.book)
        algebra = algebra_deployer(w3, self.book)
        self.flasharb = self._deploy(
            project.FlashArb.contract_type,
            self.book.aave_v3.pool,
            self.book.balancer_v2.vault,
            self.owner,
            v2,
            v3,
            algebra,
        )
        self._send(self.flasharb.functions.setExecutor(self.executor, True), self.owner)
        self.router_exec = self._deploy(project.RouterArbExecutorBench.contract_type, self.book.aave_v3.pool)
        deal(w3, self.usdc, self.owner, 10**6)  # owners already hold some of the asset

    # ---- plumbing -------------------------------------------------------------------------------

    def _deploy(self, contract_type: Any, *args: Any) -> Any:
        abi = [a.model_dump(mode="json", by_alias=True) for a in contract_type.abi]
        factory = self.w3.eth.contract(abi=abi, bytecode=contract_type.deployment_bytecode.bytecode)
        receipt = self._send(factory.constructor(*args), self.owner)
        return self.w3.eth.contract(address=receipt.contractAddress, abi=abi)

    def _send(self, fn: Any, sender: str) -> Any:
        tx_hash = fn.transact({"from": sender, "gas": 5_000_000})
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        if receipt.status != 1:
            raise RuntimeError(f"transaction {tx_hash.hex()} reverted")
        return receipt

    def rpc(self, method: str, *params: Any) -> Any:
        reply = self.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def v2_pair(self, dex: str, a: str, b: str) -> str:
        factory = next(d.factory for d in self.book.uniswap_v2_dexes if d.name == dex)
        abi = _artifact_abi("@uniswap/v2-core/build/UniswapV2Factory.json")
        return str(self.w3.eth.contract(address=factory, abi=abi).functions.getPair(a, b).call())

    def v3_pool(self, a: str, b: str, fee: int) -> str:
        abi = _artifact_abi("@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json")
        factory = self.w3.eth.contract(address=self.book.uniswap_v3.factory, abi=abi)
        return str(factory.functions.getPool(a, b, fee).call())

    def push_v2(self, dex: str, sell: str, buy: str, amount: int) -> None:
        """A trader's big swap straight into a V2 pair: the price move the arbitrage corrects."""
        pair = self.w3.eth.contract(
            address=self.v2_pair(dex, sell, buy),
            abi=_artifact_abi("@uniswap/v2-core/build/UniswapV2Pair.json"),
        )
        deal(self.w3, sell, self.trader, amount)
        self._send(
            self.w3.eth.contract(address=sell, abi=ERC20_ABI).functions.transfer(pair.address, amount),
            self.trader,
        )
        r0, r1, _ = pair.functions.getReserves().call()
        zero_for_one = sell.lower() < buy.lower()
        r_in, r_out = (r0, r1) if zero_for_one else (r1, r0)
        out = amount * 997 * r_out // (r_in * 1000 + amount * 997)
        self._send(
            pair.functions.swap(0 if zero_for_one else out, out if zero_for_one else 0, self.trader, b""),
            self.trader,
        )

    # ---- trades ---------------------------------------------------------------------------------

    def flasharb_trade(self, route: Route) -> Callable[[], Any]:
        data = encode(route)
        return lambda: self._send(self.flasharb.functions.execute(data), self.executor)

    def router_trade(self, steps: list[tuple[bool, str, str, int]]) -> Callable[[], Any]:
        return lambda: self._send(
            self.router_exec.functions.run(self.usdc, AMOUNT_USDC, 0, steps), self.owner
        )

    def measure(self, setup: Callable[[], None], cases: list[Case]) -> list[tuple[Case, int, int]]:
        """Runs each case from the same state: setup, snapshot, then per case revert + pinned time.
        Leaves the chain as it found it."""
        pristine = self.rpc("evm_snapshot")
        setup()
        base_time = self.w3.eth.get_block("latest")["timestamp"]
        snapshot = self.rpc("evm_snapshot")
        results = []
        for case in cases:
            self.rpc("evm_setNextBlockTimestamp", base_time + BLOCK_GAP_SECONDS)
            before = self._owner_usdc()
            receipt = case.send()
            results.append((case, receipt.gasUsed, self._owner_usdc() - before))
            self.rpc("evm_revert", snapshot)
            snapshot = self.rpc("evm_snapshot")
        self.rpc("evm_revert", pristine)
        return results

    def _owner_usdc(self) -> int:
        return int(
            self.w3.eth.contract(address=self.usdc, abi=ERC20_ABI).functions.balanceOf(self.owner).call()
        )


def run(w3: Web3) -> list[tuple[Case, int, int]]:
    b = Bench(w3)
    quick = next(d for d in b.book.uniswap_v2_dexes if d.name == "quickswap")
    sushi = next(d for d in b.book.uniswap_v2_dexes if d.name == "sushiswap")
    quick_pair = b.v2_pair("quickswap", b.usdc, b.weth)
    sushi_usdt = b.v2_pair("sushiswap", b.usdt, b.usdc)
    v3_usdc_weth = b.v3_pool(b.usdc, b.weth, 500)
    v3_weth_usdt = b.v3_pool(b.weth, b.usdt, 500)

    # Route A: USDC.e -> WETH on QuickSwap (WETH made cheap there) -> USDC.e on Uniswap V3.
    a_hops = (Hop.uniswap_v2(quick_pair, b.weth, quick.fee_bps), Hop.uniswap_v3(v3_usdc_weth, b.usdc))
    a_steps = [(False, quick.router, b.weth, 0), (True, b.book.uniswap_v3.swap_router, b.usdc, 500)]
    # Route C: USDC.e -> WETH (QuickSwap) -> USDT (Uniswap V3) -> USDC.e (SushiSwap).
    c_hops = (
        Hop.uniswap_v2(quick_pair, b.weth, quick.fee_bps),
        Hop.uniswap_v3(v3_weth_usdt, b.usdt),
        Hop.uniswap_v2(sushi_usdt, b.usdc, sushi.fee_bps),
    )
    c_steps = [
        (False, quick.router, b.weth, 0),
        (True, b.book.uniswap_v3.swap_router, b.usdt, 500),
        (False, sushi.router, b.usdc, 0),
    ]
    # Route B: USDC.e -> WETH on Uniswap V3 -> USDC.e on QuickSwap (WETH made dear there).
    b_hops = (Hop.uniswap_v3(v3_usdc_weth, b.weth), Hop.uniswap_v2(quick_pair, b.usdc, quick.fee_bps))
    b_steps = [(True, b.book.uniswap_v3.swap_router, b.weth, 500), (False, quick.router, b.usdc, 0)]

    def route(lender: Lender, hops: tuple[Hop, ...]) -> Route:
        return Route(lender, b.usdc, AMOUNT_USDC, hops)

    weth_cheap = lambda: b.push_v2("quickswap", b.weth, b.usdc, 50 * 10**18)  # noqa: E731
    weth_dear = lambda: b.push_v2("quickswap", b.usdc, b.weth, 150_000 * 10**6)  # noqa: E731
    a, c, r = "2-hop V2 -> V3", "3-hop V2 -> V3 -> V2", "2-hop V3 -> V2"
    results = b.measure(
        weth_cheap,
        [
            Case(a, "router-based (Aave)", b.router_trade(a_steps), baseline=True),
            Case(a, "FlashArb via Aave", b.flasharb_trade(route(Lender.AAVE, a_hops))),
            Case(a, "FlashArb via Balancer", b.flasharb_trade(route(Lender.BALANCER, a_hops))),
            Case(a, "FlashArb, V2 pool as lender", b.flasharb_trade(route(Lender.UNISWAP_V2, a_hops))),
            Case(c, "router-based (Aave)", b.router_trade(c_steps), baseline=True),
            Case(c, "FlashArb via Aave", b.flasharb_trade(route(Lender.AAVE, c_hops))),
            Case(c, "FlashArb via Balancer", b.flasharb_trade(route(Lender.BALANCER, c_hops))),
            Case(c, "FlashArb, V2 pool as lender", b.flasharb_trade(route(Lender.UNISWAP_V2, c_hops))),
        ],
    )
    results += b.measure(
        weth_dear,
        [
            Case(r, "router-based (Aave)", b.router_trade(b_steps), baseline=True),
            Case(r, "FlashArb via Aave", b.flasharb_trade(route(Lender.AAVE, b_hops))),
            Case(r, "FlashArb via Balancer", b.flasharb_trade(route(Lender.BALANCER, b_hops))),
            Case(r, "FlashArb, V3 pool as lender", b.flasharb_trade(route(Lender.UNISWAP_V3, b_hops))),
        ],
    )
    return results


def table(results: list[tuple[Case, int, int]]) -> str:
    lines = [
        "| route | executor | gas | vs router-based | profit (USDC.e) |",
        "|---|---|---:|---:|---:|",
    ]
    baseline = 0
    for case, gas, profit in results:
        if case.baseline:
            baseline = gas
        ratio = "1.00" if case.baseline else f"{gas / baseline:.3f}"
        lines.append(f"| {case.route_name} | {case.executor} | {gas:,} | {ratio} | {profit / 10**6:,.6f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    args = parser.parse_args(argv)
    replica = ensure_replica()
    with ReplicaNode(replica) as node:
        results = run(Web3(Web3.HTTPProvider(node.url)))
    if args.json:
        rows = [{"route": c.route_name, "executor": c.executor, "gas": g, "profit": p} for c, g, p in results]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        sys.stdout.write(table(results) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
