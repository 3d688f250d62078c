"""`ape run replica`: serve the local Polygon replica until interrupted.

Point deploy and bot at it with FLASHARB_REPLICA_RPC=<url> and `--network polygon:replica:node`.
"""

from __future__ import annotations

import json
import signal
import time

import click


@click.command(help="Serve the local Polygon replica (chain id 137) until Ctrl-C.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8545, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--rebuild", is_flag=True, help="Rebuild the replica state even if a valid cache exists.")
def cli(host: str, port: int, rebuild: bool) -> None:
    from bot.replica import ReplicaNode, ensure_replica

    started = time.perf_counter()
    replica = ensure_replica(rebuild=rebuild)
    with ReplicaNode(replica, port=port, host=host) as node:
        ready = time.perf_counter() - started
        click.echo(f"Polygon replica (chain id 137) ready in {ready:.2f} s at {node.url}")
        click.echo(json.dumps(replica.manifest.model_dump(mode="json"), indent=2))
        click.echo(f"\nUse it with:  export FLASHARB_REPLICA_RPC={node.url}")
        click.echo("              ape run deploy --network polygon:replica:node --account <alias>")
        click.echo("Press Ctrl-C to stop.")
        stop = False

        def _stop(*_: object) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGTERM, _stop)
        try:
            while not stop and node.alive():
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        if not node.alive():
            raise click.ClickException("anvil exited unexpectedly; see its log above")
    click.echo("replica stopped")
