"""`ape run deploy`: deploy FlashArb on the chosen network, or verify the deployment already there.

    ape run deploy --network polygon:replica:node --account <alias> --executor 0xBot...

Idempotent: the address is recorded in deployments.json per chain id and genesis hash; a second run
checks code and settings and changes nothing (it only adds executors that are asked for and missing).
"""

from __future__ import annotations

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
def cli(account: Any, executors: tuple[str, ...], redeploy: bool) -> None:
    from ape import chain, project

    from bot.addressbook import load
    from bot.errors import FlashArbError
    from bot.execution.deploy import ensure_flasharb

    try:
        result = ensure_flasharb(
            project=project,
            chain=chain,
            account=account,
            book=load(chain.chain_id),
            executors=executors,
            redeploy=redeploy,
        )
    except FlashArbError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"FlashArb {result.action} at {result.address}")
    for tx in result.transactions:
        click.echo(f"  tx {tx}")
