"""Benchmark: exact Uniswap V3 quote time per call, bot.amm.v3_pool against degenbot 0.3.x.

    .venv/bin/python bench/v3_quote.py [--calls 1000] [--repeats 5] [--no-degenbot]

Both sides quote the same pool state: a WBTC/USDT 0.05 % pool built on a throwaway node of the
Polygon replica with 80 positions (160 initialised ticks over ~16 bitmap words) through the real
factory and NonfungiblePositionManager. For swaps crossing 0, 5 and 50 initialised ticks it times
each library on fresh inputs (every call a different amount), checks that both return the same
integers, and prints a markdown table with the machine it ran on.

degenbot is never a project dependency: it is installed on demand into its own virtual environment
(.cache/bench/degenbot-venv) and run there in a subprocess that connects to the same node, builds
its pool from the same tick bitmap and liquidity, and reports its timings and outputs as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from web3 import Web3  # noqa: E402

from bot.addressbook import load  # noqa: E402
from bot.amm.tick_bitmap import bitmap_from_ticks  # noqa: E402
from bot.amm.tick_math import get_sqrt_ratio_at_tick  # noqa: E402
from bot.amm.v3_pool import V3PoolState, exact_input, swap, swap_loop  # noqa: E402
from bot.replica import ReplicaNode, ensure_replica  # noqa: E402
from bot.replica.deal import deal  # noqa: E402


def _load_chain_reads() -> Any:
    """The parity tests' plain eth_call reader (tests/amm/chain_reads.py), loaded by path: a `tests`
    package in site-packages can shadow the project's tests directory."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("chain_reads", ROOT / "tests" / "amm" / "chain_reads.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


v3_state = _load_chain_reads().v3_state

DEGENBOT_SPEC = "degenbot>=0.3,<0.4"
DEGENBOT_VENV = ROOT / ".cache" / "bench" / "degenbot-venv"
FEE, CENTER, POSITIONS = 500, 64_000, 80
CROSSINGS = (0, 5, 50)
MAX_UINT = 2**256 - 1

# Runs inside the degenbot venv: builds degenbot's pool from the same state and times it.
DEGENBOT_RUNNER = r"""
import json, sys, time
from importlib.metadata import version
from web3 import Web3
from degenbot import UniswapV3Pool, set_web3
job = json.load(sys.stdin)
set_web3(Web3(Web3.HTTPProvider(job["url"])))
pool = UniswapV3Pool(
    job["pool"],
    tick_bitmap={int(w): {"bitmap": int(b)} for w, b in job["words"].items()},
    tick_data={int(t): {"liquidity_net": int(n), "liquidity_gross": 0} for t, n in job["nets"].items()},
    verify_address=False,
    silent=True,
)
token_in = pool.token0 if job["zero_for_one"] else pool.token1
quote = pool.calculate_tokens_out_from_tokens_in
result = {"version": version("degenbot"), "cases": []}
for case in job["cases"]:
    best, outputs = None, None
    for run in case["runs"]:
        start = time.perf_counter()
        out = [quote(token_in, a) for a in run]
        elapsed = (time.perf_counter() - start) / len(run)
        best = elapsed if best is None else min(best, elapsed)
        outputs = out if outputs is None else outputs
    result["cases"].append({"seconds_per_call": best, "outputs": [str(o) for o in outputs]})
print(json.dumps(result))
"""


def build_pool(w3: Web3) -> str:
    """Create and fill the benchmark pool on the node; returns its address."""
    book = load(137)
    v3 = book.uniswap_v3
    lp = w3.eth.accounts[0]
    token0, token1 = sorted((book.token("WBTC").address, book.token("USDT").address), key=str.lower)
    periphery = ROOT / "node_modules/@uniswap/v3-periphery/artifacts/contracts"
    core = ROOT / "node_modules/@uniswap/v3-core/artifacts/contracts"
    npm_abi = json.loads(
        (periphery / "NonfungiblePositionManager.sol/NonfungiblePositionManager.json").read_text()
    )
    factory_abi = json.loads((core / "UniswapV3Factory.sol/UniswapV3Factory.json").read_text())
    npm = w3.eth.contract(v3.nonfungible_position_manager, abi=npm_abi["abi"])
    approve_abi = [
        {
            "type": "function",
            "name": "approve",
            "stateMutability": "nonpayable",
            "inputs": [{"name": "s", "type": "address"}, {"name": "v", "type": "uint256"}],
            "outputs": [{"name": "", "type": "bool"}],
        }
    ]
    calls = [
        npm.functions.createAndInitializePoolIfNecessary(
            token0, token1, FEE, get_sqrt_ratio_at_tick(CENTER) + 7
        )
    ]
    for token in (token0, token1):
        deal(w3, token, lp, 10**32)
        calls.append(w3.eth.contract(token, abi=approve_abi).functions.approve(npm.address, MAX_UINT))
    for k in range(POSITIONS):
        width = 100 + (k * 997) % 7900 // 10 * 10
        lower = CENTER - width // 2 // 10 * 10 + ((k * 7919) % 4001 - 2000) * 10
        amount = 10 ** (7 + k % 4) * width
        calls.append(
            npm.functions.mint((token0, token1, FEE, lower, lower + width, amount, amount, 0, 0, lp, 2**40))
        )
    for call in calls:
        receipt = w3.eth.wait_for_transaction_receipt(call.transact({"from": lp}))
        if receipt.status != 1:
            raise RuntimeError(f"benchmark pool setup failed: {call.fn_name}")
    factory = w3.eth.contract(v3.factory, abi=factory_abi["abi"])
    return factory.functions.getPool(token0, token1, FEE).call()


def amount_window(state: V3PoolState, crossings: int) -> tuple[int, int]:
    """[low, high): the exact inputs (token0 in) whose swap crosses exactly `crossings` ticks."""

    def first_reaching(count: int) -> int:
        low, high = 1, 1
        while swap(state, True, high).ticks_crossed < count:
            high *= 2
        while high - low > 1:
            mid = (low + high) // 2
            if swap(state, True, mid).ticks_crossed >= count:
                high = mid
            else:
                low = mid
        return high if count else 1

    return first_reaching(crossings), first_reaching(crossings + 1)


def make_runs(window: tuple[int, int], calls: int, repeats: int, salt: int) -> list[list[int]]:
    """repeats x calls distinct amounts spread over the window (deterministic)."""
    low, high = window
    span = high - low
    total = calls * repeats
    amounts = [low + (span * ((k * 7919 + salt) % total)) // total for k in range(total)]
    return [amounts[r * calls : (r + 1) * calls] for r in range(repeats)]


def time_ours(fn: Any, state: V3PoolState, runs: list[list[int]], fresh: bool = False) -> tuple[float, list]:
    """Best seconds per call over the runs, and the first run's results. With `fresh`, every call
    quotes its own new copy of the snapshot (made before the clock starts), so no cached path helps."""
    best, outputs = None, None
    for run in runs:
        states = [replace(state) for _ in run] if fresh else [state] * len(run)
        start = time.perf_counter()
        out = [fn(s, True, a) for s, a in zip(states, run, strict=True)]
        elapsed = (time.perf_counter() - start) / len(run)
        best = elapsed if best is None else min(best, elapsed)
        outputs = out if outputs is None else outputs
    return best, outputs


def measure_ours(state: V3PoolState, all_runs: list) -> tuple[list, list, list, list]:
    """(loop, fresh snapshot, swap, exact_input) timings for every case."""
    return (
        [time_ours(swap_loop, state, runs) for runs in all_runs],
        [time_ours(swap, state, runs, fresh=True) for runs in all_runs],
        [time_ours(swap, state, runs) for runs in all_runs],
        [time_ours(exact_input, state, runs) for runs in all_runs],
    )


def degenbot_python() -> tuple[str | None, str]:
    """The degenbot venv's interpreter, installing it on demand; (None, reason) when impossible."""
    python = DEGENBOT_VENV / "bin" / "python"
    if not python.exists():
        DEGENBOT_VENV.parent.mkdir(parents=True, exist_ok=True)
        made = subprocess.run(
            [sys.executable, "-m", "venv", str(DEGENBOT_VENV)], capture_output=True, text=True
        )
        if made.returncode:
            return None, f"could not create a venv: {made.stderr.strip()[-300:]}"
    check = subprocess.run([str(python), "-c", "import degenbot"], capture_output=True, text=True)
    if check.returncode:
        sys.stderr.write(f"installing {DEGENBOT_SPEC} into {DEGENBOT_VENV} ...\n")
        pip = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", DEGENBOT_SPEC], capture_output=True, text=True
        )
        if pip.returncode:
            return None, f"pip install {DEGENBOT_SPEC} failed: {pip.stderr.strip()[-300:]}"
    return str(python), ""


def run_degenbot(python: str, url: str, state: V3PoolState, words: dict[int, int], all_runs: list) -> dict:
    job = {
        "url": url,
        "pool": state.address,
        "zero_for_one": True,
        "words": {str(w): str(b) for w, b in words.items()},
        "nets": {str(t): str(n) for t, n in zip(state.ticks, state.liquidity_net, strict=True)},
        "cases": [{"runs": runs} for runs in all_runs],
    }
    done = subprocess.run(
        [python, "-c", DEGENBOT_RUNNER], input=json.dumps(job), capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"degenbot runner failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} us"


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or model
    return (
        f"{os.cpu_count()} cores (nproc), {model}, Python {platform.python_version()} ({platform.system()})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000, help="calls per timed run (each a new amount)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per case; the best is reported")
    parser.add_argument("--no-degenbot", action="store_true", help="time bot.amm only")
    args = parser.parse_args()

    replica = ensure_replica()
    with ReplicaNode(replica) as node:
        w3 = Web3(Web3.HTTPProvider(node.url))
        pool = build_pool(w3)
        state = v3_state(w3, pool)
        words = bitmap_from_ticks(state.ticks, state.tick_spacing)
        windows = [amount_window(state, c) for c in CROSSINGS]
        all_runs = [
            make_runs(w, args.calls, args.repeats, salt=c) for w, c in zip(windows, CROSSINGS, strict=True)
        ]
        swap(state, True, max(w[1] for w in windows))  # the path as deep as the largest case needs
        first = measure_ours(state, all_runs)
        theirs, reason = None, "skipped (--no-degenbot)"
        if not args.no_degenbot:
            python, reason = degenbot_python()
            if python:
                theirs = run_degenbot(python, node.url, state, words, all_runs)
        # ours again after degenbot, keeping each figure's best: the machine is shared, and both sides
        # then get the benefit of its quietest moments
        second = measure_ours(state, all_runs)
        ours_loop, ours_fresh, ours_full, ours_out = (
            [min(a, b, key=lambda t: t[0]) for a, b in zip(x, y, strict=True)]
            for x, y in zip(first, second, strict=True)
        )
        load = os.getloadavg()[0]

    lines = [
        "## Exact Uniswap V3 quote, time per call",
        "",
        f"Machine: {machine()}; load average {load:.1f} at the end (other work shares the cores).  ",
        f"Pool: WBTC/USDT 0.05 % on the replica, {len(state.ticks)} initialised ticks, tick spacing "
        f"{state.tick_spacing}; zero-for-one exact input; {args.calls} new amounts per run, "
        f"best of {args.repeats} runs.  ",
        f"degenbot {theirs['version']} in its own venv ({DEGENBOT_SPEC})."
        if theirs
        else f"degenbot: not measured: {reason}",
        "",
    ]
    header = "| ticks crossed | loop | fresh snapshot | swap() | exact_input() |"
    rule = "|---:|---:|---:|---:|---:|"
    if theirs:
        header += " degenbot | loop vs degenbot | swap() vs degenbot | same integers |"
        rule += "---:|---:|---:|:---:|"
    lines += [header, rule]
    for k, crossings in enumerate(CROSSINGS):
        (loop_s, loop_results), (fresh_s, fresh_results) = ours_loop[k], ours_fresh[k]
        (full_s, results), (out_s, outs) = ours_full[k], ours_out[k]
        assert all(r.ticks_crossed == crossings for r in results), "amount window is off"
        assert results == loop_results == fresh_results
        assert outs == [-r.amount1 for r in results]
        row = f"| {crossings} | {_us(loop_s)} | {_us(fresh_s)} | {_us(full_s)} | {_us(out_s)} |"
        if theirs:
            case = theirs["cases"][k]
            theirs_s = case["seconds_per_call"]
            same = "yes" if [int(o) for o in case["outputs"]] == outs else "NO"
            row += f" {_us(theirs_s)} | {theirs_s / loop_s:.1f}x | {theirs_s / full_s:.1f}x | {same} |"
        lines.append(row)
    lines += [
        "",
        "loop: `swap_loop`, the pool's loop step by step (full result). fresh snapshot: `swap` as the "
        "first quote on a new snapshot (builds the path of full steps as far as the input needs). "
        "swap(): `swap` on a snapshot already quoted (binary search + one partial step; full result). "
        "exact_input(): the output only, skipping the final TickMath.getTickAtSqrtRatio. degenbot: "
        "UniswapV3Pool.calculate_tokens_out_from_tokens_in with the complete tick map.",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
