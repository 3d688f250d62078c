"""Pause, resume, stop, status and reset-breaker for a bot, from another terminal.

A file-based channel in the control directory, robust to either side crashing:

    <control_dir>/inbox/<time>-<id>.json   one file per command, written atomically by `send_command`
    <control_dir>/status.json              the bot's state and its acknowledgements, written atomically
    <control_dir>/control.lock             held for a moment while a starting bot reads and rewrites
                                           status.json, or while `deliver` changes a stopped bot's
                                           saved state

status.json holds "state" ("running", "paused", "stopping", "stopped"), "paused" (the operator's pause,
kept across restarts), "pid" and "host" of the bot's process, "started_at", "updated_at", "stopped_at"
(once stopped), "details" (the loop's numbers, `RunTotals.as_dict()`, and its state) and "acks".

The block loop calls `ControlChannel.poll()` once per block: it applies every waiting command in the
order sent, deletes it and acknowledges it in status.json. `send_command` waits for its acknowledgement
and returns the status. Commands nobody acknowledges within the timeout are withdrawn, so a bot started
later never acts on a stale `stop`. A pause outlives a restart (it is read back from status.json);
a stop does not.

`deliver` (what `ape run botctl` calls) answers at once when the status shows that no bot is running
(it stopped, or its process is gone): `status` and `stop` report it, `pause` and `resume` are saved for
the next start, `reset-breaker` resets the breaker's saved state.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from bot.errors import ConfigError, FlashArbError
from bot.ops.breaker import STATE_FILE as BREAKER_FILE
from bot.ops.breaker import BreakerState
from bot.ops.files import read_json, write_json_atomic

if sys.platform != "win32":
    import fcntl

logger = logging.getLogger(__name__)

INBOX = "inbox"
STATUS_FILE = "status.json"
LOCK_FILE = "control.lock"
LOCK_TIMEOUT_S = 10.0
"""How long to wait for the control directory's lock (its holders keep it for milliseconds)."""
KEEP_ACKS = 32
"""Acknowledgements kept in status.json (newest last)."""
STALE_S = 120.0
"""Commands older than this when the bot first sees them are discarded, not applied."""


class Command(str, Enum):
    """What an operator can ask of a bot."""

    PAUSE = "pause"
    """Stop sending transactions (the bot keeps watching and journaling)."""
    RESUME = "resume"
    """Send again after a pause."""
    STOP = "stop"
    """Finish the current block, write the summary and exit."""
    STATUS = "status"
    """Only report the state."""
    RESET_BREAKER = "reset-breaker"
    """Untrip the circuit breaker."""


class BotNotRunning(FlashArbError):
    """A command was not delivered: the status shows that no bot is running with this control
    directory (it stopped, or its process is gone). `status` is the last status it wrote."""

    def __init__(self, message: str, status: dict[str, Any] | None) -> None:
        super().__init__(message)
        self.status = status


def parse_command(text: str) -> Command:
    """The Command called `text`; ConfigError listing the valid commands otherwise."""
    try:
        return Command(text.strip().lower())
    except ValueError:
        valid = ", ".join(command.value for command in Command)
        raise ConfigError(f"unknown control command {text!r}; valid commands: {valid}") from None


@dataclass(frozen=True, slots=True)
class Liveness:
    """Whether a status file belongs to a running bot, as far as this machine can tell."""

    running: bool
    detail: str
    """Why: "stopped at ...", "its process 123 is gone ...", "running (pid 123, ...)"."""


def _when(moment: object, now: float | None = None) -> str:
    if not isinstance(moment, (int, float)) or isinstance(moment, bool):
        return "an unknown time"
    now = time.time() if now is None else now
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(moment))
    return f"{stamp}, {max(0.0, now - moment):.0f} s ago"


def pid_alive(pid: int) -> bool:
    """Whether process `pid` exists on this machine (True when that cannot be told)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return True  # os.kill(pid, 0) would terminate the process there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, owned by another user
    return True


def liveness(status: Mapping[str, Any] | None) -> Liveness:
    """Whether the bot that wrote `status` is running: not if the status says "stopped", nor if its
    process (when it ran on this host) is gone; otherwise it is taken to be running."""
    if status is None:
        return Liveness(False, "no bot has written a status in this control directory")
    state = status.get("state")
    if state == "stopped":
        return Liveness(False, f"stopped at {_when(status.get('stopped_at', status.get('updated_at')))}")
    pid, host = status.get("pid"), status.get("host")
    if isinstance(pid, int) and host in (None, socket.gethostname()) and not pid_alive(pid):
        return Liveness(
            False,
            f"its process {pid} is gone without stopping cleanly; last status at "
            f"{_when(status.get('updated_at'))}",
        )
    return Liveness(True, f"{state} (pid {pid}, last status at {_when(status.get('updated_at'))})")


def send_command(
    control_dir: Path, command: str | Command, timeout_s: float = 10.0, poll_s: float = 0.05
) -> dict[str, Any]:
    """Send `command` to the bot watching `control_dir`; return its status once it acknowledged.

    The status has "state" ("running", "paused", "stopping", "stopped"), "pid", "updated_at", the
    loop's latest details, and "ack": this command's acknowledgement ({"id", "command", "ok",
    "message"}). Raises BotNotRunning at once when the status shows that the bot is not running, or
    when it stops before reading the command; TimeoutError when no bot acknowledged in time (none has
    started yet, or it hangs). Either way the command is withdrawn.
    """
    chosen = command if isinstance(command, Command) else parse_command(command)
    if timeout_s <= 0:
        raise ConfigError(f"send_command: timeout_s must be above 0, got {timeout_s}")
    control_dir = Path(control_dir)
    status = read_status(control_dir)
    if status is not None and not (alive := liveness(status)).running:
        raise BotNotRunning(f"bot is not running ({alive.detail}); {chosen.value!r} was not sent", status)
    command_id = uuid.uuid4().hex
    path = control_dir / INBOX / f"{time.time_ns():020d}-{command_id}.json"
    write_json_atomic(path, {"id": command_id, "command": chosen.value, "sent_at": time.time()})
    deadline = time.monotonic() + timeout_s
    while True:
        status = read_status(control_dir)
        if status is not None:
            for ack in status.get("acks", ()):
                if isinstance(ack, dict) and ack.get("id") == command_id:
                    return {**status, "ack": ack}
            alive = liveness(status)
            if not alive.running and path.exists():  # it stopped without reading the command
                path.unlink(missing_ok=True)
                raise BotNotRunning(
                    f"bot is not running ({alive.detail}); it did not read {chosen.value!r}", status
                )
        if time.monotonic() >= deadline:
            break
        time.sleep(poll_s)
    path.unlink(missing_ok=True)
    hint = (
        "is the bot running with this control_dir?"
        if status is not None
        else "no bot has ever written a status there: is it the bot's control_dir, and has the bot started?"
    )
    raise TimeoutError(
        f"no bot acknowledged {chosen.value!r} within {timeout_s} s "
        f"in control directory {control_dir}; {hint}"
    )


def read_status(control_dir: Path) -> dict[str, Any] | None:
    """The last status the bot wrote, without asking it anything (None if it never ran here)."""
    status = read_json(Path(control_dir) / STATUS_FILE)
    return status if isinstance(status, dict) else None


@dataclass(frozen=True, slots=True)
class Reply:
    """What `deliver` did with a command."""

    command: Command
    outcome: str
    """"acknowledged": a running bot applied it. "refused": a running bot would not. "saved": no bot
    is running, so it was applied to the state the next start reads. "not_running": no bot is running;
    the answer is only that (status, stop)."""
    message: str
    status: dict[str, Any] | None
    """The bot's status when the answer was given."""

    @property
    def ok(self) -> bool:
        """The command was answered or applied (a refusal is not)."""
        return self.outcome != "refused"


def deliver(
    control_dir: Path, command: str | Command, timeout_s: float = 10.0, poll_s: float = 0.05
) -> Reply:
    """Do `command` for the bot of `control_dir`, whether it runs or not.

    A running bot gets the command through the inbox and acknowledges it (`send_command`). When the
    status shows that no bot is running, the answer comes at once: `status` and `stop` say so, `pause`
    and `resume` are saved in status.json for the next start, `reset-breaker` resets the breaker's
    saved state (a starting bot reads both under the control directory's lock, so it sees the change
    whole, or else it is running by the time we look and gets the command through the inbox).
    Raises TimeoutError when no bot acknowledges in time (a bot seems to run but does not answer, or
    none has ever run here).
    """
    chosen = command if isinstance(command, Command) else parse_command(command)
    control_dir = Path(control_dir)
    try:
        status = send_command(control_dir, chosen, timeout_s, poll_s)
    except BotNotRunning:
        with control_lock(control_dir):
            last = read_status(control_dir)
            alive = liveness(last)
            if last is not None and not alive.running:
                return _offline(control_dir, chosen, last, alive)
        status = send_command(control_dir, chosen, timeout_s, poll_s)  # a bot started meanwhile
    ack = status["ack"]
    outcome = "acknowledged" if ack.get("ok") else "refused"
    return Reply(chosen, outcome, str(ack.get("message", "")), status)


def _offline(control_dir: Path, command: Command, status: dict[str, Any], alive: Liveness) -> Reply:
    """`command` for a bot that is not running; the caller holds the control directory's lock."""
    prefix = f"bot is not running ({alive.detail})"
    paused = _saved_pause(status)
    if command in (Command.PAUSE, Command.RESUME):
        wanted = command is Command.PAUSE
        if wanted != paused:
            status = {**status, "paused": wanted}
            write_json_atomic(control_dir / STATUS_FILE, status)
            logger.info("control: %s saved for the next start in %s", command.value, control_dir)
        text = (
            "pause saved: its next start will be paused, sending nothing until `resume`"
            if wanted
            else "resume saved: its next start will send"
        )
        return Reply(command, "saved", f"{prefix}; {text}", status)
    if command is Command.RESET_BREAKER:
        return Reply(command, "saved", f"{prefix}; {_reset_saved_breaker(control_dir)}", status)
    if command is Command.STOP:
        return Reply(command, "not_running", f"{prefix}: nothing to stop", status)
    start = "be paused (send `resume` to send again)" if paused else "send"
    return Reply(command, "not_running", f"{prefix}; its next start will {start}", status)


def _reset_saved_breaker(control_dir: Path) -> str:
    """Reset the breaker state a stopped bot left in `control_dir`, as `CircuitBreaker.reset` would."""
    path = control_dir / BREAKER_FILE
    data = read_json(path)
    if data is None:
        return "no breaker state saved: nothing to reset"
    try:
        state = BreakerState(**data)
    except TypeError as exc:
        raise ConfigError(
            f"breaker state file {path} is not valid ({exc}); delete it to start with a reset breaker"
        ) from None
    if state == BreakerState():
        return "breaker not tripped: nothing to reset"
    write_json_atomic(path, asdict(BreakerState()))
    was = f"tripped: {state.reason}" if state.tripped else "not tripped"
    logger.warning("circuit breaker reset in %s while the bot is stopped (was %s)", path, was)
    return f"breaker reset (was {was}); the bot will start with it reset"


def _saved_pause(status: Mapping[str, Any]) -> bool:
    """The operator's pause as saved in a status (a file of an older version has only the state)."""
    if "paused" in status:
        return status["paused"] is True
    return status.get("state") == "paused"


@contextmanager
def control_lock(control_dir: Path, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold `control_dir`'s lock (a no-op on Windows). A starting bot reads and rewrites status.json
    under it and `deliver` changes a stopped bot's saved state under it, so neither loses the other's
    write."""
    if sys.platform == "win32":
        yield
        return
    path = Path(control_dir) / LOCK_FILE
    try:
        handle = path.open("a")
    except OSError as exc:
        raise ConfigError(
            f"control_dir: cannot open {path} ({exc.strerror}); choose a writable directory"
        ) from None
    with handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise FlashArbError(
                        f"control directory {control_dir}: {path} stayed locked for {timeout_s} s; "
                        "is another process stuck holding it?"
                    ) from None
                time.sleep(0.01)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@dataclass(frozen=True, slots=True)
class ControlState:
    """The operator's wishes after a poll."""

    paused: bool
    """Do not send transactions."""
    stop: bool
    """Leave the loop after this block."""
    handled: tuple[Command, ...] = ()
    """Commands applied by this poll, in order."""


class ControlChannel:
    """The bot's side of the channel. Call `poll()` once per block; `close()` on the way out."""

    def __init__(self, control_dir: Path) -> None:
        self.control_dir = Path(control_dir)
        self.inbox = self.control_dir / INBOX
        self.status_path = self.control_dir / STATUS_FILE
        try:
            self.inbox.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"control_dir: cannot create {self.inbox} ({exc.strerror}); choose a writable directory"
            ) from None
        self.stop = False
        self.started_at = time.time()
        self.stopped_at: float | None = None
        self._details: dict[str, Any] = {}
        with control_lock(self.control_dir):  # `deliver` may be saving a pause for a stopped bot
            previous = read_status(self.control_dir) or {}
            self.paused = _saved_pause(previous)
            self._acks: list[dict[str, Any]] = list(previous.get("acks", ()))[-KEEP_ACKS:]
            self._write(self.state)
        if self.paused:
            logger.warning("starting paused: the bot was paused when it last ran (send `resume`)")

    @property
    def state(self) -> str:
        if self.stop:
            return "stopping"
        return "paused" if self.paused else "running"

    def _write(self, state: str) -> None:
        status: dict[str, Any] = {
            "state": state,
            "paused": self.paused,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": self.started_at,
            "updated_at": time.time(),
            "details": self._details,
            "acks": self._acks[-KEEP_ACKS:],
        }
        if self.stopped_at is not None:
            status["stopped_at"] = self.stopped_at
        write_json_atomic(self.status_path, status)

    def _apply(self, command: Command, on_reset_breaker: Callable[[], str] | None) -> tuple[bool, str]:
        if command is Command.PAUSE:
            self.paused = True
            return True, "paused: no transactions will be sent"
        if command is Command.RESUME:
            self.paused = False
            return True, "resumed"
        if command is Command.STOP:
            self.stop = True
            return True, "stopping after the current block"
        if command is Command.RESET_BREAKER:
            if on_reset_breaker is None:
                return False, "this bot has no circuit breaker to reset"
            return True, on_reset_breaker()
        return True, self.state

    def _waiting(self) -> list[Path]:
        try:
            return sorted(path for path in self.inbox.iterdir() if path.suffix == ".json")
        except FileNotFoundError:
            return []

    def poll(
        self,
        on_reset_breaker: Callable[[], str] | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> ControlState:
        """Apply waiting commands in order, acknowledge them, and return the state.

        `on_reset_breaker` resets the loop's breaker and returns a message; `details` (JSON-able, e.g.
        the block and PnL) go into status.json for `status`.
        """
        if details is not None:
            self._details = dict(details)
        handled: list[Command] = []
        acknowledged = 0
        for path in self._waiting():
            try:
                message = read_json(path)
            except (OSError, ValueError):
                message = None
            path.unlink(missing_ok=True)
            if not isinstance(message, dict) or "id" not in message:
                logger.warning("control: ignored unreadable command file %s", path.name)
                continue
            ack: dict[str, Any] = {"id": message["id"], "command": message.get("command")}
            try:
                command = parse_command(str(message.get("command")))
            except ConfigError as exc:
                ack.update(ok=False, message=str(exc))
            else:
                if time.time() - float(message.get("sent_at", 0)) > STALE_S:
                    ack.update(ok=False, message=f"discarded: older than {STALE_S:.0f} s")
                else:
                    ok, text = self._apply(command, on_reset_breaker)
                    ack.update(ok=ok, message=text)
                    handled.append(command)
                    logger.info("control: %s -> %s", command.value, text)
            self._acks.append(ack)
            acknowledged += 1
        if acknowledged or details is not None:
            self._acks = self._acks[-KEEP_ACKS:]
            self._write(self.state)
        return ControlState(paused=self.paused, stop=self.stop, handled=tuple(handled))

    def close(self, details: Mapping[str, Any] | None = None) -> None:
        """Record that the bot stopped, with its final `details` (a pause is kept for the next start)."""
        if details is not None:
            self._details = dict(details)
        self.stopped_at = time.time()
        self._write("stopped")
