"""The circuit breaker: stop sending after too many failures in a row or too much realised loss.

It trips when `max_failures` sends in a row fail (the send raised, or the transaction reverted), or
when the net realised PnL since the last reset falls below minus `loss_limit_micro_usd`. Once
tripped it stays tripped, across restarts, until the operator resets it (`control reset-breaker`):
its state lives in a JSON file in the control directory, rewritten atomically on every change.

    breaker = CircuitBreaker.open(config.control_dir, config.breaker_max_failures,
                                  config.breaker_loss_limit_micro_usd)
    breaker.record_failure("reverted", pnl_micro_usd=-gas_cost_usd)
    if breaker.tripped: ...
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from bot.errors import ConfigError
from bot.ops.files import read_json, write_json_atomic

logger = logging.getLogger(__name__)

STATE_FILE = "breaker.json"


@dataclass(frozen=True, slots=True)
class BreakerState:
    """What the breaker remembers."""

    tripped: bool = False
    """Sending is paused until the operator resets the breaker."""
    reason: str = ""
    """Why it tripped (empty while not tripped)."""
    consecutive_failures: int = 0
    """Failed or reverted sends since the last success."""
    net_pnl_micro_usd: int = 0
    """Realised PnL (profit minus gas) since the last reset, in micro-USD."""


class CircuitBreaker:
    """Trips on `max_failures` consecutive failures or a net loss beyond `loss_limit_micro_usd`."""

    def __init__(self, max_failures: int, loss_limit_micro_usd: int, state_path: Path | None = None) -> None:
        if max_failures < 1:
            raise ConfigError(f"breaker: max_failures must be at least 1, got {max_failures}")
        if loss_limit_micro_usd <= 0:
            raise ConfigError(f"breaker: loss_limit_micro_usd must be above 0, got {loss_limit_micro_usd}")
        self.max_failures = max_failures
        self.loss_limit_micro_usd = loss_limit_micro_usd
        self.state_path = state_path
        self._state = self._load()

    @classmethod
    def open(cls, control_dir: Path, max_failures: int, loss_limit_micro_usd: int) -> CircuitBreaker:
        """A breaker whose state persists in `control_dir`/breaker.json."""
        return cls(max_failures, loss_limit_micro_usd, Path(control_dir) / STATE_FILE)

    def _load(self) -> BreakerState:
        if self.state_path is None:
            return BreakerState()
        data = read_json(self.state_path)
        if data is None:
            return BreakerState()
        try:
            state = BreakerState(**data)
        except TypeError as exc:
            raise ConfigError(
                f"breaker state file {self.state_path} is not valid ({exc}); "
                "delete it to start with a reset breaker"
            ) from None
        if state.tripped:
            logger.warning("circuit breaker is still tripped from an earlier run: %s", state.reason)
        return state

    def _save(self, state: BreakerState) -> None:
        if state == self._state:
            return
        if self.state_path is not None:
            write_json_atomic(self.state_path, asdict(state))
        self._state = state

    @property
    def state(self) -> BreakerState:
        return self._state

    @property
    def tripped(self) -> bool:
        return self._state.tripped

    def _after(self, state: BreakerState) -> BreakerState:
        if state.tripped:
            return state
        if state.consecutive_failures >= self.max_failures:
            reason = f"{state.consecutive_failures} failed or reverted sends in a row"
        elif -state.net_pnl_micro_usd > self.loss_limit_micro_usd:
            reason = (
                f"net realised loss {-state.net_pnl_micro_usd} micro-USD exceeds "
                f"the limit of {self.loss_limit_micro_usd}"
            )
        else:
            return state
        logger.error("circuit breaker tripped: %s; sending paused until reset", reason)
        return replace(state, tripped=True, reason=reason)

    def record_success(self, pnl_micro_usd: int) -> BreakerState:
        """A mined, successful trade with its realised PnL (profit minus gas; may be negative)."""
        state = replace(
            self._state,
            consecutive_failures=0,
            net_pnl_micro_usd=self._state.net_pnl_micro_usd + pnl_micro_usd,
        )
        self._save(self._after(state))
        return self._state

    def record_failure(self, what: str, pnl_micro_usd: int = 0) -> BreakerState:
        """A send that raised or a transaction that reverted; `pnl_micro_usd` is its cost (<= 0)."""
        logger.warning("send failed: %s", what)
        state = replace(
            self._state,
            consecutive_failures=self._state.consecutive_failures + 1,
            net_pnl_micro_usd=self._state.net_pnl_micro_usd + pnl_micro_usd,
        )
        self._save(self._after(state))
        return self._state

    def reset(self) -> BreakerState:
        """The operator's reset: untrip, forget failures and losses."""
        if self._state.tripped:
            logger.warning("circuit breaker reset by the operator (was: %s)", self._state.reason)
        self._save(BreakerState())
        return self._state
