"""The journal: every run, opportunity, decision, transaction and outcome, in an SQL database.

SQLite by default (WAL mode, synchronous FULL), any SQLAlchemy URL works (PostgreSQL). Amounts are
exact integers: NUMERIC(78, 0) where the database has it (PostgreSQL), decimal strings elsewhere
(SQLite's NUMERIC would turn integers above 2**63 into floats); sums are taken in Python.

Each write is its own committed transaction, or several share one (`Journal.batch()`): the loop
commits a block's records once, after the block's broadcasts, so no fsync sits between a decision and
its send (a crash in that window loses the block's records; the chain still has the transactions, and
the nonce manager reads the account's nonce from it).
After a restart, `resume()` returns the transactions that were sent but have no outcome yet (to
reconcile against the chain) and the last block processed.

    journal = Journal("sqlite:///.data/journal.sqlite")
    run = journal.start_run(config.config_hash(), config.network, config.dry_run)
    opp = journal.record_opportunity(run, OpportunityRecord(...))
    journal.record_decision(opp, Reason.TAKEN)
    journal.record_sent(opp, SentTx(hash=..., nonce=..., ...))
    journal.record_outcome(tx_hash, Outcome(status=TxStatus.MINED, ...))
    journal.mark_block(run, block, found=len(result.opportunities))

`RunTotals` defines the numbers of a run once; the live view, the status file (`botctl status`) and
the summary show exactly these, computed the same way (see its docstring for what each counts).

A journal written by an older version opens as it is: a missing column is added in place.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Dialect, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import NUMERIC, TypeDecorator, TypeEngine

from bot.errors import ConfigError

logger = logging.getLogger(__name__)


class Amount(TypeDecorator[int]):
    """An exact integer of any size up to 78 digits: NUMERIC(78, 0) on PostgreSQL, a string elsewhere."""

    impl = String(80)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(NUMERIC(78, 0))
        return dialect.type_descriptor(String(80))

    def process_bind_param(self, value: int | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"journal amounts are integers, got {value!r}")
        return value if dialect.name == "postgresql" else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else int(value)


class TxStatus(str, Enum):
    """Where a transaction is."""

    SENT = "sent"
    """Broadcast; no receipt recorded yet."""
    MINED = "mined"
    """Mined and successful."""
    REVERTED = "reverted"
    """Mined and reverted: gas spent, no profit."""
    DROPPED = "dropped"
    """Never mined (replaced or evicted)."""


TAKEN = "taken"
"""The decision of an opportunity that passed every guard and its simulation."""
UNDECIDED = "undecided"
"""The decision given at the next start to an opportunity whose run ended before deciding it."""


@dataclass(slots=True)
class RunTotals:
    """The numbers of one run (or of every run), defined once. The live view (`LiveStats`), the status
    file that `botctl status` prints (`Bookkeeper.details()`) and the end summary (text and `--json`)
    all show these fields under these names, so at the end of a run they are equal.

    blocks                     blocks the loop finished (a block that failed part-way is not counted)
    opportunities_found        net-profitable opportunities the search sized (before any guard),
                               summed over those blocks; the search sizes lazily, best bound first,
                               so this counts the cycles that could still win (`Decision.found`)
    opportunities_journaled    opportunities recorded in the journal with a decision: per block the
                               candidates the search put to the guards, best first (each one a
                               guard rejected makes it try the next), at most `journal_per_block` of
                               the rejected ones; = taken + the sum of skipped
    taken                      journaled opportunities that passed every guard and the simulation
                               (then sent when live; a dry run only simulates them)
    skipped                    the other journaled opportunities, by reason: a guard's reason
                               (profit_below_min, paused, ...), tx_in_flight, simulation_failed,
                               not_selected (accepted but not simulated after a failed simulation)
    trades_sent                transactions broadcast, replacements and cancellations included
    trades_mined               of those, mined and successful
    trades_reverted            of those, mined and reverted (gas spent, no profit)
    trades_dropped             of those, never mined: replaced by another version, cancelled, evicted
    trades_pending             of those, not settled yet = sent - mined - reverted - dropped
    realised_profit_micro_usd  profit the mined trades' Trade events report, before gas, in micro-USD
    gas_spent_wei              gas paid by the settled transactions (reverted ones and mined cancels
                               included); gas_spent_micro_usd the same in micro-USD
    net_pnl_micro_usd          realised_profit_micro_usd - gas_spent_micro_usd

    A transaction belongs to the run that journaled its opportunity, even when a later run settles it
    (after a restart). Money is integers: micro-USD (1e-6 USD) and wei.
    """

    blocks: int = 0
    opportunities_found: int = 0
    taken: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    trades_sent: int = 0
    trades_mined: int = 0
    trades_reverted: int = 0
    trades_dropped: int = 0
    realised_profit_micro_usd: int = 0
    gas_spent_wei: int = 0
    gas_spent_micro_usd: int = 0

    @property
    def opportunities_journaled(self) -> int:
        return self.taken + sum(self.skipped.values())

    @property
    def trades_pending(self) -> int:
        return self.trades_sent - self.trades_mined - self.trades_reverted - self.trades_dropped

    @property
    def net_pnl_micro_usd(self) -> int:
        return self.realised_profit_micro_usd - self.gas_spent_micro_usd

    # The loop calls these right after the matching journal write; `Journal.stats` uses them too.
    def count_block(self, found: int) -> None:
        """A block finished (`Journal.mark_block`) in which the search found `found` opportunities."""
        self.blocks += 1
        self.opportunities_found += found

    def count_decision(self, reason: Enum | str) -> None:
        """A journaled opportunity was decided (`Journal.record_decision`)."""
        value = reason.value if isinstance(reason, Enum) else str(reason)
        if value == TAKEN:
            self.taken += 1
        else:
            self.skipped[value] = self.skipped.get(value, 0) + 1

    def count_sent(self) -> None:
        """A transaction was broadcast (`Journal.record_sent`)."""
        self.trades_sent += 1

    def count_outcome(
        self,
        status: TxStatus,
        gas_fee_wei: int = 0,
        gas_fee_micro_usd: int | None = None,
        realised_profit_micro_usd: int | None = None,
    ) -> None:
        """A sent transaction was settled (`Journal.record_outcome`)."""
        if status is TxStatus.MINED:
            self.trades_mined += 1
            self.realised_profit_micro_usd += realised_profit_micro_usd or 0
        elif status is TxStatus.REVERTED:
            self.trades_reverted += 1
        elif status is TxStatus.DROPPED:
            self.trades_dropped += 1
        else:
            raise ValueError(f"an outcome is mined, reverted or dropped, not {status.value}")
        self.gas_spent_wei += gas_fee_wei
        self.gas_spent_micro_usd += gas_fee_micro_usd or 0

    def totals(self) -> RunTotals:
        """These numbers alone, as a plain RunTotals (to compare a LiveStats with a JournalStats)."""
        return RunTotals(
            blocks=self.blocks,
            opportunities_found=self.opportunities_found,
            taken=self.taken,
            skipped=dict(self.skipped),
            trades_sent=self.trades_sent,
            trades_mined=self.trades_mined,
            trades_reverted=self.trades_reverted,
            trades_dropped=self.trades_dropped,
            realised_profit_micro_usd=self.realised_profit_micro_usd,
            gas_spent_wei=self.gas_spent_wei,
            gas_spent_micro_usd=self.gas_spent_micro_usd,
        )

    def as_dict(self) -> dict[str, Any]:
        """The numbers under their names, derived ones included; integers only, JSON-ready."""
        return {
            "blocks": self.blocks,
            "opportunities_found": self.opportunities_found,
            "opportunities_journaled": self.opportunities_journaled,
            "taken": self.taken,
            "skipped": dict(sorted(self.skipped.items())),
            "trades_sent": self.trades_sent,
            "trades_mined": self.trades_mined,
            "trades_reverted": self.trades_reverted,
            "trades_dropped": self.trades_dropped,
            "trades_pending": self.trades_pending,
            "realised_profit_micro_usd": self.realised_profit_micro_usd,
            "gas_spent_wei": self.gas_spent_wei,
            "gas_spent_micro_usd": self.gas_spent_micro_usd,
            "net_pnl_micro_usd": self.net_pnl_micro_usd,
        }


class Base(DeclarativeBase):
    pass


class Run(Base):
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[float] = mapped_column(Float)
    stopped_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    stop_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    config_hash: Mapped[str] = mapped_column(String(64))
    network: Mapped[str] = mapped_column(String(100))
    dry_run: Mapped[bool] = mapped_column(Boolean)
    last_block: Mapped[int | None] = mapped_column(Integer, nullable=True)
    blocks: Mapped[int] = mapped_column(Integer, default=0)
    opportunities_found: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Sum over the run's blocks of the opportunities the search returned (added after the first
    version: runs journaled before it count 0)."""


class OpportunityRow(Base):
    __tablename__ = "opportunities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    block: Mapped[int] = mapped_column(Integer, index=True)
    route: Mapped[str] = mapped_column(Text)
    lender: Mapped[str] = mapped_column(String(32))
    asset: Mapped[str] = mapped_column(String(42))
    amount_in: Mapped[int] = mapped_column(Amount)
    predicted_profit: Mapped[int] = mapped_column(Amount)
    predicted_profit_micro_usd: Mapped[int | None] = mapped_column(Amount, nullable=True)
    gas_units: Mapped[int] = mapped_column(Amount)
    seen_at: Mapped[float] = mapped_column(Float)


class DecisionRow(Base):
    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), unique=True)
    taken: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(64), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[float] = mapped_column(Float)


class TransactionRow(Base):
    __tablename__ = "transactions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), index=True)
    hash: Mapped[str] = mapped_column(String(66), unique=True)
    nonce: Mapped[int] = mapped_column(Integer)
    sender: Mapped[str] = mapped_column(String(42))
    max_fee_per_gas: Mapped[int] = mapped_column(Amount)
    max_priority_fee_per_gas: Mapped[int] = mapped_column(Amount)
    gas_limit: Mapped[int] = mapped_column(Amount)
    status: Mapped[str] = mapped_column(String(16), index=True)
    sent_at: Mapped[float] = mapped_column(Float)
    raw: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The signed transaction, hex (written before the broadcast; NULL in journals of older versions)."""


class OutcomeRow(Base):
    __tablename__ = "outcomes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("transactions.id"), unique=True)
    block: Mapped[int | None] = mapped_column(Integer, nullable=True)
    gas_used: Mapped[int] = mapped_column(Amount)
    effective_gas_price: Mapped[int] = mapped_column(Amount)
    gas_fee_wei: Mapped[int] = mapped_column(Amount)
    gas_fee_micro_usd: Mapped[int | None] = mapped_column(Amount, nullable=True)
    realised_profit: Mapped[int] = mapped_column(Amount)
    realised_profit_micro_usd: Mapped[int | None] = mapped_column(Amount, nullable=True)
    recorded_at: Mapped[float] = mapped_column(Float)


def _require_ints(record: object, *names: str) -> None:
    for name in names:
        value = getattr(record, name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise TypeError(f"{type(record).__name__}.{name}: journal amounts are integers, got {value!r}")


@dataclass(frozen=True, slots=True)
class OpportunityRecord:
    """One opportunity as the journal keeps it."""

    block: int
    """The block it was found in."""
    route: str
    """A readable description of the cycle (pools and tokens)."""
    lender: str
    """The lender's name."""
    asset: str
    """The borrowed asset's address."""
    amount_in: int
    """Amount borrowed, smallest units."""
    predicted_profit: int
    """What the contract should keep: out - borrowed - loan fee, asset units, before gas. This is what
    its trade event reports when nothing else moved."""
    gas_units: int
    """Estimated gas."""
    predicted_profit_micro_usd: int | None = None
    """predicted_profit in micro-USD, if priced."""

    def __post_init__(self) -> None:
        _require_ints(
            self, "block", "amount_in", "predicted_profit", "gas_units", "predicted_profit_micro_usd"
        )


@dataclass(frozen=True, slots=True)
class SentTx:
    """A transaction as broadcast."""

    hash: str
    nonce: int
    sender: str
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    gas_limit: int
    sent_at: float | None = None
    """Unix time of the broadcast (None: when the journal records it)."""
    raw: bytes | None = None
    """The signed transaction (written ahead of the broadcast, so a restart can reconcile it)."""

    def __post_init__(self) -> None:
        _require_ints(self, "nonce", "max_fee_per_gas", "max_priority_fee_per_gas", "gas_limit")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a receipt and the contract's events say."""

    status: TxStatus
    """MINED, REVERTED or DROPPED."""
    block: int | None
    """The block it was mined in (None if dropped)."""
    gas_used: int
    effective_gas_price: int
    realised_profit: int
    """Profit the trade event reports, asset units, before gas (0 if reverted)."""
    realised_profit_micro_usd: int | None = None
    """realised_profit in micro-USD, if priced."""
    gas_fee_micro_usd: int | None = None
    """gas_used * effective_gas_price in micro-USD, if priced."""

    def __post_init__(self) -> None:
        _require_ints(
            self,
            "gas_used",
            "effective_gas_price",
            "realised_profit",
            "realised_profit_micro_usd",
            "gas_fee_micro_usd",
        )


@dataclass(frozen=True, slots=True)
class PendingTx:
    """A transaction sent before a crash and never settled."""

    hash: str
    nonce: int
    sender: str
    opportunity_id: int
    sent_at: float
    raw: bytes | None = None
    """The signed transaction when it was written ahead of its broadcast."""
    asset: str = ""
    """The opportunity's borrowed asset ("" if unknown)."""
    predicted_profit: int | None = None
    """The opportunity's predicted profit, asset units (None if unknown)."""


@dataclass(frozen=True, slots=True)
class ResumeState:
    """What a restarted loop must know."""

    last_block: int | None
    """The last block any run processed (None on a fresh journal)."""
    unfinished: tuple[PendingTx, ...]
    """Sent transactions without an outcome, oldest first."""


@dataclass(slots=True)
class JournalStats(RunTotals):
    """The run's `RunTotals` as the journal has them (for one run, or for all), and what only the
    journal knows."""

    gas_used: int = 0
    """Gas used by the settled transactions."""
    predicted_profit_micro_usd: int = 0
    """Predicted profit of the transactions that were mined successfully (to compare with realised)."""
    exact_predictions: int = 0
    """Mined trades whose realised profit equals the prediction to the wei."""

    # Earlier names of trades_*, kept for callers written against them.
    @property
    def sent(self) -> int:
        return self.trades_sent

    @property
    def mined(self) -> int:
        return self.trades_mined

    @property
    def reverted(self) -> int:
        return self.trades_reverted

    @property
    def dropped(self) -> int:
        return self.trades_dropped

    @property
    def pending(self) -> int:
        return self.trades_pending


_ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("runs", "opportunities_found", "INTEGER NOT NULL DEFAULT 0"),
    ("transactions", "raw", "TEXT"),
)
"""Columns added after the first version: (table, column, type and default for ALTER TABLE)."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class JournalBatch:
    """The journal's writes inside one database transaction (`Journal.batch()`): each returns as soon
    as its rows are flushed (ids assigned); the commit comes at the end of the batch."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def start_run(self, config_hash: str, network: str, dry_run: bool) -> int:
        run = Run(started_at=time.time(), config_hash=config_hash, network=network, dry_run=dry_run)
        self.session.add(run)
        self.session.flush()
        return run.id

    def mark_block(self, run_id: int, block: int, found: int = 0, blocks: int = 1) -> None:
        """See `Journal.mark_block`."""
        if not isinstance(found, int) or isinstance(found, bool) or found < 0:
            raise ValueError(
                f"mark_block: found is a count of opportunities (an integer >= 0), got {found!r}"
            )
        if not isinstance(blocks, int) or isinstance(blocks, bool) or blocks < 1:
            raise ValueError(f"mark_block: blocks is a count of blocks (an integer >= 1), got {blocks!r}")
        run = _get(self.session, Run, run_id)
        run.last_block = block
        run.blocks += blocks
        run.opportunities_found += found

    def stop_run(self, run_id: int, reason: str) -> None:
        run = _get(self.session, Run, run_id)
        run.stopped_at = time.time()
        run.stop_reason = reason

    def forget_unsent(self, tx_hash: str) -> None:
        """Remove a transaction written ahead of a broadcast the node refused (it never existed)."""
        tx = self.session.scalars(
            select(TransactionRow).where(TransactionRow.hash == tx_hash.lower())
        ).first()
        if tx is not None and tx.status == TxStatus.SENT.value:
            self.session.delete(tx)
            self.session.flush()

    def record_opportunity(self, run_id: int, record: OpportunityRecord) -> int:
        row = OpportunityRow(
            run_id=run_id,
            block=record.block,
            route=record.route,
            lender=record.lender,
            asset=record.asset,
            amount_in=record.amount_in,
            predicted_profit=record.predicted_profit,
            predicted_profit_micro_usd=record.predicted_profit_micro_usd,
            gas_units=record.gas_units,
            seen_at=time.time(),
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def record_decision(self, opportunity_id: int, reason: Enum | str, detail: str = "") -> None:
        """See `Journal.record_decision`."""
        value = reason.value if isinstance(reason, Enum) else str(reason)
        self.session.add(
            DecisionRow(
                opportunity_id=opportunity_id,
                taken=value == TAKEN,
                reason=value,
                detail=detail,
                decided_at=time.time(),
            )
        )

    def record_sent(self, opportunity_id: int, tx: SentTx) -> int:
        row = TransactionRow(
            opportunity_id=opportunity_id,
            hash=tx.hash.lower(),
            nonce=tx.nonce,
            sender=tx.sender,
            max_fee_per_gas=tx.max_fee_per_gas,
            max_priority_fee_per_gas=tx.max_priority_fee_per_gas,
            gas_limit=tx.gas_limit,
            status=TxStatus.SENT.value,
            sent_at=time.time() if tx.sent_at is None else tx.sent_at,
            raw=None if tx.raw is None else "0x" + tx.raw.hex(),
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def record_outcome(self, tx_hash: str, outcome: Outcome) -> None:
        if outcome.status is TxStatus.SENT:
            raise ValueError("an outcome must be mined, reverted or dropped, not sent")
        session = self.session
        tx = session.scalars(select(TransactionRow).where(TransactionRow.hash == tx_hash.lower())).first()
        if tx is None:
            raise ValueError(f"no transaction {tx_hash} in the journal")
        if session.scalar(select(OutcomeRow.id).where(OutcomeRow.transaction_id == tx.id)) is not None:
            # settled twice (a lookup that failed and was asked again): the first outcome stands
            logger.warning(
                "journal: %s already has an outcome; the later one (%s) is ignored",
                tx_hash,
                outcome.status.value,
            )
            return
        tx.status = outcome.status.value
        session.add(
            OutcomeRow(
                transaction_id=tx.id,
                block=outcome.block,
                gas_used=outcome.gas_used,
                effective_gas_price=outcome.effective_gas_price,
                gas_fee_wei=outcome.gas_used * outcome.effective_gas_price,
                gas_fee_micro_usd=outcome.gas_fee_micro_usd,
                realised_profit=outcome.realised_profit,
                realised_profit_micro_usd=outcome.realised_profit_micro_usd,
                recorded_at=time.time(),
            )
        )
        session.flush()


def _get(session: Session, model: type[Any], key: int) -> Any:
    row = session.get(model, key)
    if row is None:
        raise ValueError(f"no {model.__tablename__} row with id {key}")
    return row


class Journal:
    """The journal at an SQLAlchemy URL; tables are created if missing."""

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise ConfigError(f"journal_url: {url!r} is not an SQLAlchemy URL") from None
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            # a locked SQLite database fails a write after 2 s (not pysqlite's 5 s): the bot degrades
            # (sending paused, writes kept for later) instead of stalling its loop
            sqlite = parsed.get_backend_name() == "sqlite"
            self.engine: Engine = create_engine(parsed, connect_args={"timeout": 2.0} if sqlite else {})
            if self.engine.dialect.name == "sqlite":
                event.listen(self.engine, "connect", _sqlite_pragmas)
            Base.metadata.create_all(self.engine)
            self._upgrade()
        except ImportError as exc:
            shown = parsed.render_as_string(hide_password=True)
            raise ConfigError(
                f"journal_url: no database driver for {shown} ({exc.name} is not installed); "
                f"install it with pip or use a sqlite:/// URL"
            ) from None
        except SQLAlchemyError as exc:
            shown = parsed.render_as_string(hide_password=True)
            raise ConfigError(f"journal_url: cannot open the journal at {shown}: {exc}") from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def _upgrade(self) -> None:
        """Bring a journal written by an older version up to date, in place (columns added since)."""
        for table, column, ddl in _ADDED_COLUMNS:
            if column in {c["name"] for c in inspect(self.engine).get_columns(table)}:
                continue
            try:
                with self.engine.begin() as connection:
                    connection.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}"))
            except SQLAlchemyError:
                # another process opening the same journal may have added it a moment ago
                if column not in {c["name"] for c in inspect(self.engine).get_columns(table)}:
                    raise
            logger.info("journal: added column %s.%s (journal written by an older version)", table, column)

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except IntegrityError as exc:
                session.rollback()
                raise ValueError(f"the journal refused the write: {exc.orig}") from None

    def close(self) -> None:
        self.engine.dispose()

    # Writes -------------------------------------------------------------------------------------
    @contextmanager
    def batch(self) -> Iterator[JournalBatch]:
        """Several writes in one database transaction: one commit (one fsync) for all of them, at the
        end of the `with` block; nothing is written if the block raises. The loop journals a block's
        decisions, sends and outcomes this way, after the block's broadcasts."""
        with self._write() as session:
            yield JournalBatch(session)

    def start_run(self, config_hash: str, network: str, dry_run: bool) -> int:
        with self.batch() as batch:
            return batch.start_run(config_hash, network, dry_run)

    def mark_block(self, run_id: int, block: int, found: int = 0, blocks: int = 1) -> None:
        """The loop finished `block`, in which the search found `found` profitable opportunities (all
        of them, journaled or not: `RunTotals.opportunities_found`); `blocks` > 1 records that many
        blocks ending at `block` at once, with `found` their total."""
        with self.batch() as batch:
            batch.mark_block(run_id, block, found, blocks)

    def stop_run(self, run_id: int, reason: str) -> None:
        with self.batch() as batch:
            batch.stop_run(run_id, reason)

    def close_abandoned(self, before_run: int | None = None) -> tuple[int, int]:
        """At a start: close the runs an earlier process left open (killed: no stop recorded), with
        the reason, and give every opportunity left without a decision the decision "undecided".
        Returns (runs closed, opportunities decided)."""
        with self.batch() as batch:
            session = batch.session
            open_runs = select(Run).where(Run.stopped_at.is_(None))
            if before_run is not None:
                open_runs = open_runs.where(Run.id < before_run)
            runs = list(session.scalars(open_runs))
            for run in runs:
                run.stopped_at = time.time()
                run.stop_reason = "ended without a stop (killed); closed at the next start"
            decided = select(DecisionRow.opportunity_id)
            undecided = list(session.scalars(select(OpportunityRow).where(OpportunityRow.id.not_in(decided))))
            for opp in undecided:
                session.add(
                    DecisionRow(
                        opportunity_id=opp.id,
                        taken=False,
                        reason=UNDECIDED,
                        detail="its run ended before a decision was journaled; reconciled at the next start",
                        decided_at=time.time(),
                    )
                )
        return len(runs), len(undecided)

    def forget_unsent(self, tx_hash: str) -> None:
        """See `JournalBatch.forget_unsent`."""
        with self.batch() as batch:
            batch.forget_unsent(tx_hash)

    def record_opportunity(self, run_id: int, record: OpportunityRecord) -> int:
        with self.batch() as batch:
            return batch.record_opportunity(run_id, record)

    def record_decision(self, opportunity_id: int, reason: Enum | str, detail: str = "") -> None:
        """`reason` is a `guards.Reason` (or its value); "taken" marks the opportunity taken."""
        with self.batch() as batch:
            batch.record_decision(opportunity_id, reason, detail)

    def record_sent(self, opportunity_id: int, tx: SentTx) -> int:
        with self.batch() as batch:
            return batch.record_sent(opportunity_id, tx)

    def record_outcome(self, tx_hash: str, outcome: Outcome) -> None:
        with self.batch() as batch:
            batch.record_outcome(tx_hash, outcome)

    # Reads --------------------------------------------------------------------------------------
    def resume(self) -> ResumeState:
        """The last block processed and the transactions sent but never settled."""
        with self._sessions() as session:
            last = session.scalar(select(func.max(Run.last_block)))
            rows = session.execute(
                select(TransactionRow, OpportunityRow)
                .outerjoin(OpportunityRow, OpportunityRow.id == TransactionRow.opportunity_id)
                .where(TransactionRow.status == TxStatus.SENT.value)
                .order_by(TransactionRow.id)
            ).all()
            pending = tuple(
                PendingTx(
                    hash=r.hash,
                    nonce=r.nonce,
                    sender=r.sender,
                    opportunity_id=r.opportunity_id,
                    sent_at=r.sent_at,
                    raw=None if r.raw is None else bytes.fromhex(r.raw.removeprefix("0x")),
                    asset=o.asset if o is not None else "",
                    predicted_profit=o.predicted_profit if o is not None else None,
                )
                for r, o in rows
            )
        return ResumeState(last_block=last, unfinished=pending)

    def last_run_id(self) -> int | None:
        with self._sessions() as session:
            return session.scalar(select(func.max(Run.id)))

    def stats(self, run_id: int | None = None) -> JournalStats:
        """Totals over one run (or every run), counted as `RunTotals` defines them."""
        with self._sessions() as session:
            runs = select(Run)
            opportunities = select(OpportunityRow)
            if run_id is not None:
                runs = runs.where(Run.id == run_id)
                opportunities = opportunities.where(OpportunityRow.run_id == run_id)
            stats = JournalStats()
            for run in session.scalars(runs):
                stats.blocks += run.blocks
                stats.opportunities_found += run.opportunities_found or 0
            opp_ids = opportunities.with_only_columns(OpportunityRow.id).scalar_subquery()
            decisions = session.execute(
                select(DecisionRow.reason, func.count())
                .where(DecisionRow.opportunity_id.in_(opp_ids))
                .group_by(DecisionRow.reason)
            ).all()
            txs = session.execute(
                select(TransactionRow, OutcomeRow, OpportunityRow)
                .join(OpportunityRow, OpportunityRow.id == TransactionRow.opportunity_id)
                .outerjoin(OutcomeRow, OutcomeRow.transaction_id == TransactionRow.id)
                .where(TransactionRow.opportunity_id.in_(opp_ids))
            ).all()
        for reason, count in decisions:
            if str(reason) == TAKEN:
                stats.taken += int(count)
            else:
                stats.skipped[str(reason)] = int(count)
        for tx, outcome, opportunity in txs:
            stats.count_sent()
            if outcome is None:
                continue
            status = TxStatus(tx.status)
            stats.count_outcome(
                status, outcome.gas_fee_wei, outcome.gas_fee_micro_usd, outcome.realised_profit_micro_usd
            )
            stats.gas_used += outcome.gas_used
            if status is TxStatus.MINED:
                stats.predicted_profit_micro_usd += opportunity.predicted_profit_micro_usd or 0
                stats.exact_predictions += outcome.realised_profit == opportunity.predicted_profit
        return stats
