"""The end-of-run summary from the journal, as a dict (for --json) and as text."""

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
        """Integers only (micro-USD, wei), JSON-ready."""
        s = self.stats
        return {
            "run_id": self.run_id,
            "blocks": s.blocks,
            "opportunities": s.opportunities,
            "taken": s.taken,
            "skipped": dict(sorted(s.skipped_by_reason.items())),
            "trades_sent": s.sent,
            "mined": s.mined,
            "reverted": s.reverted,
            "dropped": s.dropped,
            "pending": s.pending,
            "gas_used": s.gas_used,
            "gas_spent_wei": s.gas_fee_wei,
            "gas_spent_micro_usd": s.gas_fee_micro_usd,
            "realised_profit_micro_usd": s.realised_profit_micro_usd,
            "predicted_profit_micro_usd": s.predicted_profit_micro_usd,
            "net_pnl_micro_usd": s.net_pnl_micro_usd,
            "exact_predictions": s.exact_predictions,
        }

    def as_text(self) -> str:
        s = self.stats
        skipped = ", ".join(f"{reason} {count}" for reason, count in sorted(s.skipped_by_reason.items()))
        lines = [
            f"FlashArb summary ({'all runs' if self.run_id is None else f'run {self.run_id}'})",
            f"  blocks processed     {s.blocks:,}",
            f"  opportunities seen   {s.opportunities:,} (taken {s.taken:,}"
            + (f"; skipped: {skipped})" if skipped else ")"),
            f"  trades sent          {s.sent:,} (mined {s.mined:,}, reverted {s.reverted:,}, "
            f"dropped {s.dropped:,}, pending {s.pending:,})",
            f"  realised profit      {format_micro_usd(s.realised_profit_micro_usd)}",
            f"  predicted profit     {format_micro_usd(s.predicted_profit_micro_usd)} "
            f"(mined trades; {s.exact_predictions:,} of {s.mined:,} exact to the wei)",
            f"  gas spent            {format_wei(s.gas_fee_wei)} ({format_micro_usd(s.gas_fee_micro_usd)}, "
            f"{s.gas_used:,} gas)",
            f"  net PnL              {format_micro_usd(s.net_pnl_micro_usd)}",
        ]
        return "\n".join(lines)


def summarize(journal: Journal, run_id: int | None = None) -> Summary:
    """The summary of `run_id` (every run if None)."""
    return Summary(run_id=run_id, stats=journal.stats(run_id))
