"""What `ape run bot` does once its options are parsed: connect, assemble the loop, run it, report.

    run_bot(resolve("polygon:replica"), config)

Kept out of scripts/bot.py so the script stays a thin option parser.
"""

from __future__ import annotations

import json

import click

from bot.ops.config import BotConfig, describe_config, describe_config_dict
from bot.runtime.network import Target, connect


def run_bot(target: Target, config: BotConfig) -> str:
    """Run the bot on `target` with `config` until it stops; print the summary; return the reason."""
    from ape import project

    from bot.console import start_console
    from bot.console.alerts import start_alerts
    from bot.console.auth import console_token
    from bot.execution.signer import ApeSigner
    from bot.ops.metrics import BotMetrics, start_server
    from bot.ops.summary import summarize
    from bot.ops.view import LiveView
    from bot.runtime.assemble import assemble
    from bot.runtime.cli_support import load_account, loop_times, setup_logging
    from bot.runtime.events import JsonLines
    from bot.runtime.signals import stop_on_signals

    setup_logging(config.log_level)
    if config.console_port:
        console_token()  # no console without FLASHARB_CONSOLE_TOKEN: refuse before connecting
    with connect(target) as provider:
        signer = None
        if config.account is not None:
            account = load_account(config.account, unlock=not config.dry_run)
            signer = ApeSigner(account, provider.network.ecosystem)
        metrics = BotMetrics()
        server = start_server(metrics, config.metrics_host, config.metrics_port)
        console = alerts = None
        try:
            console = start_console(config)
            alerts = start_alerts(config)  # FLASHARB_ALERT_WEBHOOK_URL
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
            if console is not None:
                console.attach(loop)
            if alerts is not None:
                alerts.attach(loop)
            with stop_on_signals(loop):  # SIGINT and SIGTERM: finish the block, close the run, summary
                loop.resume()
                if view is not None:
                    with view:
                        reason = loop.run()
                else:
                    reason = loop.run()
            if alerts is not None:
                alerts.stopped(reason)
        finally:
            if alerts is not None:
                alerts.stop()
            if console is not None:
                console.stop()
            if server is not None:
                server.stop()
        summary = summarize(loop.journal, loop.run_id)
        times = loop_times(loop)
    if sink is not None:
        sink.emit("summary", {**summary.as_dict(), "stop_reason": reason, "loop_time": times})
        return reason
    click.echo(summary.as_text())
    if times:
        click.echo(f"  loop time per block  median {times['median_ms']:.1f} ms, p90 {times['p90_ms']:.1f} ms")
    click.echo(f"stopped: {reason}")
    return reason


def show(config: BotConfig, json_output: bool) -> None:
    """`--show-config`: every effective setting, its value and its source (a table, or one JSON line)."""
    if json_output:
        click.echo(json.dumps({"event": "config", "settings": describe_config_dict(config)}))
    else:
        click.echo(describe_config(config))
