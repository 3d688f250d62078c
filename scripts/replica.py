"""`ape run replica`: serve the local Polygon replica until interrupted.

    ape run replica                  # 127.0.0.1:8545, FlashArb deployed, simulated traders every 2 s
    ape run replica --scale full     # the same at Polygon scale (600+ pools over every token and venue)
    ape run bot                      # in another shell: paper trading on it

Point other tools at it with FLASHARB_REPLICA_RPC=<url> and `--network polygon:replica`.
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.runtime.console import logs_to_stderr
from bot.runtime.options import deployments_option

logs_to_stderr()


@click.command(help="Serve the local Polygon replica (chain id 137) until Ctrl-C.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8545, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option(
    "--scale",
    type=click.Choice(["small", "full"]),
    default="small",
    show_default=True,
    help="The replica's size: small (72 pools) or full (Polygon scale: 600+ pools, every token and venue).",
)
@click.option("--rebuild", is_flag=True, help="Rebuild the replica state even if a valid cache exists.")
@click.option(
    "--deploy/--no-deploy",
    default=True,
    show_default=True,
    help="Deploy FlashArb with anvil's dev account #0 (a public test key) and record it.",
)
@click.option(
    "--traders/--no-traders",
    default=True,
    show_default=True,
    help="Seeded simulated traders swap every block, so prices move.",
)
@click.option(
    "--block-time",
    "block_time_s",
    default=2.0,
    show_default=True,
    type=click.FloatRange(0.2, 60),
    help="Seconds between simulated traders' blocks.",
)
@click.option("--seed", default=7, show_default=True, help="Seed of the simulated traders.")
@click.option(
    "--intensity", default=3, show_default=True, type=click.IntRange(0, 100), help="Mean swaps per block."
)
@click.option("--show-addresses", is_flag=True, help="Also print the full manifest (every address, JSON).")
@deployments_option("record FlashArb in")
def cli(
    host: str,
    port: int,
    scale: str,
    rebuild: bool,
    deploy: bool,
    traders: bool,
    block_time_s: float,
    seed: int,
    intensity: int,
    show_addresses: bool,
    deployments: Path | None,
) -> None:
    from bot.errors import FlashArbError
    from bot.runtime.replica_command import serve_replica

    try:
        serve_replica(
            port=port,
            host=host,
            rebuild=rebuild,
            scale=scale,
            deploy=deploy,
            traders=traders,
            block_time_s=block_time_s,
            seed=seed,
            intensity=intensity,
            show_addresses=show_addresses,
            deployments=deployments,
        )
    except FlashArbError as err:
        raise click.ClickException(str(err)) from err
