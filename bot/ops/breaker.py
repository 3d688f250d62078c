"""The circuit breaker: stop sending after too many failures in a row or too much realised loss.

It counts what costs money: it trips when `max_failures` sends in a row fail on-chain (the
transaction reverted, or a simulation failed for a reason other than moved prices), or when the net
realised PnL since the last reset (gas of every settled transaction included, those reconciled after
a restart too) falls below minus `loss_limit_micro_usd`. A broadcast that never reached the chain (a
transport error, the node refusing it) costs nothing: it is retried and reported, and counted apart
(`record_send_error`); only `max_send_errors` of them in a row trip the breaker. Once
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
    consecutive_send_errors: int = 0
    """Broadcasts in a row that never reached the chain (transport errors, refusals)."""


class CircuitBreaker:
    """Trips on `max_failures` consecutive failures or a net loss beyond `loss_limit_micro_usd`."""

    def __init__(
        self,
        max_failures: int,
        loss_limit_micro_usd: int,
        state_path: Path | None = None,
        max_send_errors: int = 10,
    ) -> None:
        if max_failures < 1:
            raise ConfigError(f"breaker: max_failures must be at least 1, got {max_failures}")
        if loss_limit_micro_usd <= 0:
            raise ConfigError(f"breaker: loss_limit_micro_usd must be above 0, got {loss_limit_micro_usd}")
        if max_send_errors < 1:
            raise ConfigError(f"breaker: max_send_errors must be at least 1, got {max_send_errors}")
        self.max_failures = max_failures
        self.max_send_errors = max_send_errors
        self.loss_limit_micro_usd = loss_limit_micro_usd
        self.state_path = state_path
        self._state = self._load()

    @classmethod
    def open(
        cls, control_dir: Path, max_failures: int, loss_limit_micro_usd: int, max_send_errors: int = 10
    ) -> CircuitBreaker:
        """A breaker whose state persists in `control_dir`/breaker.json."""
        return cls(max_failures, loss_limit_micro_usd, Path(control_dir) / STATE_FILE, max_send_errors)

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
        elif state.consecutive_send_errors >= self.max_send_errors:
            reason = f"{state.consecutive_send_errors} broadcasts in a row never reached the chain"
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
            consecutive_send_errors=0,
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

    def record_send_error(self, what: str) -> BreakerState:
        """A broadcast that never reached the chain (nothing spent): counted apart from `record_failure`."""
        logger.warning("broadcast failed (no transaction reached the chain): %s", what)
        state = replace(self._state, consecutive_send_errors=self._state.consecutive_send_errors + 1)
        self._save(self._after(state))
        return self._state

    def record_sent(self) -> BreakerState:
        """A broadcast reached the node: the run of send errors is over."""
        if self._state.consecutive_send_errors:
            self._save(replace(self._state, consecutive_send_errors=0))
        return self._state

    def reset(self) -> BreakerState:
        """The operator's reset: untrip, forget failures and losses."""
        if self._state.tripped:
            logger.warning("circuit breaker reset by the operator (was: %s)", self._state.reason)
        self._save(BreakerState())
        return self._state
