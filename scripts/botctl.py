"""`ape run botctl`: pause, resume, stop, status or reset-breaker the bot of a control directory.

    ape run botctl pause            # stop sending within one block (the bot keeps watching)
    ape run botctl status

It talks to the bot through the control directory (the bot's `control_dir`, .data/control by default).
When the bot is not running it answers at once from the last status: `status` and `stop` say so,
`pause` and `resume` are saved for its next start, `reset-breaker` resets the breaker's saved state.
Exit status: 0 answered or done, 1 not delivered (no bot acknowledged in time, or a bad control
directory), 3 the bot refused the command.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from bot.runtime.console import logs_to_stderr

logs_to_stderr()

EXIT_NOT_DELIVERED = 1
EXIT_REFUSED = 3


def _shown(status: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in status.items() if k not in ("ack", "acks")}, indent=2, sort_keys=True)


@click.command(help=__doc__.split("\n\n")[0])
@click.argument("command", type=click.Choice(["pause", "resume", "stop", "status", "reset-breaker"]))
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The bot's TOML settings file (for its control_dir).",
)
@click.option(
    "--control-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The bot's control directory.",
)
@click.option(
    "--timeout", default=10.0, show_default=True, help="Seconds to wait for a running bot to acknowledge."
)
def cli(command: str, config_path: Path | None, control_dir: Path | None, timeout: float) -> None:
    from bot.errors import FlashArbError
    from bot.ops.config import load_config
    from bot.ops.control import deliver, read_status

    directory: Path | None = control_dir
    try:
        directory = control_dir or load_config(config_path).control_dir
        reply = deliver(directory, command, timeout_s=timeout)
    except TimeoutError as err:
        last = read_status(directory) if directory is not None else None
        click.echo(f"{command}: not delivered: {err}", err=True)
        click.echo(f"last status written: {_shown(last) if last else 'none'}", err=True)
        raise click.exceptions.Exit(EXIT_NOT_DELIVERED) from err
    except FlashArbError as err:
        click.echo(f"{command}: not delivered: {err}", err=True)
        raise click.exceptions.Exit(EXIT_NOT_DELIVERED) from err
    click.echo(f"{command}: {reply.outcome}: {reply.message}")
    if reply.status is not None:
        click.echo(_shown(reply.status))
    if not reply.ok:
        raise click.exceptions.Exit(EXIT_REFUSED)
