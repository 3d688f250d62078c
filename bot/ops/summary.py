"""The end-of-run summary from the journal, as a dict (for --json) and as text.

Its numbers are the journal's `RunTotals` (see there for what each counts): the same names and the same
values the live view and the status file (`botctl status`) show for the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.ops.journal import Journal, JournalStats
from bot.ops.units import format_micro_usd, format_wei


@dataclass(frozen=True, slots=True)
class Summary:
    """One run's totals (or every run's, when run_id is None)."""

    run_id: int | None
    stats: JournalStats

    def as_dict(self) -> dict[str, Any]:
        """Integers only (micro-USD, wei), JSON-ready: `RunTotals.as_dict()` under the same keys as the
        status file, then what only the journal knows."""
        s = self.stats
        return {
            "run_id": self.run_id,
            **s.as_dict(),
            "gas_used": s.gas_used,
            "predicted_profit_micro_usd": s.predicted_profit_micro_usd,
            "exact_predictions": s.exact_predictions,
        }

    def as_text(self) -> str:
        s = self.stats
        skipped = ", ".join(f"{reason} {count:,}" for reason, count in sorted(s.skipped.items()))
        lines = [
            f"FlashArb summary ({'all runs' if self.run_id is None else f'run {self.run_id}'})",
            f"  blocks processed     {s.blocks:,}",
            f"  opportunities found  {s.opportunities_found:,} (profitable before the guards)",
            f"    journaled          {s.opportunities_journaled:,} (taken {s.taken:,}"
            + (f"; skipped: {skipped})" if skipped else ")"),
            f"  trades sent          {s.trades_sent:,} (mined {s.trades_mined:,}, "
            f"reverted {s.trades_reverted:,}, dropped {s.trades_dropped:,}, pending {s.trades_pending:,})",
            f"  realised profit      {format_micro_usd(s.realised_profit_micro_usd)}",
            f"  predicted profit     {format_micro_usd(s.predicted_profit_micro_usd)} "
            f"(mined trades; {s.exact_predictions:,} of {s.trades_mined:,} exact to the wei)",
            f"  gas spent            {format_wei(s.gas_spent_wei)} "
            f"({format_micro_usd(s.gas_spent_micro_usd)}, {s.gas_used:,} gas)",
            f"  net PnL              {format_micro_usd(s.net_pnl_micro_usd)}",
        ]
        return "\n".join(lines)


def summarize(journal: Journal, run_id: int | None = None) -> Summary:
    """The summary of `run_id` (every run if None)."""
    return Summary(run_id=run_id, stats=journal.stats(run_id))
