"""Issue 13: SIGTERM (and SIGINT) end a live run in order: the block finishes, the run is closed in
the journal with the signal as its reason, and the status file says stopped. A deployment record that
points at another contract stops the start with a clear message."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.errors import DeploymentError
from bot.ops.control import read_status
from bot.runtime.signals import stop_on_signals


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_closes_the_run_with_its_reason(make_bot: Any, tmp_path: Path, sig: signal.Signals) -> None:
    bot = make_bot(dry_run=True)
    bot.loop.resume()
    timer = threading.Timer(2.0, os.kill, (os.getpid(), sig))
    timer.start()
    with stop_on_signals(bot.loop):
        reason = bot.loop.run()
    timer.join()
    assert reason == f"stopped by {sig.name}"
    with bot.loop.journal.engine.connect() as connection:
        stop = connection.execute(
            text("SELECT stop_reason, stopped_at FROM runs WHERE id = :r"), {"r": bot.loop.run_id}
        ).one()
    assert stop[0] == reason and stop[1] is not None
    status = read_status(tmp_path / "control")
    assert status is not None and status["state"] == "stopped"


def test_a_deployment_record_for_another_contract_is_refused(make_bot: Any, deployed: Any) -> None:
    data = json.loads(deployed.path.read_text())
    for chain in data.values():
        for genesis in chain.values():
            genesis["FlashArb"]["code_hash"] = "0x" + "ab" * 32
    deployed.path.write_text(json.dumps(data))
    with pytest.raises(DeploymentError, match="is not the FlashArb recorded"):
        make_bot(dry_run=True)
