"""What `ape run replica` does: serve the local Polygon replica as a market a bot can paper trade on.

By default it also deploys FlashArb with anvil's dev account #0 (a public test key; owner and
executor), records it in the default deployments file, and lets seeded simulated traders swap every
`block_time_s` seconds, so that a plain `ape run bot` in another shell has a FlashArb to simulate
against and new blocks with moving prices:

    serve_replica(port=8545, host="127.0.0.1", deploy=True, traders=True, block_time_s=2.0, ...)
"""

from __future__ import annotations

import json
import logging
import signal
import time
from pathlib import Path
from typing import Any

import click

from bot.errors import ReplicaError
from bot.execution.deployments import DEFAULT_PATH
from bot.replica.manifest import Manifest
from bot.runtime.network import REPLICA, REPLICA_RPC_ENV, Target, connect

logger = logging.getLogger(__name__)

DEV_ACCOUNT = "TEST::0"
DEV_ACCOUNT_LABEL = "anvil dev account #0 (a public test key: never fund it on a real chain)"


def describe(manifest: Manifest) -> str:
    """A few lines on what the replica holds (the full address book is `--show-addresses`)."""
    venues = {
        "Uniswap V2-style pairs (QuickSwap, SushiSwap)": len(manifest.v2_pairs),
        "Uniswap V3 pools": len(manifest.v3_pools),
        "SushiSwap V3 pools (Uniswap V3 code at SushiSwap's factory)": len(manifest.v3_fork_pools),
        "QuickSwap V3 (Algebra) pools": len(manifest.algebra_pools),
        "Balancer V2 weighted pools": len(manifest.balancer_pools),
        "Balancer V2 ComposableStable pools (MaticX with a stand-in rate provider)": len(
            manifest.balancer_stable_pools
        ),
        "Curve StableSwap pools (stand-in)": len(manifest.curve_pools),
        "Curve aave pools, wrapped and underlying coins (stand-in)": len(manifest.curve_lending_pools),
        "Aave V3 reserves with flash loans": len(manifest.aave_reserves),
    }
    lines = [f"  {count:>3} {name}" for name, count in venues.items()]
    lines.append(f"  {len(manifest.tokens):>3} tokens: {', '.join(sorted(manifest.tokens))}")
    return "\n".join(lines)


def deploy_flasharb(url: str, path: Path) -> str:
    """Deploy FlashArb on the served replica with the dev account; its address."""
    from ape import chain, project

    from bot.addressbook import load
    from bot.execution.deploy import ensure_flasharb
    from bot.runtime.cli_support import load_account

    with connect(Target(REPLICA, url, f"the local replica at {url}")):
        account = load_account(DEV_ACCOUNT)
        result = ensure_flasharb(
            project=project,
            chain=chain,
            account=account,
            book=load(137),
            executors=(account.address,),
            redeploy=True,  # a served replica starts from the cached state: any earlier record is stale
            path=path,
        )
        return f"{result.address} (owner and executor: {account.address}, {DEV_ACCOUNT_LABEL})"


def serve_replica(
    *,
    port: int,
    host: str,
    rebuild: bool,
    deploy: bool,
    traders: bool,
    block_time_s: float,
    seed: int,
    intensity: int,
    show_addresses: bool,
    deployments: Path | None,
    scale: str = "small",
) -> None:
    """Serve until Ctrl-C or SIGTERM; see the module docstring."""
    from web3 import HTTPProvider, Web3

    from bot.replica import ReplicaNode, ensure_replica
    from bot.replica.market_flow import MarketFlow

    started = time.perf_counter()
    replica = ensure_replica(rebuild=rebuild, scale=scale)
    record_path = deployments or DEFAULT_PATH
    with ReplicaNode(replica, port=port, host=host) as node:
        ready = time.perf_counter() - started
        built = f" (built in {replica.build_seconds:.1f} s)" if replica.built_now else ""
        click.echo(f"Polygon replica (chain id 137, {scale}) at {node.url}, ready in {ready:.2f} s{built}")
        click.echo(describe(replica.manifest))
        if show_addresses:
            click.echo(json.dumps(replica.manifest.model_dump(mode="json"), indent=2))
        if deploy:
            click.echo(f"FlashArb deployed at {deploy_flasharb(node.url, record_path)}")
            click.echo(f"  recorded in {record_path}")
        flow = None
        if traders:
            w3 = Web3(HTTPProvider(node.url, request_kwargs={"timeout": 30}))
            flow = MarketFlow(w3, replica.manifest, seed=seed, intensity=intensity)
            click.echo(
                f"simulated traders: seed {seed}, about {intensity} swaps per block, a block every "
                f"{block_time_s:g} s"
            )
        env = "" if node.url == "http://127.0.0.1:8545" else f"export {REPLICA_RPC_ENV}={node.url}\n  "
        after = "" if deploy else "   (after `ape run deploy`)"
        hops = " --set max_hops=3" if scale == "full" else ""  # 4 hops over 623 pools: ~4 x 10^7 cycles
        click.echo(f"\nIn another shell:\n  {env}ape run bot{hops}{after}")
        if deployments is not None:
            click.echo(f"  (with --deployments {deployments})")
        click.echo("Press Ctrl-C to stop.")
        _serve(node, flow, block_time_s)
    click.echo("replica stopped")


def _serve(node: Any, flow: Any, block_time_s: float) -> None:
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    previous = signal.signal(signal.SIGTERM, _stop)
    block = 0
    next_block = time.monotonic() + block_time_s
    try:
        while not stop and node.alive():
            if flow is not None and time.monotonic() >= next_block:
                try:
                    if not flow.step(block):
                        flow.w3.provider.make_request("evm_mine", [])
                except (OSError, ReplicaError) as exc:
                    logger.warning("market flow: block %d failed: %s", block, exc)
                block += 1
                next_block += block_time_s
            time.sleep(0.1)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    if not node.alive():
        raise ReplicaError("anvil exited unexpectedly; see its log above")
