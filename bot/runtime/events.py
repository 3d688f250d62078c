"""Machine-readable output for `--json`: one JSON object per line per opportunity, trade and summary.

Amounts are integers in the token's smallest units (or micro-USD / wei, as the key says), never floats.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any, Protocol, TextIO


class EventSink(Protocol):
    def emit(self, event: str, payload: dict[str, Any]) -> None: ...


class NullSink:
    """Discards events."""

    def emit(self, event: str, payload: dict[str, Any]) -> None:
        return None


class JsonLines:
    """Writes each event as one JSON line to `stream` (stdout by default), flushed at once."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def emit(self, event: str, payload: dict[str, Any]) -> None:
        line = json.dumps({"event": event, **payload}, sort_keys=False, default=str)
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()


class Recorder:
    """Keeps events in memory (tests, the demo)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def emit(self, event: str, payload: dict[str, Any]) -> None:
        self.events.append({"event": event, **payload})

    def of(self, event: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == event]
