"""`ape run deploy`: deploy FlashArb on the chosen network, or verify the deployment already there.

    ape run deploy --network polygon --account deployer --executor 0xBot...   # real Polygon
    ape run deploy --network polygon:replica --account TEST::0                 # the local replica

Idempotent: the address is recorded in .data/deployments.json (or the file given with --deployments,
which `ape run bot --deployments` then reads) per chain id and genesis hash; a second run checks code
and settings and changes nothing (it only adds executors that are asked for and missing). A keystore
account is unlocked once, from APE_ACCOUNTS_<alias>_PASSPHRASE when set: no prompt per transaction.
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.runtime.console import logs_to_stderr
from bot.runtime.options import deployments_option, network_option

logs_to_stderr()


@click.command(help=__doc__.split("\n\n")[0])
@network_option
@click.option(
    "--account",
    "account_alias",
    default=None,
    help="ape account alias that deploys and owns FlashArb (`ape accounts list`; TEST::0 on the replica).",
)
@click.option(
    "--executor", "executors", multiple=True, help="An account allowed to start trades (repeatable)."
)
@click.option(
    "--redeploy", is_flag=True, help="Deploy a new FlashArb even if one is recorded for this chain."
)
@deployments_option("record FlashArb in")
def cli(
    network: str | None,
    account_alias: str | None,
    executors: tuple[str, ...],
    redeploy: bool,
    deployments: Path | None,
) -> None:
    from bot.errors import FlashArbError
    from bot.runtime.deploy_command import run_deploy
    from bot.runtime.network import resolve

    try:
        target = resolve(network)  # before anything else: a missing RPC URL is the first thing to say
        if account_alias is None:
            raise click.UsageError(
                "--account: name the ape account that deploys and will own FlashArb (`ape accounts list`; "
                "import one with `ape accounts import <alias>`; on the replica, TEST::0 is a dev account)"
            )
        run_deploy(target, account_alias, executors, redeploy, deployments)
    except FlashArbError as err:
        raise click.ClickException(str(err)) from err
