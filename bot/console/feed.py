"""The console's subscription to the bot's events: a bounded queue between the loop and the console.

    feed = EventFeed(state)
    books.subscribe(feed.offer)    # on the loop's thread: put_nowait, never waits
    feed.start()                   # a daemon thread applies the queued events to `state`
    ...; feed.stop()

`offer` never blocks: when the queue is full (the console's thread is starved) the event is dropped
and counted (`dropped`, shown on the page), so nothing the console does can delay a block. Browsers
read from `ConsoleState`, never from this queue, so a slow browser cannot fill it either.
"""

from __future__ import annotations

import logging
import queue
import threading

from bot.console.state import ConsoleState
from bot.runtime.events import Event

logger = logging.getLogger(__name__)

QUEUE_SIZE = 4096


class EventFeed:
    """Moves events from the loop's thread to `state` on a thread of its own."""

    def __init__(self, state: ConsoleState, maxsize: int = QUEUE_SIZE) -> None:
        self.state = state
        self.queue: queue.Queue[Event | None] = queue.Queue(maxsize=maxsize)
        self.dropped = 0
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def offer(self, event: Event) -> None:
        """Queue `event` for the console, or drop it when the queue is full; returns at once."""
        try:
            self.queue.put_nowait(event)
        except queue.Full:
            self.dropped += 1
            self.state.dropped = self.dropped

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._pump, name="console-feed", daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float = 2.0) -> None:
        """Apply what is queued (within `timeout_s`) and end the thread."""
        self._stopping.set()
        if self._thread is not None:
            try:
                self.queue.put(None, timeout=timeout_s)
            except queue.Full:
                pass
            self._thread.join(timeout_s)
            self._thread = None

    def _pump(self) -> None:
        while True:
            try:
                event = self.queue.get(timeout=0.5)
            except queue.Empty:
                if self._stopping.is_set():
                    return
                continue
            if event is None:
                return
            try:
                self.state.apply(event)
            except Exception:  # show the rest, whatever one event does
                logger.exception("console: could not apply %s", type(event).__name__)
