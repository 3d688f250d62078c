"""The transaction manager against a scripted chain: a stuck transaction is replaced, replaced again
and cancelled; a restart adopts a transaction still pending and settles it when mined, and values the
one mined meanwhile in USD so its gas reaches the breaker's loss limit. Every outcome goes through the
bookkeeper, so the journal and the live totals agree."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import encode
from eth_utils.crypto import keccak
from sqlalchemy import text

from bot.execution.gas import GWEI, FeeQuote
from bot.execution.sender import Sender
from bot.execution.signer import UnsignedTx
from bot.execution.trade_event import TRADE_TOPIC
from bot.ops.breaker import CircuitBreaker
from bot.ops.journal import Journal, OpportunityRecord, SentTx, TxStatus
from bot.ops.metrics import BotMetrics
from bot.ops.view import LiveStats
from bot.runtime.bookkeeping import Bookkeeper
from bot.runtime.events import Recorder, Ticket, TradeSent, TradeSettled
from bot.runtime.transactions import TransactionManager, TxSettings

FLASHARB = "0x" + "fa" * 20
ACCOUNT = "0x" + "cd" * 20
NATIVE = "0x" + "11" * 20
ASSET = "0x" + "22" * 20
FEES = FeeQuote(base_fee=GWEI, max_priority_fee=30 * GWEI, max_fee=40 * GWEI)


class FakeSigner:
    address = ACCOUNT

    def sign(self, tx: UnsignedTx) -> bytes:
        return repr(tx).encode()


class Chain:
    """A node: a mempool of raw transactions, receipts for the mined ones, a pending nonce."""

    def __init__(self, pending_nonce: int = 3) -> None:
        self.pending_nonce = pending_nonce
        self.mempool: dict[str, dict[str, Any]] = {}
        self.receipts: dict[str, dict[str, Any]] = {}
        self.block = 100

    def request(self, method: str, params: list[Any]) -> Any:
        if method == "eth_sendRawTransaction":
            raw = bytes.fromhex(params[0][2:])
            tx_hash = "0x" + keccak(raw).hex()
            text = raw.decode()
            nonce = int(re.search(r"nonce=(\d+)", text).group(1))  # type: ignore[union-attr]
            to = re.search(r"to='(0x[0-9a-fA-F]+)'", text).group(1)  # type: ignore[union-attr]
            self.mempool[tx_hash] = {
                "hash": tx_hash,
                "nonce": hex(nonce),
                "to": to,
                "input": "0x",
                "value": "0x0",
                "gas": hex(600_000),
                "maxFeePerGas": hex(40 * GWEI),
                "maxPriorityFeePerGas": hex(30 * GWEI),
            }
            self.pending_nonce = max(self.pending_nonce, nonce + 1)
            return tx_hash
        raise AssertionError(method)

    def nonce(self, address: str, block: str = "pending") -> int:
        return self.pending_nonce

    def transaction(self, tx_hash: str) -> dict[str, Any] | None:
        return self.mempool.get(tx_hash)

    def receipt(self, tx_hash: str) -> dict[str, Any] | None:
        return self.receipts.get(tx_hash)

    def mine(
        self, tx_hash: str, *, profit: int | None = None, status: int = 1, gas_used: int = 200_000
    ) -> None:
        logs = []
        if profit is not None:
            logs.append(
                {
                    "address": FLASHARB,
                    "topics": [
                        "0x" + TRADE_TOPIC.hex(),
                        "0x" + (0).to_bytes(32, "big").hex(),
                        "0x" + bytes.fromhex(ASSET[2:]).rjust(32, b"\0").hex(),
                    ],
                    "data": "0x" + encode(["uint256"] * 4, [10**18, 0, profit, 2]).hex(),
                }
            )
        self.block += 1
        self.receipts[tx_hash] = {
            "status": hex(status),
            "blockNumber": hex(self.block),
            "gasUsed": hex(gas_used),
            "effectiveGasPrice": hex(31 * GWEI),
            "logs": logs,
        }


class Usd:
    """USD prices for the test: 1 MATIC = $0.50, 1 ASSET (18 decimals) = $2."""

    def micro(self, token: str, decimals: int, amount: int) -> int | None:
        per_unit = {NATIVE: 500_000, ASSET: 2_000_000}.get(token)
        return None if per_unit is None else amount * per_unit // 10**decimals


@pytest.fixture
def books(tmp_path: Path) -> Bookkeeper:
    journal = Journal(f"sqlite:///{tmp_path / 'journal.sqlite'}")
    run = journal.start_run("x", "test", dry_run=False)
    return Bookkeeper(journal, run, BotMetrics(), LiveStats(mode="live"), Recorder())


def manager(chain: Chain, books: Bookkeeper, tmp_path: Path, **settings: Any) -> TransactionManager:
    txs = TransactionManager(
        Sender(chain, FakeSigner(), 137),  # type: ignore[arg-type]
        chain,  # type: ignore[arg-type]
        flasharb=FLASHARB,
        breaker=CircuitBreaker(3, 10_000_000, tmp_path / "breaker.json"),
        publish=books.publish,
        native=NATIVE,
        decimals={ASSET: 18, NATIVE: 18},
        settings=TxSettings(**{"stuck_blocks": 2, "max_replacements": 2, **settings}),
    )
    txs.prices = Usd()  # type: ignore[assignment]
    return txs


def journaled_opportunity(books: Bookkeeper) -> Ticket:
    record = OpportunityRecord(100, "route", "AAVE", ASSET, 10**18, 5 * 10**15, 300_000)
    return Ticket(books.journal.record_opportunity(books.run_id, record))


def test_a_stuck_transaction_is_replaced_twice_then_cancelled(books: Bookkeeper, tmp_path: Path) -> None:
    chain = Chain()
    txs = manager(chain, books, tmp_path)
    ticket = journaled_opportunity(books)
    sent = txs.broadcast(b"\x01\x02", 400_000, FEES)
    txs.track(ticket, sent, 100, ASSET, 5 * 10**15)
    assert [f.latest.hash for f in txs.in_flight] == [sent.hash] and sent.nonce == 3

    replaced_at = []
    for block in range(101, 108):
        before = txs.in_flight[0].latest.hash
        txs.poll(block)
        if txs.in_flight[0].latest.hash != before:
            replaced_at.append(block)
    flight = txs.in_flight[0]
    # due 2 blocks after the send, then 4, then 6: two replacements, then the cancel, then nothing
    assert replaced_at == [102, 104, 106] and flight.replacements == 2 and flight.cancelled
    versions = txs.sender.versions[3]  # type: ignore[union-attr]
    assert [v.kind for v in versions] == ["trade", "replacement", "replacement", "cancel"]
    assert all(v.nonce == 3 for v in versions)
    max_fees = [v.fees.max_fee for v in versions]
    assert max_fees == sorted(max_fees) and len(set(max_fees)) == 4  # each bump +12.5 %
    assert versions[-1].to == ACCOUNT and versions[-1].data == b""

    chain.mine(versions[-1].hash, gas_used=21_000)  # the cancel is mined
    settled = txs.poll(108)
    assert settled.dropped == 1 and txs.in_flight == [] and txs.sender.versions == {}  # type: ignore[union-attr]
    books.flush()
    events = books.sink.events  # type: ignore[attr-defined]
    trades = [e for e in events if e["event"] == "trade"]
    assert [(t["tx"], t["status"]) for t in trades] == [(versions[-1].hash, "dropped")]
    assert trades[0]["gas_fee_micro_usd"] == 21_000 * 31 * GWEI * 500_000 // 10**18
    stats = books.journal.stats(books.run_id)
    assert (stats.trades_sent, stats.trades_dropped, stats.trades_pending) == (4, 4, 0)
    assert stats.totals() == books.stats.totals()
    # the cancel's gas is a loss the breaker counts
    assert txs.breaker.state.net_pnl_micro_usd == -trades[0]["gas_fee_micro_usd"]


def test_a_replacement_that_is_mined_settles_the_nonce(books: Bookkeeper, tmp_path: Path) -> None:
    chain = Chain()
    txs = manager(chain, books, tmp_path)
    ticket = journaled_opportunity(books)
    sent = txs.broadcast(b"\x01", 400_000, FEES)
    txs.track(ticket, sent, 100, ASSET, 5 * 10**15)
    txs.poll(102)
    replacement = txs.in_flight[0].latest
    assert replacement.kind == "replacement"
    chain.mine(replacement.hash, profit=5 * 10**15)
    settled = txs.poll(103)
    assert (settled.mined, txs.in_flight) == (1, [])
    books.flush()
    trade = books.sink.of("trade")[0]  # type: ignore[attr-defined]
    assert trade["tx"] == replacement.hash and trade["exact"] and trade["realised_profit_micro_usd"] == 10_000
    stats = books.journal.stats(books.run_id)
    assert (stats.trades_sent, stats.trades_mined, stats.trades_dropped) == (2, 1, 1)
    assert stats.totals() == books.stats.totals()


def test_restart_adopts_a_pending_transaction_and_values_one_mined_meanwhile(
    books: Bookkeeper, tmp_path: Path
) -> None:
    chain = Chain()
    earlier = books.journal.start_run("x", "test", dry_run=False)
    ids = [
        books.journal.record_opportunity(earlier, OpportunityRecord(90, "r", "AAVE", ASSET, 10**18, 7, 1))
        for _ in range(3)
    ]
    mined, pending, lost = "0x" + "a1" * 32, "0x" + "a2" * 32, "0x" + "a3" * 32
    for nonce, (opp, tx_hash) in enumerate(zip(ids, (mined, pending, lost), strict=True), start=1):
        books.journal.record_sent(opp, SentTx(tx_hash, nonce, ACCOUNT, 40 * GWEI, 30 * GWEI, 600_000))
    chain.mempool[mined] = chain.mempool[pending] = {"to": FLASHARB, "input": "0x", "gas": hex(600_000)}
    chain.mine(mined, status=0, gas_used=400_000)  # it reverted while the bot was down

    txs = manager(chain, books, tmp_path)
    settled = txs.resume(books.journal.resume().unfinished, head=120, account=ACCOUNT)
    books.flush()
    assert (settled.reverted, settled.dropped) == (1, 1)
    gas_usd = 400_000 * 31 * GWEI * 500_000 // 10**18
    # priced: the reverted transaction's gas reaches the breaker's loss total and the journal
    assert txs.breaker.state.net_pnl_micro_usd == -gas_usd and txs.breaker.state.consecutive_failures == 1
    assert books.journal.stats(earlier).gas_spent_micro_usd == gas_usd
    # the pending one is tracked from the head, at its own nonce
    assert [(f.latest.hash, f.latest.nonce, f.first_block, f.this_run) for f in txs.in_flight] == [
        (pending, 2, 120, False)
    ]
    assert [s.hash for s in txs.sender.in_flight] == [pending]  # type: ignore[union-attr]
    assert books.journal.resume().unfinished[0].hash == pending
    chain.mine(pending, profit=7)
    assert txs.poll(121).mined == 1 and txs.in_flight == []
    books.flush()
    assert books.journal.resume().unfinished == ()
    # an earlier run's transactions count in that run, not in this one
    assert books.stats.trades_mined == books.stats.trades_reverted == 0
    assert books.journal.stats(books.run_id).trades_sent == 0
    old = books.journal.stats(earlier)
    assert (old.trades_sent, old.trades_mined, old.trades_reverted, old.trades_dropped) == (3, 1, 1, 1)
    with books.journal.engine.connect() as connection:
        status = connection.execute(
            text("SELECT status FROM transactions WHERE hash = :h"), {"h": lost}
        ).scalar()
    assert status == TxStatus.DROPPED.value  # unknown to the node


def test_a_pending_transaction_adopted_after_a_restart_is_replaced_when_stuck(
    books: Bookkeeper, tmp_path: Path
) -> None:
    chain = Chain()
    opp = journaled_opportunity(books)
    tx_hash = "0x" + "b1" * 32
    assert opp.id is not None
    books.journal.record_sent(opp.id, SentTx(tx_hash, 3, ACCOUNT, 40 * GWEI, 30 * GWEI, 600_000))
    chain.mempool[tx_hash] = {
        "to": FLASHARB,
        "input": "0xabcd",
        "gas": hex(600_000),
        "maxFeePerGas": hex(40 * GWEI),
        "maxPriorityFeePerGas": hex(30 * GWEI),
    }
    published: list[Any] = []
    txs = manager(chain, books, tmp_path)
    txs.publish = lambda event: (published.append(event), books.publish(event))  # type: ignore[assignment, func-returns-value]
    txs.resume(books.journal.resume().unfinished, head=200, account=ACCOUNT)
    txs.poll(202)
    sent = [e for e in published if isinstance(e, TradeSent)]
    assert len(sent) == 1 and sent[0].sent.kind == "replacement" and sent[0].sent.nonce == 3
    assert sent[0].sent.data == bytes.fromhex("abcd") and sent[0].ticket.id == opp.id
    assert sent[0].sent.fees.max_fee > 40 * GWEI
    chain.mine(sent[0].sent.hash, profit=1)
    txs.poll(203)
    settled = [e for e in published if isinstance(e, TradeSettled)]
    assert [(e.tx_hash, e.status) for e in settled] == [
        (sent[0].sent.hash, TxStatus.MINED),
        (tx_hash, TxStatus.DROPPED),
    ]
    books.flush()
    assert books.journal.resume().unfinished == ()
