"""`ape run bot`: watch every block, find arbitrage cycles, and send the profitable ones.

    ape run bot                                           # paper trading on a replica being served
    ape run bot --network polygon --account bot --live    # real Polygon (FLASHARB_POLYGON_RPC)

Paper trading (--dry-run) is the default: it simulates and journals, never sends. Control a running
bot from another terminal with `ape run botctl pause|resume|stop|status|reset-breaker`.
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
    "--account", "account_alias", default=None, help="ape account alias that signs (TEST::0 on dev chains)."
)
@click.option("--dry-run/--live", "dry_run", default=None, help="Paper trading (default) or live sending.")
@click.option("--once", is_flag=True, help="Process one block, then stop.")
@click.option(
    "--json", "json_output", is_flag=True, help="One JSON object per line per opportunity and trade."
)
@click.option("--min-profit-usd", default=None, help="Smallest net profit worth sending, USD (default 3).")
@click.option(
    "--max-profit-usd", default=None, help='Largest believable net profit, USD (default 30); "off" for none.'
)
@click.option("--max-gas-gwei", default=None, help="Never pay more than this per gas, gwei (default 500).")
@click.option(
    "--lenders",
    multiple=True,
    type=click.Choice(["aave", "balancer", "flash_swap"]),
    help="Allowed lenders (repeatable).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="TOML settings file.",
)
@click.option("--max-blocks", type=click.IntRange(min=1), default=None, help="Stop after this many blocks.")
@deployments_option("read FlashArb from")
@click.option("--priority-fee-gwei", default=None, help="Tip per gas, gwei (default 30).")
@click.option(
    "--max-trades-per-block",
    type=click.IntRange(1, 10),
    default=None,
    help="Sends per block at most (default 1).",
)
@click.option(
    "--balancer-pool-id",
    "balancer_pool_ids",
    multiple=True,
    help="A Balancer pool id to trade besides those the Vault's logs list (repeatable).",
)
@click.option(
    "--set",
    "set_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Any setting by name (repeatable), e.g. --set breaker_max_failures=5.",
)
@click.option(
    "--console-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Serve the web console at http://127.0.0.1:PORT/ (token in FLASHARB_CONSOLE_TOKEN); 0 = off.",
)
@click.option(
    "--show-config",
    is_flag=True,
    help="Print every setting, its value and where it came from (default, file, env, command line); "
    "connect to nothing.",
)
def cli(
    network: str | None,
    account_alias: str | None,
    dry_run: bool | None,
    once: bool,
    json_output: bool,
    min_profit_usd: str | None,
    max_profit_usd: str | None,
    max_gas_gwei: str | None,
    lenders: tuple[str, ...],
    config_path: Path | None,
    max_blocks: int | None,
    deployments: Path | None,
    priority_fee_gwei: str | None,
    max_trades_per_block: int | None,
    balancer_pool_ids: tuple[str, ...],
    set_options: tuple[str, ...],
    console_port: int | None,
    show_config: bool,
) -> None:
    from bot.errors import FlashArbError
    from bot.runtime.bot_command import run_bot, show
    from bot.runtime.cli_support import build_config
    from bot.runtime.network import resolve, resolve_name

    if console_port is not None:  # a setting like any other (console_port), given on the command line
        set_options = (*set_options, f"console_port={console_port}")
    try:
        # --show-config connects to nothing, so it works before any node or RPC URL is there.
        target = None if show_config else resolve(network)
        config = build_config(
            config_path,
            network=resolve_name(network) if target is None else target.choice,
            account=account_alias,
            dry_run=dry_run,
            once=once,
            json_output=json_output,
            min_profit_usd=min_profit_usd,
            max_profit_usd=max_profit_usd,
            max_gas_gwei=max_gas_gwei,
            lenders=lenders,
            max_blocks=max_blocks,
            priority_fee_gwei=priority_fee_gwei,
            max_trades_per_block=max_trades_per_block,
            balancer_pool_ids=balancer_pool_ids,
            deployments_path=deployments,
            set_options=set_options,
        )
        if target is None:
            show(config, json_output)
            return
        run_bot(target, config)
    except FlashArbError as err:
        raise click.ClickException(str(err)) from err
