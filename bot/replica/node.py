"""Serve a built replica: anvil --load-state on a port (a free one by default), chain id 137."""

from __future__ import annotations

from bot.replica.anvil import AnvilProcess
from bot.replica.build import Replica

KEPT_STATES = 256
"""Block states a served replica keeps (in memory; none on disk). Without a bound anvil writes every
older block's state to ~/.foundry/anvil/tmp, so a replica serving a block every 2 s for days fills the
disk. The bot reads at the head; 256 blocks is over eight minutes of Polygon blocks to look back."""


class ReplicaNode:
    """A running anvil serving `replica`; stop() (or leaving the `with` block) kills it and waits.

    Nothing outlives the Python process: anvil runs in its own process group, is stopped at
    interpreter exit, and (on Linux) is signalled by the kernel if its parent dies.
    """

    def __init__(self, replica: Replica, port: int | None = None, host: str = "127.0.0.1") -> None:
        self.replica = replica
        self._process = AnvilProcess(
            host=host,
            port=port,
            load_state=replica.state_path,
            extra_args=["--prune-history", str(KEPT_STATES)],
        )

    @property
    def url(self) -> str:
        """http://host:port of the running node."""
        return self._process.url

    @property
    def pid(self) -> int:
        """anvil's process id."""
        return self._process.pid

    @property
    def port(self) -> int:
        port = self._process.port
        if port is None:
            return self._process.requested_port or 0
        return port

    def alive(self) -> bool:
        """True while anvil runs."""
        return self._process.alive()

    def start(self) -> ReplicaNode:
        """Start anvil and wait until its RPC answers with chain id 137."""
        self._process.start()
        return self

    def stop(self) -> None:
        """Kill anvil (its whole process group) and wait for it to exit."""
        self._process.stop()

    def __enter__(self) -> ReplicaNode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
