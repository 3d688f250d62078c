"""The control channel: pause / resume / stop / status / reset-breaker between two processes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.ops.control import STATUS_FILE, Command, ControlChannel, parse_command, read_status, send_command

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
    with pytest.raises(TimeoutError, match="no bot acknowledged 'stop' within 0.3 s"):
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
