"""Issue 13, against scripted chains: a send is durable before its broadcast, and a restart
reconciles it whatever instant the bot was killed at; a settled transaction is never settled twice;
every wait is bounded; a journal that cannot be written pauses sending instead of killing the bot;
the breaker counts what costs money; SIGINT and SIGTERM stop after the block; a chain that went back
is noticed."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.errors import RpcError
from bot.execution.rpc import BudgetSpent, Rpc, bounded_web3
from bot.execution.sender import Sender
from bot.ops.breaker import CircuitBreaker
from bot.ops.journal import UNDECIDED, Journal, OpportunityRecord, Outcome, TxStatus
from bot.ops.metrics import BotMetrics
from bot.ops.view import LiveStats
from bot.runtime.bookkeeping import Bookkeeper, JournalUnavailable
from bot.runtime.events import Recorder, Ticket
from bot.runtime.heads import Heads
from bot.runtime.signals import interrupted, stop_on_signals
from bot.runtime.transactions import InFlight, TransactionManager, TxSettings

from .test_transactions import ACCOUNT, ASSET, FEES, FLASHARB, NATIVE, Chain, FakeSigner, Usd


@pytest.fixture(autouse=True)
def _plain_payloads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests' opportunities carry only their journal record; their JSON line is not under test."""
    monkeypatch.setattr("bot.runtime.bookkeeping.opportunity_payload", lambda event: {})


class Killed(BaseException):
    """The process dies here (kill -9): nothing after it runs."""


def open_books(path: Path) -> Bookkeeper:
    journal = Journal(f"sqlite:///{path}")
    run = journal.start_run("x", "test", dry_run=False)
    return Bookkeeper(journal, run, BotMetrics(), LiveStats(mode="live"), Recorder())


def wired(chain: Chain, books: Bookkeeper, tmp_path: Path, **settings: Any) -> TransactionManager:
    txs = TransactionManager(
        Sender(chain, FakeSigner(), 137),  # type: ignore[arg-type]
        chain,  # type: ignore[arg-type]
        flasharb=FLASHARB,
        breaker=CircuitBreaker(3, 10_000_000, tmp_path / "breaker.json"),
        publish=books.publish,
        native=NATIVE,
        decimals={ASSET: 18, NATIVE: 18},
        settings=TxSettings(**{"stuck_blocks": 2, "max_replacements": 2, **settings}),
        write_ahead=books.write_ahead,
        forget_unsent=books.forget_unsent,
    )
    txs.prices = Usd()  # type: ignore[assignment]
    return txs


def opening(books: Bookkeeper) -> tuple[Ticket, Any]:
    """A taken opportunity's ticket and its decision event (not journaled yet: the block's flush has
    not run)."""
    from bot.runtime.events import OpportunityDecided

    class Priced:
        def record(self) -> OpportunityRecord:
            return OpportunityRecord(100, "route", "AAVE", ASSET, 10**18, 5 * 10**15, 300_000, 10_000)

    ticket = Ticket()
    return ticket, OpportunityDecided(100, ticket, Priced(), "taken", "ok", 400_000)  # type: ignore[arg-type]


def rows(journal: Journal) -> list[tuple[Any, ...]]:
    with journal.engine.connect() as connection:
        return list(
            connection.execute(text("SELECT hash, nonce, status, raw FROM transactions ORDER BY id")).all()
        )


# --- 1. write-ahead: a kill at any instant loses nothing, sends nothing twice ------------------------


def test_a_kill_between_the_journal_and_the_broadcast_leaves_a_row_the_restart_drops(tmp_path: Path) -> None:
    chain = Chain()
    books = open_books(tmp_path / "j.sqlite")
    txs = wired(chain, books, tmp_path)
    real = chain.request

    def die(method: str, params: list[Any]) -> Any:
        if method == "eth_sendRawTransaction":
            raise Killed
        return real(method, params)

    chain.request = die  # type: ignore[method-assign]
    ticket, decided = opening(books)
    with pytest.raises(Killed):
        txs.broadcast(b"\x01", 400_000, FEES, ticket=ticket, opening=decided, block=100)
    # durable before the node saw anything: a fresh process reads it back, raw bytes included
    after = Journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    [(tx_hash, nonce, status, raw)] = rows(after)
    assert (nonce, status) == (3, "sent") and raw.startswith("0x") and chain.mempool == {}
    with after.engine.connect() as connection:
        assert connection.execute(text("SELECT reason FROM decisions")).scalar() == "taken"

    chain.request = real  # type: ignore[method-assign]
    restarted = open_books(tmp_path / "j.sqlite")
    fresh = wired(chain, restarted, tmp_path)
    settled = fresh.resume(restarted.journal.resume().unfinished, head=101, account=ACCOUNT)
    restarted.flush()
    assert settled.dropped == 1 and chain.mempool == {}  # never broadcast, and not broadcast now
    assert rows(restarted.journal)[0][2] == "dropped" and restarted.journal.resume().unfinished == ()


def test_a_kill_after_the_broadcast_before_the_block_flush_loses_nothing(tmp_path: Path) -> None:
    chain = Chain()
    books = open_books(tmp_path / "j.sqlite")
    txs = wired(chain, books, tmp_path)
    ticket, decided = opening(books)
    sent = txs.broadcast(b"\x01", 400_000, FEES, ticket=ticket, opening=decided, block=100)
    chain.mine(sent.hash, profit=5 * 10**15)
    # killed here: the block's queued events (TradeSent, the decision's JSON) are never flushed
    restarted = open_books(tmp_path / "j.sqlite")
    fresh = wired(chain, restarted, tmp_path)
    [pending] = restarted.journal.resume().unfinished
    assert pending.hash == sent.hash and pending.raw is not None
    settled = fresh.resume((pending,), head=105, account=ACCOUNT)
    restarted.flush()
    assert settled.mined == 1
    stats = restarted.journal.stats(books.run_id)
    assert (stats.trades_sent, stats.trades_mined, stats.taken) == (1, 1, 1)
    # 8. valued at the restart: no NULL USD fields
    assert stats.realised_profit_micro_usd == 10_000 and stats.gas_spent_micro_usd > 0
    assert fresh.breaker.state.net_pnl_micro_usd == 10_000 - stats.gas_spent_micro_usd


def test_the_same_send_flushed_later_is_not_journaled_twice(tmp_path: Path) -> None:
    chain = Chain()
    books = open_books(tmp_path / "j.sqlite")
    txs = wired(chain, books, tmp_path)
    ticket, decided = opening(books)
    sent = txs.broadcast(b"\x01", 400_000, FEES, ticket=ticket, opening=decided, block=100)
    books.publish(decided)
    txs.track(ticket, sent, 100, ASSET, 5 * 10**15)
    chain.mine(sent.hash, profit=5 * 10**15)
    txs.poll(101)
    books.flush()
    assert books.degraded is None
    stats = books.journal.stats(books.run_id)
    assert (stats.taken, stats.trades_sent, stats.trades_mined) == (1, 1, 1)
    assert stats.totals() == books.stats.totals()


def test_a_refused_broadcast_leaves_no_row_and_does_not_trip_the_breaker(tmp_path: Path) -> None:
    from bot.execution.rpc import NodeReplyError
    from bot.execution.sender import SendError

    chain = Chain()
    books = open_books(tmp_path / "j.sqlite")
    txs = wired(chain, books, tmp_path)
    real = chain.request

    def refuse(method: str, params: list[Any]) -> Any:
        if method == "eth_sendRawTransaction":
            raise NodeReplyError(method, -32000, "insufficient funds for gas * price + value")
        return real(method, params)

    chain.request = refuse  # type: ignore[method-assign]
    for _ in range(5):
        ticket, decided = opening(books)
        with pytest.raises(SendError):
            txs.broadcast(b"\x01", 400_000, FEES, ticket=ticket, opening=decided, block=100)
    assert rows(books.journal) == []
    # 6. five refusals (nothing spent) do not trip a breaker of max_failures=3
    assert not txs.breaker.tripped and txs.breaker.state.consecutive_send_errors == 5


@pytest.mark.parametrize("answer", ["lost", "refused"])
def test_a_broadcast_in_doubt_is_looked_up_and_settled(tmp_path: Path, answer: str) -> None:
    """The node takes the broadcast and the reply is lost ("lost"), or the lost reply's retry is
    refused with "nonce too low" because the first attempt was mined ("refused"); either way the lookup
    that would tell fails. The row must stay, be looked up every block and settle when the node answers
    again, never be forgotten as unsent (a 20 % fault soak at a 2 s timeout lost a mined trade's row
    through "refused"); the live numbers and the journal's agree throughout."""
    from bot.execution.rpc import NodeReplyError
    from bot.execution.sender import SendError

    chain = Chain()
    books = open_books(tmp_path / "j.sqlite")
    txs = wired(chain, books, tmp_path)
    real = chain.request
    state = {"down": True}

    def reached_the_node(method: str, params: list[Any]) -> Any:
        if method == "eth_sendRawTransaction":
            real(method, params)  # the node took it ...
            if answer == "lost":
                raise RpcError("connection reset")  # ... and the reply was lost
            raise NodeReplyError(method, -32000, "nonce too low", None)  # ... and the retry refused
        return real(method, params)

    chain.request = reached_the_node  # type: ignore[method-assign]
    lookup = chain.transaction

    def unreachable(tx_hash: str) -> Any:
        if state["down"]:
            raise RpcError("unreachable")
        return lookup(tx_hash)

    chain.transaction = unreachable  # type: ignore[method-assign]
    ticket, decided = opening(books)
    with pytest.raises(SendError) as failed:
        txs.broadcast(b"\x01", 400_000, FEES, ticket=ticket, opening=decided, block=100)
    assert failed.value.in_doubt
    books.publish(decided)  # the pipeline records the opportunity's decision after the send
    books.flush()
    [(tx_hash, _, status, _)] = rows(books.journal)
    assert status == "sent" and [f.latest.hash for f in txs.unsure] == [tx_hash]
    state["down"] = False
    chain.mine(tx_hash, profit=5 * 10**15)
    assert txs.poll(101).mined == 1 and txs.unsure == []
    books.flush()
    assert rows(books.journal)[0][2] == "mined"
    assert books.stats.totals() == books.journal.stats(books.run_id).totals()
    assert (books.stats.trades_sent, books.stats.trades_mined, books.stats.trades_pending) == (1, 1, 0)


# --- 2. a settled transaction is never settled again ----------------------------------------------


def test_a_transaction_settled_twice_records_one_outcome_and_the_loop_goes_on(tmp_path: Path) -> None:
    chain = Chain()
    books = open_books(tmp_path / "j.sqlite")
    txs = wired(chain, books, tmp_path)
    ticket, decided = opening(books)
    sent = txs.broadcast(b"\x01", 400_000, FEES, ticket=ticket, opening=decided, block=100)
    books.publish(decided)
    txs.track(ticket, sent, 100, ASSET, 5)
    chain.mine(sent.hash, profit=5)
    # the stale copy a failed lookup used to leave behind
    txs.in_flight.append(InFlight(ticket, sent, 100, ASSET, 5))
    txs.poll(101)
    txs.in_flight.append(InFlight(ticket, sent, 100, ASSET, 5))
    txs.poll(102)
    books.flush()
    assert books.degraded is None and txs.in_flight == []
    with books.journal.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM outcomes")).scalar() == 1
    # and the journal itself takes a second outcome without failing (the first stands)
    books.journal.record_outcome(sent.hash, Outcome(TxStatus.REVERTED, 1, 1, 1, 0))
    assert rows(books.journal)[0][2] == "mined"


# --- 3. stuck age counts from the (latest) broadcast -------------------------------------------------


def test_stuck_age_counts_from_the_send_not_the_opportunity_block(tmp_path: Path) -> None:
    chain = Chain()
    books = open_books(tmp_path / "j.sqlite")
    txs = wired(chain, books, tmp_path, stuck_blocks=3)
    ticket, decided = opening(books)  # the opportunity is of block 100
    sent = txs.broadcast(b"\x01", 400_000, FEES, ticket=ticket, opening=decided, block=110)
    books.publish(decided)
    txs.track(ticket, sent, 110, ASSET, 5)  # sent when the head was 110 (a lagging loop)
    txs.poll(112)
    assert txs.in_flight[0].latest.hash == sent.hash  # 2 blocks old, not 12
    txs.poll(113)
    replaced = txs.in_flight[0].latest
    assert replaced.kind == "replacement"
    txs.poll(115)
    assert txs.in_flight[0].latest.hash == replaced.hash  # 2 blocks after the replacement
    txs.poll(116)
    assert txs.in_flight[0].replacements == 2
    books.flush()
    # every version is written ahead, raw bytes included
    assert [r[3] is not None for r in rows(books.journal)] == [True, True, True]


# --- 4. bounded waits ----------------------------------------------------------------------------------


@pytest.fixture
def black_hole() -> Any:
    """A web3 on a node that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])  # accepted, never answered
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        from web3 import Web3

        yield Web3(Web3.HTTPProvider(f"http://127.0.0.1:{server.getsockname()[1]}"))
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in held:
            connection.close()
        server.close()


def test_a_black_holed_request_times_out_and_the_block_budget_stops_the_retries(black_hole: Any) -> None:
    rpc = Rpc(bounded_web3(black_hole, 0.3), retries=10, backoff_s=0.05, timeout_s=0.3)
    started = time.monotonic()
    with rpc.budget(1.0), pytest.raises(BudgetSpent):
        rpc.block_number()
    spent = time.monotonic() - started
    # not 30 minutes, not 10 retries x 0.3 s either: no retry starts that could outlast the budget
    assert spent < 1.0 + 0.1, spent
    assert 2 <= rpc.requests <= 3


def test_market_reads_stop_retrying_when_the_block_budget_is_spent(black_hole: Any) -> None:
    """The Multicall3 reads share the block's budget: a black-holed eth_call is retried only while the
    budget lasts (with no budget, the same reader would try 11 times, 0.3 s each plus backoff)."""
    from bot.market.multicall import Call, Multicall

    w3 = bounded_web3(black_hole, 0.3)
    rpc = Rpc(w3, retries=10, backoff_s=0.05, timeout_s=0.3)
    multicall = Multicall(
        w3,
        "0xcA11bde05977b3631167028862bE2a173976CA11",
        retries=10,
        backoff_s=0.05,
        deadline=rpc.retry_deadline,
    )
    call = Call("0x0000000000000000000000000000000000001234", b"\x12\x34\x56\x78")
    started = time.monotonic()
    with rpc.budget(1.0), pytest.raises(BudgetSpent, match="budget"):
        multicall.aggregate3([call], block=5)
    spent = time.monotonic() - started
    assert spent < 1.0 + 0.1, spent
    assert 2 <= multicall.eth_calls <= 3
    # outside a block's budget the count of retries is the only bound
    multicall.retries = 1
    with pytest.raises(RpcError, match="after 2 attempts"):
        multicall.aggregate3([call], block=5)


# --- 5. journal failures degrade ---------------------------------------------------------------------


def test_a_journal_that_cannot_be_written_pauses_sending_and_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chain = Chain()
    books = open_books(tmp_path / "j.sqlite")
    books.journal_retry_s = 0.0
    txs = wired(chain, books, tmp_path)
    real_batch = books.journal.batch

    def full(*_: Any, **__: Any) -> Any:
        raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    monkeypatch.setattr(books.journal, "batch", full)
    ticket, decided = opening(books)
    books.publish(decided)
    books.flush()  # no exception: degraded
    assert books.degraded is not None and "disk is full" in books.degraded
    assert books.metrics.journal_degraded._value.get() == 1
    ticket2, decided2 = opening(books)
    with pytest.raises(JournalUnavailable):
        txs.broadcast(b"\x01", 400_000, FEES, ticket=ticket2, opening=decided2, block=100)
    assert chain.mempool == {}  # nothing broadcast that the journal could not record
    monkeypatch.setattr(books.journal, "batch", real_batch)
    books.flush()
    assert books.degraded is None and books.metrics.journal_degraded._value.get() == 0
    assert books.journal.stats(books.run_id).taken == 1  # the queued decision was kept, then written


def test_a_long_journal_outage_keeps_a_bounded_queue_and_loses_no_trade_or_block_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A week without a journal must not grow the bot without bound: past `max_queued`, runs of
    processed blocks merge and skipped opportunities are dropped (counted); taken opportunities keep
    their place, and the run's block and opportunity counts come out exact."""
    from bot.runtime.events import BlockDone, BlockReport, OpportunityDecided

    books = open_books(tmp_path / "j.sqlite")
    books.journal_retry_s = 0.0
    books.max_queued = 40
    real_batch = books.journal.batch

    def locked(*_: Any, **__: Any) -> Any:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(books.journal, "batch", locked)
    _, taken = opening(books)
    skipped = 0
    for block in range(1_000, 1_300):
        if block == 1_005:
            books.publish(taken)
        ticket, decided = opening(books)
        books.publish(OpportunityDecided(block, ticket, decided.priced, "below_min_profit", "", 0))
        skipped += 1
        books.publish(BlockDone(BlockReport(block, opportunities=2), paused=False, breaker="ok"))
        books.flush()
        assert len(books._queue) <= books.max_queued + 1
    assert books.degraded is not None and books.shed > 0
    assert books.metrics.journal_shed._value.get() == books.shed
    monkeypatch.setattr(books.journal, "batch", real_batch)
    books.flush()
    assert books.degraded is None and books._queue == []
    stats = books.journal.stats(books.run_id)
    assert stats.taken == 1  # the taken opportunity survived the shedding
    with books.journal.engine.connect() as connection:
        blocks, found, last = connection.execute(
            text("SELECT blocks, opportunities_found, last_block FROM runs WHERE id = :id"),
            {"id": books.run_id},
        ).one()
        journaled_skips = connection.execute(
            text("SELECT COUNT(*) FROM decisions WHERE reason = 'below_min_profit'")
        ).scalar()
    assert (blocks, found, last) == (300, 600, 1_299)  # every block counted, none lost in the merge
    assert journaled_skips + books.metrics.journal_shed._value.get() == skipped


# --- 12. runs closed, undecided opportunities reconciled ----------------------------------------------


def test_a_start_closes_runs_left_open_and_decides_orphan_opportunities(tmp_path: Path) -> None:
    journal = Journal(f"sqlite:///{tmp_path / 'j.sqlite'}")
    killed = journal.start_run("x", "test", dry_run=False)
    journal.record_opportunity(killed, OpportunityRecord(5, "r", "AAVE", ASSET, 1, 1, 1))
    current = journal.start_run("x", "test", dry_run=False)
    assert journal.close_abandoned(before_run=current) == (1, 1)
    with journal.engine.connect() as connection:
        runs = connection.execute(text("SELECT id, stop_reason FROM runs ORDER BY id")).all()
        reason = connection.execute(text("SELECT reason FROM decisions")).scalar()
    assert runs[0][1].startswith("ended without a stop") and runs[1][1] is None
    assert reason == UNDECIDED
    assert journal.close_abandoned(before_run=current) == (0, 0)


# --- 6. the breaker --------------------------------------------------------------------------------


def test_the_breaker_trips_on_send_errors_only_past_their_own_threshold(tmp_path: Path) -> None:
    breaker = CircuitBreaker(3, 1_000_000, tmp_path / "b.json", max_send_errors=5)
    for _ in range(4):
        breaker.record_send_error("connection reset")
    assert not breaker.tripped
    breaker.record_sent()
    assert breaker.state.consecutive_send_errors == 0
    for _ in range(5):
        breaker.record_send_error("connection reset")
    assert breaker.tripped and "never reached the chain" in breaker.state.reason
    assert CircuitBreaker(3, 1_000_000, tmp_path / "b.json").tripped  # persists


# --- 9. signals ----------------------------------------------------------------------------------------


def test_sigterm_and_sigint_ask_for_a_stop_after_the_block_then_stop_at_once() -> None:
    class Loop:
        reasons: list[str] = []

        def request_stop(self, reason: str) -> None:
            self.reasons.append(reason)

    loop = Loop()
    before = signal.getsignal(signal.SIGINT)
    with stop_on_signals(loop):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)
        assert loop.reasons == ["stopped by SIGTERM"]
        with pytest.raises(KeyboardInterrupt) as second:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.5)
    assert signal.getsignal(signal.SIGINT) is before
    # the run's stop reason names the signal that cut it short, not a Ctrl-C that never happened
    assert interrupted(second.value) == "interrupted (a second SIGINT: stopped at once)"
    with stop_on_signals(loop):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)
        with pytest.raises(KeyboardInterrupt) as second:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.5)
    assert interrupted(second.value) == "interrupted (a second SIGTERM: stopped at once)"
    assert interrupted(KeyboardInterrupt()) == "interrupted (Ctrl-C)"


# --- 10. a chain that went back ---------------------------------------------------------------------


def test_a_head_below_the_last_block_is_returned_and_in_flight_is_looked_up_again(tmp_path: Path) -> None:
    class Node:
        number = 50

        def block(self, tag: Any = "latest") -> dict[str, Any]:
            return {"number": hex(self.number), "baseFeePerGas": "0x1"}

    node = Node()
    heads = Heads(node, None, poll_s=0.0)  # type: ignore[arg-type]
    assert heads.next(after=60) is not None  # the chain went back: 50 < 60
    assert heads.next(after=50) is None

    chain = Chain()
    books = open_books(tmp_path / "j.sqlite")
    txs = wired(chain, books, tmp_path)
    ticket, decided = opening(books)
    sent = txs.broadcast(b"\x01", 400_000, FEES, ticket=ticket, opening=decided, block=100)
    books.publish(decided)
    txs.track(ticket, sent, 100, ASSET, 5)
    chain.mempool.clear()  # the reset chain forgot it
    chain.pending_nonce = 3
    txs.rewound(90)
    assert txs.in_flight == [] and [f.latest.hash for f in txs.unsure] == [sent.hash]
    assert txs.sender is not None and txs.sender.versions == {}
    txs.poll(91)
    assert txs.unsure  # not dropped before stuck_blocks
    assert txs.poll(92).dropped == 1 and txs.unsure == []
    assert txs.sender.nonces.current() == 3  # the nonce is free again: no gap


def test_a_node_behind_its_peers_is_asked_again() -> None:
    """'header not found' (-32000) comes from a load-balanced node that has not seen the block yet:
    retried like a rate limit, where a revert or a refused transaction is not."""

    class Provider:
        def __init__(self, replies: list[dict[str, Any]]) -> None:
            self.replies = replies

        def make_request(self, method: str, params: list[Any]) -> dict[str, Any]:
            return self.replies.pop(0)

    class W3:
        def __init__(self, replies: list[dict[str, Any]]) -> None:
            self.provider = Provider(replies)

    behind = {"jsonrpc": "2.0", "id": 1, "error": {"code": -32000, "message": "header not found"}}
    rpc = Rpc(W3([behind, {"jsonrpc": "2.0", "id": 1, "result": "0x10"}]), retries=2, backoff_s=0.0)
    assert rpc.request("eth_getBlockByNumber", ["latest", False]) == "0x10"
    assert rpc.requests == 2
    refused = {"jsonrpc": "2.0", "id": 1, "error": {"code": -32000, "message": "nonce too low"}}
    rpc = Rpc(W3([refused]), retries=2, backoff_s=0.0)
    with pytest.raises(RpcError, match="nonce too low"):
        rpc.request("eth_sendRawTransaction", ["0x01"])
    assert rpc.requests == 1
