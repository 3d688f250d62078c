"""Start and stop anvil processes that leave nothing behind.

Every process runs in its own session (process group), so stopping it kills anvil and anything it
spawned. A module-level registry stops every process still running when the interpreter exits, and on
Linux each anvil also gets PR_SET_PDEATHSIG, so it dies with its parent even when the parent is killed
without a chance to clean up.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.errors import ReplicaError

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
POLYGON_CHAIN_ID = 137
HARDFORK = "cancun"
READY_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 5.0

_live: set[AnvilProcess] = set()
_live_lock = threading.Lock()


def anvil_binary() -> str:
    """The anvil executable: from PATH, else the one the npm package ships in node_modules."""
    found = shutil.which("anvil")
    if found:
        return found
    for candidate in sorted((PROJECT_ROOT / "node_modules" / "@foundry-rs").glob("anvil-*/bin/anvil")):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    raise ReplicaError(
        "anvil not found on PATH nor in node_modules/@foundry-rs/anvil-*/bin: run `make setup` "
        "(or `npm ci`) in the project root"
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def rpc_call(url: str, method: str, params: Sequence[Any] = (), timeout: float = 30.0) -> Any:
    """One JSON-RPC call over HTTP; raises ReplicaError with the node's message on an error reply."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        reply = json.loads(response.read())
    if "error" in reply:
        raise ReplicaError(f"{method} failed at {url}: {reply['error']}")
    return reply["result"]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to SIGTERM this child when its parent dies (prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        pass


class AnvilProcess:
    """One running anvil: chain id 137, cancun, on host:port; `stop()` kills its whole process group."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        load_state: Path | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.host = host
        self.requested_port = port
        self.load_state = load_state
        self.extra_args = tuple(extra_args)
        self.port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_path: Path | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise ReplicaError("anvil is not running: call start() first")
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise ReplicaError("anvil is not running: call start() first")
        return self._proc.pid

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> AnvilProcess:
        """Start anvil and return once its RPC answers eth_chainId with 137."""
        if self.alive():
            return self
        attempts = 1 if self.requested_port is not None else 3
        last_error: ReplicaError | None = None
        for _ in range(attempts):
            port = self.requested_port if self.requested_port is not None else free_port(self.host)
            try:
                self._launch(port)
                return self
            except ReplicaError as exc:  # a free port taken between probe and bind: try another
                last_error = exc
                self.stop()
        assert last_error is not None
        raise last_error

    def _launch(self, port: int) -> None:
        args = [
            anvil_binary(),
            "--host",
            self.host,
            "--port",
            str(port),
            "--chain-id",
            str(POLYGON_CHAIN_ID),
            "--hardfork",
            HARDFORK,
            "--silent",
        ]
        if self.load_state is not None:
            if not self.load_state.is_file():
                raise ReplicaError(f"replica state file {self.load_state} does not exist")
            args += ["--load-state", str(self.load_state)]
        args += list(self.extra_args)
        fd, log_name = tempfile.mkstemp(prefix=f"anvil-{port}-", suffix=".log")
        self._log_path = Path(log_name)
        with os.fdopen(fd, "wb") as log:
            self._proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        self.port = port
        with _live_lock:
            _live.add(self)
        self._wait_ready()
        logger.debug("anvil pid %s serving %s", self._proc.pid, self.url)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if not self.alive():
                raise ReplicaError(f"anvil exited before answering on {self.url}: {self.log_tail()}")
            try:
                chain_id = int(rpc_call(self.url, "eth_chainId", timeout=1.0), 16)
            except (urllib.error.URLError, ConnectionError, OSError, ValueError):
                time.sleep(0.01)
                continue
            if chain_id != POLYGON_CHAIN_ID:
                raise ReplicaError(f"anvil on {self.url} answers chain id {chain_id}, expected 137")
            return
        raise ReplicaError(
            f"anvil did not answer on {self.url} within {READY_TIMEOUT_S:.0f} s: {self.log_tail()}"
        )

    def log_tail(self, limit: int = 2000) -> str:
        if self._log_path is None or not self._log_path.exists():
            return "(no log)"
        text = self._log_path.read_text(errors="replace").strip()
        return text[-limit:] or "(empty log)"

    def stop(self) -> None:
        """Kill anvil's process group and wait for it; safe to call more than once."""
        proc, self._proc = self._proc, None
        with _live_lock:
            _live.discard(self)
        if proc is not None:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            else:
                # anvil is gone; anything it left in its group goes too.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
        if self._log_path is not None:
            with contextlib.suppress(OSError):
                self._log_path.unlink()
            self._log_path = None
        self.port = None

    def __enter__(self) -> AnvilProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@atexit.register
def _stop_all() -> None:
    with _live_lock:
        running = list(_live)
    for proc in running:
        proc.stop()
