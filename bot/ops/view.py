"""The live terminal view: one panel of the loop's numbers, redrawn in place with rich.

It shows a plain `LiveStats` object the loop updates, so it renders (and tests) without a chain:

    stats = LiveStats(mode="dry-run")
    with LiveView() as view:
        ...; stats.count_block(found=3); view.update(stats)
    render_text(stats)   # the same panel as plain text

Its counters are the journal's `RunTotals` (same names, same definitions), so the panel, the status file
and the end summary of a run agree.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.panel import Panel
from rich.table import Table

from bot.ops.journal import RunTotals
from bot.ops.units import format_micro_usd, format_wei


@dataclass(slots=True)
class LiveStats(RunTotals):
    """The loop's running totals (`RunTotals`, counted as the journal counts them) and its state."""

    mode: str = "dry-run"
    """"dry-run" or "live"."""
    network: str = ""
    last_block: int | None = None
    last_block_time: float | None = None
    """Unix time the last block was processed."""
    breaker: str = "ok"
    """"ok", or why the breaker tripped."""
    paused: bool = False


def _ago(moment: float | None, now: float) -> str:
    if moment is None:
        return "-"
    return f"{time.strftime('%H:%M:%S', time.localtime(moment))} ({max(0.0, now - moment):.1f} s ago)"


def render(stats: LiveStats, now: float | None = None) -> Panel:
    """The panel for `stats`."""
    now = time.time() if now is None else now
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(justify="right")
    rows = [
        ("blocks", f"{stats.blocks:,}"),
        ("last block", "-" if stats.last_block is None else f"{stats.last_block:,}"),
        ("last block time", _ago(stats.last_block_time, now)),
        ("opportunities found", f"{stats.opportunities_found:,}"),
        ("journaled / taken", f"{stats.opportunities_journaled:,} / {stats.taken:,}"),
        ("skipped", ", ".join(f"{r} {n:,}" for r, n in sorted(stats.skipped.items())) or "-"),
        ("trades sent", f"{stats.trades_sent:,}"),
        (
            "mined / reverted / dropped",
            f"{stats.trades_mined:,} / {stats.trades_reverted:,} / {stats.trades_dropped:,}",
        ),
        ("pending", f"{stats.trades_pending:,}"),
        ("realised profit", format_micro_usd(stats.realised_profit_micro_usd)),
        ("gas spent", f"{format_wei(stats.gas_spent_wei)} ({format_micro_usd(stats.gas_spent_micro_usd)})"),
        ("net PnL", format_micro_usd(stats.net_pnl_micro_usd)),
        ("breaker", stats.breaker if stats.breaker == "ok" else f"[red]TRIPPED: {stats.breaker}[/red]"),
        ("sending", "[yellow]PAUSED[/yellow]" if stats.paused else "on"),
    ]
    for label, value in rows:
        table.add_row(label, value)
    title = f"FlashArb {stats.mode}" + (f" on {stats.network}" if stats.network else "")
    return Panel(table, title=title, expand=False)


def render_text(stats: LiveStats, now: float | None = None, width: int = 100) -> str:
    """The panel as plain text."""
    console = Console(record=True, width=width, color_system=None, file=io.StringIO())
    console.print(render(stats, now))
    return console.export_text()


class LiveView:
    """The panel redrawn in place (4 times a second at most) while the loop runs."""

    def __init__(self, console: Console | None = None) -> None:
        self._live = Live(render(LiveStats()), console=console, refresh_per_second=4, transient=False)

    def update(self, stats: LiveStats) -> None:
        self._live.update(render(stats), refresh=True)

    def __enter__(self) -> LiveView:
        self._live.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._live.__exit__(kind, error, trace)
