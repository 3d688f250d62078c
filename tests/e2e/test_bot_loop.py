"""The bot end to end on the fork: a price gap injected on one venue, then the real block loop
(refresh -> search -> guards -> simulate -> send -> receipt -> journal)."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import text as sql_text

from bot.ops.control import read_status, send_command
from bot.ops.summary import summarize

from .conftest import balance_of, mine

GAP = ("WETH", "USDC.e", 40 * 10**18)
"""WETH sold on QuickSwap: WETH is cheap there, dear everywhere else."""


def nonce(w3: Any, address: str) -> int:
    return w3.eth.get_transaction_count(address)


def assert_one_set_of_numbers(loop: Any, status_file: bool = True) -> None:
    """The live counters, the status file (`botctl status`) and the summary of the loop's run agree,
    under the same names."""
    summary = summarize(loop.journal, loop.run_id)
    assert loop.stats.totals() == summary.stats.totals()
    shared = summary.stats.totals().as_dict()
    reported = summary.as_dict()
    assert {key: reported[key] for key in shared} == shared
    if status_file:
        details = read_status(loop.control.control_dir)["details"]
        assert {key: details[key] for key in shared} == shared


def test_once_live_captures_the_gap_and_realises_the_prediction_to_the_wei(
    make_bot: Any, push_v2: Any, deployed: Any, w3: Any, book: Any
) -> None:
    pair = push_v2(*GAP)
    bot = make_bot(once=True)
    owner = deployed.owner.address
    start_nonce = nonce(w3, owner)
    before = {t.address: balance_of(w3, t.address, owner) for t in book.tokens.values()}

    reason = bot.loop.run()

    assert reason.startswith("once")
    trades = bot.events.of("trade")
    assert len(trades) == 1 and trades[0]["status"] == "mined"
    trade = trades[0]
    taken = [e for e in bot.events.of("opportunity") if e["decision"] == "taken"]
    assert len(taken) == 1 and pair in taken[0]["pools"]
    assert taken[0]["tx"] == trade["tx"]
    assert trade["realised_profit"] == trade["predicted_profit"] == taken[0]["predicted_profit"] > 0
    asset = taken[0]["asset"]
    assert balance_of(w3, asset, owner) - before[asset] == trade["realised_profit"]
    assert nonce(w3, owner) == start_nonce + 1
    stats = summarize(bot.loop.journal, bot.loop.run_id).stats
    assert (stats.blocks, stats.sent, stats.mined, stats.exact_predictions) == (1, 1, 1, 1)
    assert stats.realised_profit_micro_usd == stats.predicted_profit_micro_usd > 3_000_000
    assert stats.opportunities_found >= stats.opportunities_journaled == len(bot.events.of("opportunity"))
    assert read_status(bot.loop.control.control_dir)["state"] == "stopped"
    assert_one_set_of_numbers(bot.loop)


def test_dry_run_simulates_and_journals_but_sends_nothing(
    make_bot: Any, push_v2: Any, deployed: Any, w3: Any
) -> None:
    push_v2(*GAP)
    owner = deployed.owner.address
    start_nonce = nonce(w3, owner)
    bot = make_bot(dry_run=True, once=True)
    bot.loop.run()
    taken = [e for e in bot.events.of("opportunity") if e["decision"] == "taken"]
    assert len(taken) == 1 and taken[0]["detail"].startswith("dry run: simulation passed")
    assert "tx" not in taken[0] and bot.events.of("trade") == []
    assert nonce(w3, owner) == start_nonce
    stats = summarize(bot.loop.journal, bot.loop.run_id).stats
    assert stats.opportunities_journaled >= 1 and stats.taken == 1 and stats.sent == 0
    assert stats.opportunities_found >= stats.opportunities_journaled
    assert_one_set_of_numbers(bot.loop)


def test_dry_run_without_an_account_simulates_as_the_recorded_executor(
    make_bot: Any, push_v2: Any, w3: Any, deployed: Any
) -> None:
    push_v2(*GAP)
    bot = make_bot(dry_run=True, account=None, once=True)
    bot.loop.run()
    assert bot.loop.simulator.executor == deployed.owner.address
    assert [e["decision"] for e in bot.events.of("opportunity")].count("taken") == 1


def test_failing_simulation_is_never_sent_and_trips_the_breaker(
    make_bot: Any, push_v2: Any, deployed: Any, w3: Any
) -> None:
    push_v2(*GAP)
    deployed.flasharb.pause(sender=deployed.owner)
    owner = deployed.owner.address
    start_nonce = nonce(w3, owner)
    bot = make_bot(breaker_max_failures=2)
    decisions = []
    for _ in range(3):
        mine(w3)
        report = bot.loop.step()
        assert report is not None
        decisions.append(_best_of_block(bot, report.block))
    assert [d["decision"] for d in decisions] == ["simulation_failed", "simulation_failed", "breaker_tripped"]
    assert decisions[0]["detail"].startswith("TradingPaused()")
    assert bot.loop.contract_paused and bot.loop.breaker.tripped
    assert nonce(w3, owner) == start_nonce and bot.events.of("trade") == []
    assert_one_set_of_numbers(bot.loop)

    # the owner unpauses, but the breaker holds until the operator resets it
    deployed.flasharb.unpause(sender=deployed.owner)
    start_nonce = nonce(w3, owner)
    mine(w3)
    report = bot.loop.step()
    assert report is not None and report.decisions.get("breaker_tripped", 0) >= 1
    assert _best_of_block(bot, report.block)["decision"] == "breaker_tripped"
    assert nonce(w3, owner) == start_nonce
    _command_during_step(bot.loop, "reset-breaker")
    assert not bot.loop.breaker.tripped
    bot.loop.drain()  # the send does not wait for its receipt; the next block (or a stop) records it
    assert len(bot.events.of("trade")) == 1 and bot.events.of("trade")[0]["exact"]
    assert_one_set_of_numbers(bot.loop, status_file=False)  # written at the next block or the stop


def _best_of_block(bot: Any, block: int) -> dict[str, Any]:
    """The block's best opportunity: the first one the loop decided on."""
    return [e for e in bot.events.of("opportunity") if e["block"] == block][0]


def _command_during_step(loop: Any, command: str) -> dict[str, Any]:
    """Send a control command from another thread while the loop processes a new block."""
    replies: list[dict[str, Any]] = []
    sender = threading.Thread(
        target=lambda: replies.append(send_command(loop.control.control_dir, command, timeout_s=30))
    )
    sender.start()
    inbox = loop.control.inbox
    deadline = time.monotonic() + 10
    while not any(inbox.glob("*.json")) and sender.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)  # the command is waiting before the block is processed
    while sender.is_alive():
        mine(loop.rpc.w3)
        loop.step()
        sender.join(timeout=0.05)
    assert replies and replies[0]["ack"]["ok"], replies
    return replies[0]


def test_pause_stops_sending_within_one_block_and_resume_sends_again(
    make_bot: Any, push_v2: Any, deployed: Any, w3: Any
) -> None:
    push_v2(*GAP)
    owner = deployed.owner.address
    bot = make_bot()
    start_nonce = nonce(w3, owner)
    reply = _command_during_step(bot.loop, "pause")
    assert reply["ack"]["message"].startswith("paused")
    assert bot.events.of("opportunity")[0]["decision"] == "paused"
    assert nonce(w3, owner) == start_nonce and bot.loop.stats.paused

    _command_during_step(bot.loop, "resume")
    bot.loop.drain()
    trades = bot.events.of("trade")
    assert len(trades) == 1 and trades[0]["exact"]
    assert nonce(w3, owner) == start_nonce + 1
    assert_one_set_of_numbers(bot.loop, status_file=False)  # drained after the last block's status


def test_a_restart_resumes_from_the_journal(make_bot: Any, push_v2: Any, deployed: Any, w3: Any) -> None:
    push_v2(*GAP)
    first = make_bot()
    # the first run sends, then dies before it records the receipt
    first.loop.sender.receipt = lambda sent: None  # type: ignore[union-attr, method-assign]
    first.loop.step()
    assert first.loop.stats.trades_sent == 1 and first.loop.in_flight
    assert_one_set_of_numbers(first.loop)
    pending = first.loop.journal.resume()
    assert len(pending.unfinished) == 1 and pending.last_block == first.loop.last_block

    second = make_bot()
    second.loop.resume()
    assert second.loop.journal.resume().unfinished == ()
    trade = second.events.of("trade")[0]
    assert trade["tx"] == pending.unfinished[0].hash and trade["status"] == "mined"
    assert trade["exact"]  # the journal gives the adopted trade its prediction
    predicted = [e for e in first.events.of("opportunity") if e["decision"] == "taken"][0]["predicted_profit"]
    assert trade["realised_profit"] == predicted > 0
    everything = summarize(second.loop.journal).stats
    assert (everything.sent, everything.mined, everything.pending, everything.exact_predictions) == (
        1,
        1,
        0,
        1,
    )
    assert everything.blocks == 1  # the first run's block is in the journal

    # the second run goes on from the chain's nonce: nothing is sent twice, no nonce is used twice
    mine(w3)
    second.loop.step()
    assert_one_set_of_numbers(second.loop)
    second.loop.drain()  # a send returns before the node has mined it
    with second.loop.journal.engine.connect() as connection:
        rows = connection.execute(sql_text("SELECT hash, nonce FROM transactions")).all()
    assert len({h for h, _ in rows}) == len(rows) == len({n for _, n in rows})
    assert nonce(w3, deployed.owner.address) == max(n for _, n in rows) + 1
    # the first run's trade, settled by the second, counts in the first run's numbers only
    assert summarize(second.loop.journal, first.loop.run_id).stats.trades_mined == 1
    assert_one_set_of_numbers(second.loop, status_file=False)  # drained after the last status
