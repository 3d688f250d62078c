"""`ape run deploy`: deploy FlashArb on the chosen network, or verify the deployment already there.

    ape run deploy --network polygon:replica:node --account <alias> --executor 0xBot...

Idempotent: the address is recorded in deployments.json (or the file given with --deployments, which
`ape run bot --deployments` then reads) per chain id and genesis hash; a second run checks code and
settings and changes nothing (it only adds executors that are asked for and missing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from ape.cli import ConnectedProviderCommand, account_option


@click.command(cls=ConnectedProviderCommand, help=__doc__.split("\n\n")[0])
@account_option()
@click.option(
    "--executor", "executors", multiple=True, help="An account allowed to start trades (repeatable)."
)
@click.option(
    "--redeploy", is_flag=True, help="Deploy a new FlashArb even if one is recorded for this chain."
)
@click.option(
    "--deployments",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="deployments.json to record FlashArb in (default: the repository's).",
)
def cli(account: Any, executors: tuple[str, ...], redeploy: bool, deployments: Path | None) -> None:
    from ape import chain, project

    from bot.addressbook import load
    from bot.errors import FlashArbError
    from bot.execution.deploy import ensure_flasharb
    from bot.execution.deployments import DEFAULT_PATH

    try:
        result = ensure_flasharb(
            project=project,
            chain=chain,
            account=account,
            book=load(chain.chain_id),
            executors=executors,
            redeploy=redeploy,
            path=deployments or DEFAULT_PATH,
        )
    except FlashArbError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"FlashArb {result.action} at {result.address} (recorded in {deployments or DEFAULT_PATH})")
    for tx in result.transactions:
        click.echo(f"  tx {tx}")
