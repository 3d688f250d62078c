"""The one nonce manager of the one sender: a local counter, resynced from the chain's pending nonce
whenever a send fails in a way that leaves it in doubt.

The local counter moves only when a transaction was accepted by the node (`advance`), so a failed
send never burns a nonce, and a nonce is never handed to two different transactions by accident:
only `Sender.replace` / `Sender.cancel` reuse one, on purpose.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)


class NonceManager:
    """The next nonce of one account; `fetch_pending()` reads the chain's pending nonce."""

    def __init__(self, fetch_pending: Callable[[], int]) -> None:
        self._fetch = fetch_pending
        self._next: int | None = None

    def current(self) -> int:
        """The nonce the next new transaction takes."""
        if self._next is None:
            return self.resync()
        return self._next

    def resync(self) -> int:
        """Read the chain's pending nonce and use it from now on."""
        chain = self._fetch()
        if self._next is not None and chain != self._next:
            logger.warning("nonce: local %d, chain pending %d; using the chain's", self._next, chain)
        self._next = chain
        return chain

    def advance(self, used: int) -> None:
        """The node accepted a transaction with nonce `used` (which must be the current one)."""
        if self._next is not None and used != self._next:
            raise ValueError(
                f"nonce {used} was sent while {self._next} was next: two senders on one account?"
            )
        self._next = used + 1
