"""The control channel: pause / resume / stop / status / reset-breaker between two processes, and
`botctl` against a bot that is not running (answered at once from the status file)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.errors import ConfigError
from bot.ops.breaker import CircuitBreaker
from bot.ops.control import (
    INBOX,
    STATUS_FILE,
    BotNotRunning,
    Command,
    ControlChannel,
    control_lock,
    deliver,
    liveness,
    parse_command,
    read_status,
    send_command,
)

BOTCTL = Path(__file__).resolve().parents[2] / "scripts" / "botctl.py"

# A stand-in block loop: polls the channel every 20 ms, counts the blocks it would have sent on, and
# exits on stop, writing what it saw.
LOOP = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from bot.ops.control import ControlChannel
    control_dir, report = Path(sys.argv[1]), Path(sys.argv[2])
    channel = ControlChannel(control_dir)
    resets, block, sending_blocks, paused_blocks = [], 0, 0, 0
    def reset():
        resets.append(block)
        return "breaker reset"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        block += 1
        state = channel.poll(on_reset_breaker=reset, details={"block": block})
        if state.stop:
            break
        if state.paused:
            paused_blocks += 1
        else:
            sending_blocks += 1
        time.sleep(0.02)
    channel.close()
    report.write_text(json.dumps({"resets": len(resets), "sending": sending_blocks, "paused": paused_blocks}))
    """
)


def test_round_trip_between_two_processes(tmp_path: Path) -> None:
    control_dir, report = tmp_path / "control", tmp_path / "report.json"
    bot = subprocess.Popen([sys.executable, "-c", LOOP, str(control_dir), str(report)])
    try:
        status = send_command(control_dir, "status", timeout_s=30)
        assert status["state"] == "running" and status["pid"] == bot.pid
        assert status["ack"]["ok"] is True and status["details"]["block"] >= 1

        paused = send_command(control_dir, "pause", timeout_s=10)
        assert paused["state"] == "paused" and paused["ack"]["command"] == "pause"
        block_at_pause = paused["details"]["block"]
        time.sleep(0.2)
        still = send_command(control_dir, Command.STATUS, timeout_s=10)
        assert still["state"] == "paused" and still["details"]["block"] > block_at_pause  # alive, not sending

        reset = send_command(control_dir, "reset-breaker", timeout_s=10)
        assert reset["ack"] == {**reset["ack"], "ok": True, "message": "breaker reset"}

        resumed = send_command(control_dir, "RESUME", timeout_s=10)
        assert resumed["state"] == "running"

        stopped = send_command(control_dir, "stop", timeout_s=10)
        assert stopped["state"] in ("stopping", "stopped") and stopped["ack"]["ok"] is True
        assert bot.wait(timeout=30) == 0
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()
    seen = json.loads(report.read_text())
    assert seen["resets"] == 1 and seen["paused"] >= 5 and seen["sending"] >= 2
    assert read_status(control_dir)["state"] == "stopped"  # type: ignore[index]
    assert not any((control_dir / "inbox").iterdir())
    started = time.monotonic()
    reply = deliver(control_dir, "status", timeout_s=10)  # the bot is gone: answered from the file
    assert time.monotonic() - started < 2
    assert reply.outcome == "not_running" and reply.message.startswith("bot is not running (stopped at ")


def test_pause_outlives_a_restart_but_stop_does_not(tmp_path: Path) -> None:
    first = ControlChannel(tmp_path)
    (tmp_path / "inbox").mkdir(exist_ok=True)
    _drop(tmp_path, "a", "pause")
    _drop(tmp_path, "b", "stop")
    state = first.poll()
    assert state.paused and state.stop and state.handled == (Command.PAUSE, Command.STOP)
    first.close()
    second = ControlChannel(tmp_path)
    state = second.poll()
    assert state.paused and not state.stop
    _drop(tmp_path, "c", "resume")
    assert second.poll().paused is False


def test_bad_stale_and_unanswered_commands(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown control command 'explode'; valid commands: pause, resume"):
        parse_command("explode")
    with pytest.raises(ConfigError, match="unknown control command"):
        send_command(tmp_path, "explode")
    started = time.monotonic()
    with pytest.raises(
        TimeoutError, match="no bot acknowledged 'stop' within 0.3 s .*no bot has ever written"
    ):
        send_command(tmp_path / "nobody", "stop", timeout_s=0.3)
    assert time.monotonic() - started < 5
    assert not any((tmp_path / "nobody" / "inbox").iterdir())  # withdrawn: a later bot will not stop

    channel = ControlChannel(tmp_path)
    _drop(tmp_path, "old", "stop", sent_at=time.time() - 3600)
    _drop(tmp_path, "bad", "explode")
    (tmp_path / "inbox" / "garbage.json").write_text("{not json")
    state = channel.poll()  # a stray file never crashes the loop
    assert not state.stop and state.handled == ()
    assert not any((tmp_path / "inbox").iterdir())
    acks = {ack["id"]: ack for ack in json.loads((tmp_path / STATUS_FILE).read_text())["acks"]}
    assert acks["old"]["ok"] is False and "older than" in acks["old"]["message"]
    assert acks["bad"]["ok"] is False and "unknown control command" in acks["bad"]["message"]
    _drop(tmp_path, "nobreaker", "reset-breaker")
    channel.poll()
    acks = {ack["id"]: ack for ack in json.loads((tmp_path / STATUS_FILE).read_text())["acks"]}
    assert acks["nobreaker"] == {**acks["nobreaker"], "ok": False}


def _drop(control_dir: Path, command_id: str, command: str, sent_at: float | None = None) -> None:
    inbox = control_dir / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    body = {"id": command_id, "command": command, "sent_at": time.time() if sent_at is None else sent_at}
    (inbox / f"{time.time_ns():020d}-{command_id}.json").write_text(json.dumps(body))


# --- a bot that is not running ------------------------------------------------------------------


def botctl(*args: str) -> Any:
    """Run `ape run botctl ARGS` in-process (the script's click command); the click Result."""
    spec = importlib.util.spec_from_file_location("botctl_script", BOTCTL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return CliRunner().invoke(module.cli, list(args))


def stopped_bot(control_dir: Path, paused: bool = False) -> dict[str, Any]:
    """A bot that ran in `control_dir` (with numbers in its details) and stopped; its last status."""
    channel = ControlChannel(control_dir)
    channel.paused = paused
    channel.poll(details={"block": 41, "blocks": 3, "opportunities_found": 120, "trades_sent": 2})
    channel.close(details={"block": 42, "blocks": 4, "opportunities_found": 130, "trades_sent": 2})
    status = read_status(control_dir)
    assert status is not None
    return status


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def answering_bot(tmp_path: Path) -> Iterator[Path]:
    """A running bot without a breaker (so it refuses reset-breaker), polling in a thread."""
    channel, done = ControlChannel(tmp_path / "running"), threading.Event()

    def serve() -> None:
        while not done.is_set():
            channel.poll(details={"block": 1})
            time.sleep(0.02)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield tmp_path / "running"
    finally:
        done.set()
        thread.join(timeout=10)
        channel.close()


def test_status_of_a_stopped_bot_answers_at_once_with_its_last_status(tmp_path: Path) -> None:
    last = stopped_bot(tmp_path)
    assert (
        last["state"] == "stopped" and last["pid"] == os.getpid() and last["stopped_at"] >= last["started_at"]
    )
    started = time.monotonic()
    reply = deliver(tmp_path, "status", timeout_s=10)
    assert time.monotonic() - started < 2  # not the 10 s timeout
    assert reply.outcome == "not_running" and reply.ok
    assert reply.message.startswith("bot is not running (stopped at ") and reply.message.endswith(
        "its next start will send"
    )
    assert reply.status == last
    assert not any((tmp_path / INBOX).iterdir())  # nothing left for a later bot

    started = time.monotonic()
    result = botctl("status", "--control-dir", str(tmp_path))
    assert time.monotonic() - started < 5
    assert result.exit_code == 0, result.output
    assert "status: not_running: bot is not running (stopped at " in result.output
    shown = json.loads(result.output.split("\n", 1)[1])
    assert shown["state"] == "stopped" and "acks" not in shown
    assert shown["details"] == {"block": 42, "blocks": 4, "opportunities_found": 130, "trades_sent": 2}

    result = botctl("stop", "--control-dir", str(tmp_path))
    assert (
        result.exit_code == 0 and "bot is not running" in result.output and "nothing to stop" in result.output
    )
    assert not any((tmp_path / INBOX).iterdir())


def test_a_bot_whose_process_is_gone_is_not_running(tmp_path: Path) -> None:
    stopped_bot(tmp_path)
    crashed = {**json.loads((tmp_path / STATUS_FILE).read_text()), "state": "running", "pid": dead_pid()}
    crashed.pop("stopped_at")
    (tmp_path / STATUS_FILE).write_text(json.dumps(crashed))
    alive = liveness(crashed)
    assert not alive.running and f"its process {crashed['pid']} is gone" in alive.detail
    assert liveness({**crashed, "pid": os.getpid()}).running  # this process is alive
    assert liveness({**crashed, "host": "another-machine"}).running  # its pid means nothing here
    started = time.monotonic()
    with pytest.raises(BotNotRunning, match="bot is not running .*'pause' was not sent"):
        send_command(tmp_path, "pause", timeout_s=10)
    reply = deliver(tmp_path, "status", timeout_s=10)
    assert time.monotonic() - started < 2
    assert reply.outcome == "not_running" and "is gone without stopping cleanly" in reply.message


def test_pause_and_resume_of_a_stopped_bot_are_saved_for_its_next_start(tmp_path: Path) -> None:
    stopped_bot(tmp_path)
    result = botctl("pause", "--control-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "pause: saved: bot is not running (stopped at " in result.output
    assert "its next start will be paused" in result.output
    assert read_status(tmp_path)["paused"] is True  # type: ignore[index]
    assert deliver(tmp_path, "status").message.endswith(
        "its next start will be paused (send `resume` to send again)"
    )

    restarted = ControlChannel(tmp_path)
    assert restarted.paused and restarted.poll().paused
    assert read_status(tmp_path)["state"] == "paused"  # type: ignore[index]
    restarted.close()

    reply = deliver(tmp_path, Command.RESUME)
    assert reply.outcome == "saved" and "resume saved: its next start will send" in reply.message
    assert ControlChannel(tmp_path).paused is False


def test_a_pause_saved_by_an_older_version_is_kept_and_can_be_resumed(tmp_path: Path) -> None:
    # older versions wrote a stopped, paused bot as state "paused" with no "paused" key
    (tmp_path / STATUS_FILE).write_text(json.dumps({"state": "paused", "pid": dead_pid(), "updated_at": 1.0}))
    assert deliver(tmp_path, "status").message.endswith(
        "its next start will be paused (send `resume` to send again)"
    )
    assert ControlChannel(tmp_path).paused
    ControlChannel(tmp_path).close()  # stopped, still paused
    assert read_status(tmp_path)["state"] == "stopped" and deliver(tmp_path, "resume").outcome == "saved"  # type: ignore[index]
    assert ControlChannel(tmp_path).paused is False


def test_reset_breaker_of_a_stopped_bot_resets_its_saved_state(tmp_path: Path) -> None:
    breaker = CircuitBreaker.open(tmp_path, max_failures=2, loss_limit_micro_usd=10**6)
    breaker.record_failure("reverted", -5)
    breaker.record_failure("reverted", -5)
    assert breaker.tripped
    stopped_bot(tmp_path)

    result = botctl("reset-breaker", "--control-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "reset-breaker: saved: bot is not running" in result.output
    assert "breaker reset (was tripped: 2 failed or reverted sends in a row)" in result.output
    reopened = CircuitBreaker.open(tmp_path, max_failures=2, loss_limit_micro_usd=10**6)
    assert not reopened.tripped and reopened.state.consecutive_failures == 0
    assert "breaker not tripped: nothing to reset" in deliver(tmp_path, "reset-breaker").message

    (tmp_path / "breaker.json").write_text(json.dumps({"tripped": True, "colour": "red"}))
    result = botctl("reset-breaker", "--control-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "breaker state file" in result.output and "is not valid" in result.output


def test_exit_codes_for_a_running_bot(answering_bot: Path) -> None:
    result = botctl("status", "--control-dir", str(answering_bot))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("status: acknowledged: running")
    result = botctl("reset-breaker", "--control-dir", str(answering_bot))
    assert result.exit_code == 3  # delivered, refused
    assert "reset-breaker: refused: this bot has no circuit breaker to reset" in result.output


def test_a_bot_that_does_not_answer_is_not_delivered(tmp_path: Path) -> None:
    ControlChannel(tmp_path)  # says "running" with this (live) process's pid, and never polls
    started = time.monotonic()
    result = botctl("pause", "--control-dir", str(tmp_path), "--timeout", "0.3")
    assert 0.3 <= time.monotonic() - started < 5
    assert result.exit_code == 1
    assert "pause: not delivered: no bot acknowledged 'pause' within 0.3 s" in result.output
    assert '"state": "running"' in result.output  # the last status it wrote
    assert not any((tmp_path / INBOX).iterdir())  # withdrawn


def test_a_bot_that_stops_before_reading_the_command_is_reported_at_once(tmp_path: Path) -> None:
    channel = ControlChannel(tmp_path)
    errors: list[BaseException] = []

    def send() -> None:
        try:
            send_command(tmp_path, "pause", timeout_s=30)
        except BaseException as exc:  # noqa: B036 - handed to the test thread
            errors.append(exc)

    sender = threading.Thread(target=send)
    started = time.monotonic()
    sender.start()
    deadline = time.monotonic() + 10
    while not any((tmp_path / INBOX).iterdir()) and time.monotonic() < deadline:
        time.sleep(0.01)
    channel.close()  # stops without polling
    sender.join(timeout=30)
    assert time.monotonic() - started < 5
    assert len(errors) == 1 and isinstance(errors[0], BotNotRunning)
    assert "it did not read 'pause'" in str(errors[0])
    assert not any((tmp_path / INBOX).iterdir())


def test_a_starting_bot_reads_the_saved_state_under_the_lock(tmp_path: Path) -> None:
    stopped_bot(tmp_path)
    started: list[ControlChannel] = []
    with control_lock(tmp_path):
        starter = threading.Thread(target=lambda: started.append(ControlChannel(tmp_path)))
        starter.start()
        time.sleep(0.3)
        assert not started  # it waits while `deliver` could be saving a pause
        status = json.loads((tmp_path / STATUS_FILE).read_text())
        (tmp_path / STATUS_FILE).write_text(json.dumps({**status, "paused": True}))
    starter.join(timeout=10)
    assert started and started[0].paused
