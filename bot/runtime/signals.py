"""SIGINT (Ctrl-C) and SIGTERM (a service manager's stop) both end a run the same orderly way: the
block in progress finishes, the run is closed in the journal with the signal as its reason and its
figures, the status file says stopped, and the summary is printed. A second signal stops at once
(what is in flight stays in the journal for the next start to reconcile).

    with stop_on_signals(loop):      # replaces ape's SIGINT handler (which exits 130 at once)
        reason = loop.run()
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, Protocol

logger = logging.getLogger(__name__)

SIGNALS = (signal.SIGINT, signal.SIGTERM)


def interrupted(exc: KeyboardInterrupt) -> str:
    """A run's stop reason for `exc`: the second signal that `stop_on_signals` turned into it (named),
    or a plain Ctrl-C (outside the handler, or a KeyboardInterrupt raised some other way)."""
    name = exc.args[0] if exc.args and exc.args[0] in {sig.name for sig in SIGNALS} else None
    if name is None:
        return "interrupted (Ctrl-C)"
    return f"interrupted (a second {name}: stopped at once)"


class Stoppable(Protocol):
    def request_stop(self, reason: str) -> None: ...


@contextmanager
def stop_on_signals(loop: Stoppable) -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM ask `loop` to stop after its block; a second one raises
    KeyboardInterrupt (the loop still closes the run). The handlers before are restored after."""
    received: list[str] = []

    def handler(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        received.append(name)
        if len(received) > 1:
            raise KeyboardInterrupt(name)
        logger.warning("%s: stopping after the block in progress (send it again to stop at once)", name)
        loop.request_stop(f"stopped by {name}")

    previous: dict[signal.Signals, Any] = {}
    for sig in SIGNALS:
        try:
            previous[sig] = signal.signal(sig, handler)
        except ValueError:  # not the main thread: leave the signals as they are
            pass
    try:
        yield
    finally:
        for restored, old in previous.items():
            signal.signal(restored, old)
