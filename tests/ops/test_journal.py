"""The journal on SQLite: round trip, exact big integers, crash then resume, totals for the summary,
a journal written by an older version."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.ops.guards import Reason
from bot.ops.journal import Journal, OpportunityRecord, Outcome, RunTotals, SentTx, TxStatus
from bot.ops.summary import summarize

ASSET = "0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174"
SENDER = "0x000000000000000000000000000000000000bEEF"


def opportunity(block: int, profit: int, usd: int | None = None, amount_in: int = 10**9) -> OpportunityRecord:
    return OpportunityRecord(
        block=block,
        route="USDC.e -> WETH (quickswap) -> USDC.e (uniswap-v3 500)",
        lender="aave",
        asset=ASSET,
        amount_in=amount_in,
        predicted_profit=profit,
        gas_units=310_000,
        predicted_profit_micro_usd=usd,
    )


def sent(tx_hash: str, nonce: int) -> SentTx:
    return SentTx(tx_hash, nonce, SENDER, 2**70 + 1, 30 * 10**9, 600_000)


POSTGRES_ENV = "FLASHARB_TEST_POSTGRES_URL"
"""A PostgreSQL URL (postgresql+psycopg://user:password@host/db, a database the tests may empty) to
run the journal tests against PostgreSQL too; unset, those runs are skipped."""


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nested' / 'journal.sqlite'}"
    postgres = os.environ.get(POSTGRES_ENV)
    if not postgres:
        pytest.skip(f"{POSTGRES_ENV} is not set: the journal's PostgreSQL run needs a database URL")
    if request.node.get_closest_marker("sqlite_only"):
        pytest.skip("SQLite only (its file, pragmas or an older SQLite journal)")
    from sqlalchemy import create_engine

    from bot.ops.journal import Base

    engine = create_engine(postgres)
    Base.metadata.drop_all(engine)  # every test starts from an empty journal
    engine.dispose()
    return postgres


def test_round_trip_with_integers_beyond_64_bits(url: str, tmp_path: Path) -> None:
    journal = Journal(url)
    run = journal.start_run("abc", "polygon:replica:node", dry_run=False)
    huge = 2**255 + 12345
    opp = journal.record_opportunity(run, opportunity(7, profit=-(2**200) - 1, usd=2**80, amount_in=huge))
    journal.record_decision(opp, Reason.TAKEN)
    journal.record_sent(opp, sent("0xAA01", 5))
    journal.record_outcome(
        "0xaa01",
        Outcome(TxStatus.MINED, 8, gas_used=2**65, effective_gas_price=2**66, realised_profit=-(2**200) - 1),
    )
    journal.mark_block(run, 7)
    journal.close()

    reopened = Journal(url)
    with reopened._sessions() as session:  # read back the raw rows
        from bot.ops.journal import OpportunityRow, OutcomeRow, TransactionRow

        row = session.get(OpportunityRow, opp)
        assert row is not None
        assert row.amount_in == huge and row.predicted_profit == -(2**200) - 1
        assert row.predicted_profit_micro_usd == 2**80
        tx = session.query(TransactionRow).one()
        assert tx.max_fee_per_gas == 2**70 + 1 and tx.status == "mined" and tx.hash == "0xaa01"
        assert session.query(OutcomeRow).one().gas_fee_wei == 2**131
    stats = reopened.stats(run)
    assert stats.gas_spent_wei == 2**131 and stats.trades_mined == 1 and stats.exact_predictions == 1
    if url.startswith("sqlite"):
        database = Path(url.removeprefix("sqlite:///"))
        assert sqlite3.connect(database).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_crash_then_resume_returns_the_unfinished_transaction(url: str) -> None:
    # A separate process records a run up to a sent transaction and dies without closing anything.
    script = textwrap.dedent(
        f"""
        import os
        from bot.ops.journal import Journal, OpportunityRecord, SentTx, Outcome, TxStatus
        j = Journal({url!r})
        run = j.start_run("h", "polygon:replica:node", False)
        for block, tx in ((100, "0x01"), (101, "0x02")):
            o = j.record_opportunity(run, OpportunityRecord(block, "r", "aave", "0x1", 1, 5, 300000))
            j.record_decision(o, "taken")
            j.record_sent(o, SentTx(tx, block - 100, "0xbeef", 1, 1, 1))
            j.mark_block(run, block)
        j.record_outcome("0x01", Outcome(TxStatus.MINED, 101, 1, 1, 5))
        os._exit(9)
        """
    )
    crashed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert crashed.returncode == 9, crashed.stderr
    state = Journal(url).resume()
    assert state.last_block == 101
    assert [(tx.hash, tx.nonce, tx.sender) for tx in state.unfinished] == [("0x02", 1, "0xbeef")]


def test_resume_on_a_fresh_journal(url: str) -> None:
    state = Journal(url).resume()
    assert state.last_block is None and state.unfinished == ()


def test_stats_and_summary(url: str) -> None:
    journal = Journal(url)
    old = journal.start_run("h0", "polygon:replica:node", True)
    journal.record_decision(journal.record_opportunity(old, opportunity(1, 9)), Reason.PROFIT_BELOW_MIN)
    run = journal.start_run("h1", "polygon:replica:node", False)
    for block, found in ((10, 40), (11, 2), (12, 7)):
        journal.mark_block(run, block, found=found)
    a = journal.record_opportunity(run, opportunity(10, profit=5_000_000, usd=5_000_000))
    b = journal.record_opportunity(run, opportunity(11, profit=7_000_000, usd=7_000_000))
    c = journal.record_opportunity(run, opportunity(11, profit=1, usd=1))
    d = journal.record_opportunity(run, opportunity(12, profit=8_000_000, usd=8_000_000))
    for opp in (a, b, d):
        journal.record_decision(opp, Reason.TAKEN)
    journal.record_decision(c, Reason.PROFIT_BELOW_MIN, "1 < 3000000")
    journal.record_sent(a, sent("0xa", 0))
    journal.record_sent(b, sent("0xb", 1))
    journal.record_sent(d, sent("0xd", 2))
    journal.record_outcome(
        "0xa",
        Outcome(
            TxStatus.MINED,
            11,
            300_000,
            40 * 10**9,
            realised_profit=5_000_000,
            realised_profit_micro_usd=5_000_000,
            gas_fee_micro_usd=4_800,
        ),
    )
    journal.record_outcome(
        "0xb",
        Outcome(
            TxStatus.REVERTED,
            12,
            100_000,
            40 * 10**9,
            realised_profit=0,
            realised_profit_micro_usd=0,
            gas_fee_micro_usd=1_600,
        ),
    )
    stats = journal.stats(run)
    assert (stats.blocks, stats.opportunities_found, stats.opportunities_journaled, stats.taken) == (
        3,
        49,
        4,
        3,
    )
    assert stats.skipped == {"profit_below_min": 1}
    assert (stats.trades_sent, stats.trades_mined, stats.trades_reverted, stats.trades_pending) == (
        3,
        1,
        1,
        1,
    )
    assert (stats.sent, stats.mined, stats.reverted, stats.dropped, stats.pending) == (
        3,
        1,
        1,
        0,
        1,
    )  # old names
    assert stats.gas_used == 400_000 and stats.gas_spent_wei == 400_000 * 40 * 10**9
    assert stats.realised_profit_micro_usd == 5_000_000 and stats.predicted_profit_micro_usd == 5_000_000
    assert stats.net_pnl_micro_usd == 5_000_000 - 6_400
    assert stats.exact_predictions == 1
    everything = journal.stats()  # every run: the old run journaled one opportunity and marked no block
    assert (everything.opportunities_found, everything.opportunities_journaled) == (49, 5)

    summary = summarize(journal, run)
    data = summary.as_dict()
    assert data == {
        "run_id": run,
        "blocks": 3,
        "opportunities_found": 49,
        "opportunities_journaled": 4,
        "taken": 3,
        "skipped": {"profit_below_min": 1},
        "trades_sent": 3,
        "trades_mined": 1,
        "trades_reverted": 1,
        "trades_dropped": 0,
        "trades_pending": 1,
        "realised_profit_micro_usd": 5_000_000,
        "gas_spent_wei": 400_000 * 40 * 10**9,
        "gas_spent_micro_usd": 6_400,
        "net_pnl_micro_usd": 4_993_600,
        "gas_used": 400_000,
        "predicted_profit_micro_usd": 5_000_000,
        "exact_predictions": 1,
    }
    text = summary.as_text()
    assert "blocks processed     3" in text
    assert "opportunities found  49 (profitable before the guards)" in text
    assert "    journaled          4 (taken 3; skipped: profit_below_min 1)" in text
    assert "trades sent          3 (mined 1, reverted 1, dropped 0, pending 1)" in text
    assert "realised profit      $5.000000" in text
    assert "gas spent            0.016000 MATIC ($0.006400, 400,000 gas)" in text
    assert "net PnL              $4.993600" in text
    assert "1 of 1 exact to the wei" in text


def test_bad_writes_and_urls(url: str, tmp_path: Path) -> None:
    journal = Journal(url)
    run = journal.start_run("h", "n", True)
    opp = journal.record_opportunity(run, opportunity(1, 1))
    journal.record_sent(opp, sent("0x1", 0))
    with pytest.raises(ValueError, match="refused the write"):
        journal.record_sent(opp, sent("0x1", 0))  # the same hash twice
    with pytest.raises(ValueError, match="no transaction 0x99"):
        journal.record_outcome("0x99", Outcome(TxStatus.MINED, 1, 1, 1, 1))
    with pytest.raises(ValueError, match="not sent"):
        journal.record_outcome("0x1", Outcome(TxStatus.SENT, 1, 1, 1, 1))
    with pytest.raises(TypeError, match="predicted_profit: journal amounts are integers, got 1.5"):
        journal.record_opportunity(run, opportunity(1, 1.5))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no runs row with id 999"):
        journal.mark_block(999, 1)
    with pytest.raises(ValueError, match=r"mark_block: found is a count of opportunities .* got -1"):
        journal.mark_block(run, 1, found=-1)
    with pytest.raises(ValueError, match="mark_block: found is a count"):
        journal.mark_block(run, 1, found=2.0)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="journal_url"):
        Journal("nonsense")
    with pytest.raises(ConfigError, match="journal_url: (no database driver|cannot open)") as caught:
        Journal("postgresql://user:secret@127.0.0.1:1/none")
    assert "secret" not in str(caught.value)
    with pytest.raises(ConfigError, match="cannot open the journal"):
        Journal(f"sqlite:///{tmp_path}")  # a directory, not a database file


# The `runs` table as the first version created it, before runs.opportunities_found.
OLD_RUNS_TABLE = """
CREATE TABLE runs (
    id INTEGER NOT NULL, started_at FLOAT NOT NULL, stopped_at FLOAT, stop_reason TEXT,
    config_hash VARCHAR(64) NOT NULL, network VARCHAR(100) NOT NULL, dry_run BOOLEAN NOT NULL,
    last_block INTEGER, blocks INTEGER NOT NULL, PRIMARY KEY (id)
)
"""


@pytest.mark.sqlite_only
def test_a_journal_written_by_an_older_version_keeps_working(url: str) -> None:
    database = Path(url.removeprefix("sqlite:///"))
    database.parent.mkdir(parents=True)
    with sqlite3.connect(database) as old:
        old.execute(OLD_RUNS_TABLE)
        old.execute(
            "INSERT INTO runs (id, started_at, config_hash, network, dry_run, last_block, blocks) "
            "VALUES (1, 1.0, 'h', 'polygon:replica:node', 1, 99, 5)"
        )
    journal = Journal(url)  # adds the column in place
    columns = [row[1] for row in sqlite3.connect(database).execute("PRAGMA table_info(runs)")]
    assert "opportunities_found" in columns
    old_run = journal.stats(1)
    assert (old_run.blocks, old_run.opportunities_found) == (5, 0)  # the old run did not count them
    run = journal.start_run("h2", "polygon:replica:node", True)
    journal.mark_block(run, 100, found=12)
    journal.close()
    again = Journal(url)  # a second open finds the column and changes nothing
    assert (again.stats(run).blocks, again.stats(run).opportunities_found) == (1, 12)
    assert (again.stats().blocks, again.stats().opportunities_found) == (6, 12)
    assert again.resume().last_block == 100


def test_run_totals_count_as_defined() -> None:
    totals = RunTotals()
    totals.count_block(found=30)
    totals.count_block(found=0)
    for reason in ("taken", Reason.PROFIT_BELOW_MIN, "not_selected", "not_selected"):
        totals.count_decision(reason)
    for _ in range(4):
        totals.count_sent()
    totals.count_outcome(TxStatus.MINED, 10, 4, 5_000_000)
    totals.count_outcome(TxStatus.REVERTED, 7, 3, 999)  # a reverted trade realises nothing
    totals.count_outcome(TxStatus.DROPPED)
    assert (totals.blocks, totals.opportunities_found, totals.opportunities_journaled) == (2, 30, 4)
    assert totals.taken == 1 and totals.skipped == {"profit_below_min": 1, "not_selected": 2}
    assert (totals.trades_mined, totals.trades_reverted, totals.trades_dropped, totals.trades_pending) == (
        1,
        1,
        1,
        1,
    )
    assert (totals.gas_spent_wei, totals.gas_spent_micro_usd, totals.realised_profit_micro_usd) == (
        17,
        7,
        5_000_000,
    )
    assert totals.net_pnl_micro_usd == 4_999_993
    with pytest.raises(ValueError, match="an outcome is mined, reverted or dropped, not sent"):
        totals.count_outcome(TxStatus.SENT)


def test_a_batch_commits_its_writes_together_or_not_at_all(url: str) -> None:
    journal = Journal(url)
    run = journal.start_run("abc", "polygon:replica:node", dry_run=False)
    with journal.batch() as batch:
        opp = batch.record_opportunity(run, opportunity(9, profit=5, usd=7))
        batch.record_decision(opp, Reason.TAKEN)
        batch.record_sent(opp, sent("0xbb01", 3))
        batch.record_outcome("0xbb01", Outcome(TxStatus.MINED, 10, 100, 2, realised_profit=5))
        batch.mark_block(run, 9, found=2)
    stats = journal.stats(run)
    assert (stats.blocks, stats.opportunities_found, stats.taken, stats.trades_mined) == (1, 2, 1, 1)
    assert stats.exact_predictions == 1

    with pytest.raises(ValueError, match="no transaction 0xdead"):
        with journal.batch() as batch:
            opp = batch.record_opportunity(run, opportunity(11, profit=1))
            batch.record_decision(opp, "profit_below_min")
            batch.mark_block(run, 11)
            batch.record_outcome("0xdead", Outcome(TxStatus.MINED, 12, 1, 1, realised_profit=0))
    after = journal.stats(run)
    assert after.totals() == stats.totals()  # none of the failed batch's writes landed
    assert journal.resume().last_block == 9
    journal.close()


def test_write_ahead_rows_restart_reconciliation_and_idempotent_outcomes(url: str) -> None:
    """Issue 13 on every backend: the raw bytes written ahead come back at a restart; a refused
    broadcast's row goes; a second outcome for one transaction is ignored; a start closes the runs a
    kill left open and decides their orphan opportunities."""
    from bot.ops.journal import UNDECIDED

    journal = Journal(url)
    killed = journal.start_run("h", "n", False)
    opp = journal.record_opportunity(killed, opportunity(1, 5))
    journal.record_decision(opp, Reason.TAKEN)
    raw = bytes(range(40))
    journal.record_sent(opp, SentTx("0xa1", 7, SENDER, 1, 1, 21_000, raw=raw))
    journal.record_sent(opp, SentTx("0xa2", 8, SENDER, 1, 1, 21_000, raw=b"\x02"))
    journal.forget_unsent("0xa2")  # refused by the node: it never existed
    orphan = journal.record_opportunity(killed, opportunity(2, 5))
    [pending] = Journal(url).resume().unfinished
    assert (pending.hash, pending.nonce, pending.raw) == ("0xa1", 7, raw)
    journal.record_outcome("0xa1", Outcome(TxStatus.MINED, 3, 21_000, 10, 5))
    journal.record_outcome("0xa1", Outcome(TxStatus.DROPPED, None, 0, 0, 0))  # ignored
    stats = journal.stats(killed)
    assert (stats.trades_sent, stats.trades_mined, stats.trades_dropped) == (1, 1, 0)
    current = journal.start_run("h", "n", False)
    assert journal.close_abandoned(before_run=current) == (1, 1)
    assert journal.stats(killed).skipped == {UNDECIDED: 1} and orphan > opp
