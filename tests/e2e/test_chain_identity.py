"""Issue 13, defect 10: a chain that went back (an anvil revert stands in for a reset or a deep reorg)
is noticed, logged, and the loop goes on from the new head; a changed genesis stops the run with the
reason."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from .conftest import mine


def test_a_chain_that_went_back_is_noticed_and_the_loop_goes_on(
    make_bot: Any, w3: Any, caplog: pytest.LogCaptureFixture
) -> None:
    loop = make_bot(dry_run=True).loop
    loop.resume()
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    mine(w3, 3)
    assert loop.step() is not None
    high = loop.last_block
    w3.provider.make_request("evm_revert", [snapshot])
    mine(w3)
    with caplog.at_level(logging.ERROR, logger="bot.runtime.loop"):
        report = loop.step()
    assert report is not None and report.block < high and loop.last_block == report.block
    assert "the chain went back" in caplog.text
    mine(w3)
    assert loop.step() is not None  # and on it goes


def test_a_changed_genesis_stops_the_run(make_bot: Any, w3: Any) -> None:
    loop = make_bot(dry_run=True).loop
    loop.resume()
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    mine(w3, 2)
    assert loop.step() is not None
    w3.provider.make_request("evm_revert", [snapshot])
    loop.genesis = "0x" + "00" * 32  # as if another chain answered at the same URL
    assert loop.step() is None
    assert loop.stop_requested and "the chain changed under the bot" in (loop.stop_reason or "")
    assert loop.run().startswith("the chain changed under the bot")


def test_another_chain_that_grew_past_the_last_block_is_noticed(make_bot: Any, w3: Any) -> None:
    """A chain swapped in behind the same URL and already past our last block: the head is not below
    the last block, but the new block is not its child, so the genesis is read again and the run
    stops. Consecutive blocks of the same chain cost no extra call."""
    loop = make_bot(dry_run=True).loop
    loop.resume()
    mine(w3)
    assert loop.step() is not None
    calls: list[Any] = []
    block = loop.rpc.block

    def counting(tag: Any = "latest") -> Any:
        calls.append(tag)
        return block(tag)

    loop.rpc.block = counting  # type: ignore[method-assign]
    mine(w3)
    assert loop.step() is not None and "earliest" not in calls  # the child of the last block
    loop.last_hash = "0x" + "11" * 32  # as if the last block had been on another chain
    loop.genesis = "0x" + "00" * 32  # and the genesis differs too
    mine(w3)
    assert loop.step() is None and "earliest" in calls
    assert loop.stop_requested and "the chain changed under the bot" in (loop.stop_reason or "")
