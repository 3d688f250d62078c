"""`ape run bot`: watch every block, find arbitrage cycles, and send the profitable ones.

    ape run bot --network polygon:replica:node --dry-run --once        # paper trading, one block
    ape run bot --network polygon:mainnet:node --account bot --live    # sends real transactions

Paper trading (--dry-run) is the default: it simulates and journals, never sends. Control a running
bot from another terminal with `ape run botctl pause|resume|stop|status|reset-breaker`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from ape.cli import ConnectedProviderCommand


@click.command(cls=ConnectedProviderCommand, help=__doc__.split("\n\n")[0])
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
@click.option(
    "--deployments",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="deployments.json to read FlashArb from (default: the repository's).",
)
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
    help="A Balancer pool id to trade (repeatable; needed on real Polygon).",
)
def cli(
    provider: Any,
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
) -> None:
    from ape import project

    from bot.errors import FlashArbError
    from bot.execution.signer import ApeSigner
    from bot.ops.metrics import BotMetrics, start_server
    from bot.ops.summary import summarize
    from bot.ops.view import LiveView
    from bot.runtime.assemble import assemble
    from bot.runtime.cli_support import build_config, load_account, loop_times, setup_logging
    from bot.runtime.events import JsonLines

    try:
        config = build_config(
            config_path,
            network=f"{provider.network.ecosystem.name}:{provider.network.name}:{provider.name}",
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
        )
        setup_logging(config.log_level)
        signer = None
        if config.account is not None:
            signer = ApeSigner(
                load_account(config.account, unlock=not config.dry_run), provider.network.ecosystem
            )
        metrics = BotMetrics()
        server = start_server(metrics, config.metrics_host, config.metrics_port)
        sink = JsonLines() if config.json_output else None
        view = None if config.json_output or config.once else LiveView()
        loop = assemble(
            config,
            provider.web3,
            flasharb_abi=project.FlashArb.contract_type.abi,
            signer=signer,
            sink=sink,
            view=view,
            metrics=metrics,
        )
    except FlashArbError as err:
        raise click.ClickException(str(err)) from err
    try:
        loop.resume()
        if view is not None:
            with view:
                reason = loop.run()
        else:
            reason = loop.run()
    finally:
        if server is not None:
            server.stop()
    summary = summarize(loop.journal, loop.run_id)
    if config.json_output:
        sink.emit("summary", {**summary.as_dict(), "stop_reason": reason, "loop_time": loop_times(loop)})  # type: ignore[union-attr]
    else:
        click.echo(summary.as_text())
        times = loop_times(loop)
        if times:
            click.echo(
                f"  loop time per block  median {times['median_ms']:.1f} ms, p90 {times['p90_ms']:.1f} ms"
            )
        click.echo(f"stopped: {reason}")
