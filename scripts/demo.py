"""`ape run demo` (or `make demo`): the bot trading live on the local Polygon replica.

No RPC, no keys: it builds or loads the replica, serves it, deploys FlashArb with anvil's first dev
account (a public test key), lets seeded simulated traders move prices block after block, runs the
bot live against it, and ends with the summary. Ctrl-C stops it cleanly.
"""

from __future__ import annotations

import time

import click

from bot.runtime.console import logs_to_stderr

logs_to_stderr()


@click.command(help=__doc__.split("\n\n")[0])
@click.option(
    "--blocks", default=30, show_default=True, type=click.IntRange(1, 10_000), help="Blocks to run."
)
@click.option("--seed", default=7, show_default=True, help="Seed of the simulated traders.")
@click.option(
    "--intensity", default=3, show_default=True, type=click.IntRange(0, 100), help="Mean swaps per block."
)
@click.option(
    "--min-profit-usd", default="0.05", show_default=True, help="Smallest net profit worth sending, USD."
)
@click.option(
    "--max-profit-usd",
    default="off",
    show_default=True,
    help='Largest believable net profit, USD, or "off". Off by default here: on the replica nobody else '
    "trades, so a gap grows until the bot takes it, and no pool is a trap.",
)
@click.option("--json", "json_output", is_flag=True, help="JSON lines instead of the live view.")
@click.option(
    "--scale",
    type=click.Choice(["small", "full"]),
    default="small",
    show_default=True,
    help="The replica: small (72 pools) or full (Polygon scale: 600+ pools, every token and venue kind).",
)
@click.option(
    "--console-port",
    default=0,
    type=click.IntRange(0, 65535),
    help="Serve the web console at http://127.0.0.1:PORT/ (token in FLASHARB_CONSOLE_TOKEN); 0 = off.",
)
@click.option(
    "--interval",
    default=None,
    type=click.FloatRange(0, 60),
    help="Seconds between demo blocks (default 0, or 1 with --console-port so there is time to watch).",
)
def cli(
    blocks: int,
    seed: int,
    intensity: int,
    min_profit_usd: str,
    max_profit_usd: str,
    json_output: bool,
    scale: str,
    console_port: int,
    interval: float | None,
) -> None:
    from rich.console import Console
    from rich.logging import RichHandler

    from bot.console import start_console
    from bot.console.auth import console_token
    from bot.errors import FlashArbError
    from bot.ops.summary import summarize
    from bot.ops.view import LiveView
    from bot.runtime.cli_support import loop_times, setup_logging
    from bot.runtime.demo import TEST_ACCOUNT_LABEL, DemoChain
    from bot.runtime.events import JsonLines

    console = Console(stderr=json_output)
    setup_logging("INFO", RichHandler(console=console, show_path=False))
    started = time.perf_counter()
    try:
        if console_port:
            console_token()  # no console without FLASHARB_CONSOLE_TOKEN: refuse before starting
        with DemoChain.start(scale=scale) as demo:
            console.print(f"replica at {demo.node.url}; FlashArb {demo.flasharb}")
            console.print(f"owner and executor: {demo.account.address} = {TEST_ACCOUNT_LABEL}")
            no_cap = max_profit_usd.strip().lower() in ("off", "none")
            config = demo.config(
                max_hops=3 if scale == "full" else None,
                min_profit_usd=min_profit_usd,
                json_output=json_output,
                no_max_profit=no_cap,
                max_profit_usd=None if no_cap else max_profit_usd,
                console_port=console_port or None,
            )
            web = start_console(config)
            sink = JsonLines() if json_output else None
            view = None if json_output else LiveView(console)
            loop = demo.bot(config, sink=sink, view=view)
            if web is not None:
                web.attach(loop)
                console.print(f"console at {web.url} (sign in once: {web.url}?token=$FLASHARB_CONSOLE_TOKEN)")
            if interval is None:
                interval = 1.0 if console_port else 0.0
            pace = {"blocks": blocks, "seed": seed, "intensity": intensity, "interval_s": interval}
            if view is not None:
                with view:
                    reason = demo.run(loop, **pace)
            else:
                reason = demo.run(loop, **pace)
            if web is not None:
                web.stop()
            summary = summarize(loop.journal, loop.run_id)
            times = loop_times(loop)
    except FlashArbError as err:
        raise click.ClickException(str(err)) from err
    if json_output:
        sink.emit("summary", {**summary.as_dict(), "stop_reason": reason, "loop_time": times})  # type: ignore[union-attr]
        return
    console.print()
    console.print(summary.as_text(), highlight=False)
    if times:
        console.print(
            f"  loop time per block  median {times['median_ms']:.1f} ms, p90 {times['p90_ms']:.1f} ms, "
            f"max {times['max_ms']:.1f} ms",
            highlight=False,
        )
    console.print(f"demo finished ({reason}) in {time.perf_counter() - started:.1f} s", highlight=False)
