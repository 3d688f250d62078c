"""What `ape run deploy` does once its options are parsed: connect, unlock the account once, deploy
or verify FlashArb, and say where it is recorded.

    run_deploy(resolve("polygon"), "deployer", executors=("0xBot...",), redeploy=False, path=None)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from bot.execution.deployments import DEFAULT_PATH
from bot.runtime.network import Target, connect


def run_deploy(
    target: Target,
    account_alias: str,
    executors: Sequence[str],
    redeploy: bool,
    path: Path | None,
) -> None:
    """Deploy (or verify) FlashArb on `target`, signing with `account_alias`; print the result."""
    from ape import chain, project

    from bot.addressbook import load
    from bot.execution.deploy import ensure_flasharb
    from bot.runtime.cli_support import load_account

    record_path = path or DEFAULT_PATH
    with connect(target):
        # Unlocked once here: ape would otherwise ask to confirm (and for the passphrase) per transaction.
        account = load_account(account_alias, unlock=True)
        result = ensure_flasharb(
            project=project,
            chain=chain,
            account=account,
            book=load(chain.chain_id),
            executors=tuple(executors),
            redeploy=redeploy,
            path=record_path,
        )
    click.echo(f"FlashArb {result.action} at {result.address} on {target.label} (recorded in {record_path})")
    for tx in result.transactions:
        click.echo(f"  tx {tx}")
