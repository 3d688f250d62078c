"""`ape run botctl`: pause, resume, stop, status or reset-breaker a running `ape run bot`.

    ape run botctl pause            # stop sending within one block (the bot keeps watching)
    ape run botctl status

It talks to the bot through the control directory (the bot's `control_dir`, .data/control by default).
"""

from __future__ import annotations

import json
from pathlib import Path

import click


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
    "--timeout", default=10.0, show_default=True, help="Seconds to wait for the bot to acknowledge."
)
def cli(command: str, config_path: Path | None, control_dir: Path | None, timeout: float) -> None:
    from bot.errors import FlashArbError
    from bot.ops.config import load_config
    from bot.ops.control import read_status, send_command

    try:
        directory = control_dir or load_config(config_path).control_dir
        status = send_command(directory, command, timeout_s=timeout)
    except TimeoutError as err:
        last = read_status(directory)
        raise click.ClickException(
            f"{err}\nlast status written: {json.dumps(last) if last else 'none'}"
        ) from err
    except FlashArbError as err:
        raise click.ClickException(str(err)) from err
    ack = status.get("ack", {})
    click.echo(f"{command}: {'ok' if ack.get('ok') else 'refused'}: {ack.get('message', '')}")
    click.echo(json.dumps({k: v for k, v in status.items() if k not in ("ack", "acks")}, indent=2))
