"""Pause, resume, stop, status and reset-breaker for a running bot, from another terminal.

A file-based channel in the control directory, robust to either side crashing:

    <control_dir>/inbox/<time>-<id>.json   one file per command, written atomically by `send_command`
    <control_dir>/status.json              the bot's state and its acknowledgements, written atomically

The block loop calls `ControlChannel.poll()` once per block: it applies every waiting command in the
order sent, deletes it and acknowledges it in status.json. `send_command` waits for its acknowledgement
and returns the status. Commands nobody acknowledges within the timeout are withdrawn, so a bot started
later never acts on a stale `stop`. A pause outlives a restart (it is read back from status.json);
a stop does not.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from bot.errors import ConfigError
from bot.ops.files import read_json, write_json_atomic

logger = logging.getLogger(__name__)

INBOX = "inbox"
STATUS_FILE = "status.json"
KEEP_ACKS = 32
"""Acknowledgements kept in status.json (newest last)."""
STALE_S = 120.0
"""Commands older than this when the bot first sees them are discarded, not applied."""


class Command(str, Enum):
    """What an operator can ask of a running bot."""

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


def parse_command(text: str) -> Command:
    """The Command called `text`; ConfigError listing the valid commands otherwise."""
    try:
        return Command(text.strip().lower())
    except ValueError:
        valid = ", ".join(command.value for command in Command)
        raise ConfigError(f"unknown control command {text!r}; valid commands: {valid}") from None


def send_command(
    control_dir: Path, command: str | Command, timeout_s: float = 10.0, poll_s: float = 0.05
) -> dict[str, Any]:
    """Send `command` to the bot watching `control_dir`; return its status once it acknowledged.

    The status has "state" ("running", "paused", "stopping", "stopped"), "pid", "updated_at", the
    loop's latest details, and "ack": this command's acknowledgement ({"id", "command", "ok",
    "message"}). Raises TimeoutError (the command is withdrawn) when no bot acknowledges in time.
    """
    chosen = command if isinstance(command, Command) else parse_command(command)
    if timeout_s <= 0:
        raise ConfigError(f"send_command: timeout_s must be above 0, got {timeout_s}")
    control_dir = Path(control_dir)
    command_id = uuid.uuid4().hex
    path = control_dir / INBOX / f"{time.time_ns():020d}-{command_id}.json"
    write_json_atomic(path, {"id": command_id, "command": chosen.value, "sent_at": time.time()})
    deadline = time.monotonic() + timeout_s
    while True:
        status = read_json(control_dir / STATUS_FILE)
        if isinstance(status, dict):
            for ack in status.get("acks", ()):
                if ack.get("id") == command_id:
                    return {**status, "ack": ack}
        if time.monotonic() >= deadline:
            break
        time.sleep(poll_s)
    path.unlink(missing_ok=True)
    raise TimeoutError(
        f"no bot acknowledged {chosen.value!r} within {timeout_s} s in control directory {control_dir}; "
        "is the bot running with this control_dir?"
    )


def read_status(control_dir: Path) -> dict[str, Any] | None:
    """The last status the bot wrote, without asking it anything (None if it never ran here)."""
    status = read_json(Path(control_dir) / STATUS_FILE)
    return status if isinstance(status, dict) else None


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
        previous = read_status(self.control_dir) or {}
        self.paused = previous.get("state") == "paused"
        self.stop = False
        self._acks: list[dict[str, Any]] = list(previous.get("acks", ()))[-KEEP_ACKS:]
        self._details: dict[str, Any] = {}
        if self.paused:
            logger.warning("starting paused: the bot was paused when it last ran (send `resume`)")
        self._write("paused" if self.paused else "running")

    @property
    def state(self) -> str:
        if self.stop:
            return "stopping"
        return "paused" if self.paused else "running"

    def _write(self, state: str) -> None:
        write_json_atomic(
            self.status_path,
            {
                "state": state,
                "pid": os.getpid(),
                "updated_at": time.time(),
                "details": self._details,
                "acks": self._acks[-KEEP_ACKS:],
            },
        )

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

    def close(self) -> None:
        """Record that the bot stopped (a pause is kept for the next start)."""
        self._write("paused" if self.paused else "stopped")
