"""The block loop: a thin driver over the per-block pipeline, the transaction manager and the
bookkeeper. Build it with `bot.runtime.assemble`.

    new head (newHeads subscription, or polling) -> control poll -> pipeline.step (refresh, settle
    what is in flight, decide, simulate, send) -> BlockDone -> one journal commit -> status file

Who does what:
- `BlockPipeline` (bot.runtime.pipeline): one block, refresh to broadcast; its CPU part `decide` is
  what the decision benchmark times.
- `TransactionManager` (bot.runtime.transactions): the sender, nonces, transactions in flight,
  replace/cancel, receipts, and reconciliation after a restart.
- `Bookkeeper` (bot.runtime.bookkeeping): every typed event to journal, metrics, live view, JSON.
- this loop: new blocks, the operator's control channel, the failures it survives, start and stop.

RPC failures are retried inside each call (bot.execution.rpc, bot.market.multicall), each request
bounded by `rpc_timeout_s` and the whole block by `rpc_block_budget_s`; a block that still fails with an
RpcError (the node is unreachable) or an AmmError (a pool state the math refuses) is logged and
skipped, and the loop goes on with the next one. A journal that cannot be written pauses sending (the
reason is in the status file and the log) while the loop goes on reading; it resumes once the journal
takes the writes. A head below the last block processed (a chain reset or a deep reorg) is logged,
the transactions in flight are looked up again by hash and the nonce re-read, and the loop goes on
from that head; a changed genesis (another chain behind the same URL) stops the run with a clear
reason. Anything else is a bug: it stops the run (after draining what is in flight and recording the
stop). Nothing but a stop (control, --once, --max-blocks, Ctrl-C, SIGTERM) ends `run` otherwise, and
every way out closes the run in the journal with its reason and the status file.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from bot.errors import AmmError, RpcError
from bot.execution.rpc import Rpc
from bot.execution.sender import Sender
from bot.execution.simulate import Simulator
from bot.market.multicall import Multicall
from bot.ops.alarms import LowBalanceAlarm
from bot.ops.breaker import CircuitBreaker
from bot.ops.config import BotConfig
from bot.ops.control import ControlChannel
from bot.ops.journal import Journal
from bot.ops.metrics import BotMetrics
from bot.ops.view import LiveStats
from bot.runtime.bookkeeping import JOURNAL_ERRORS, Bookkeeper, View
from bot.runtime.events import BlockDone, BlockReport
from bot.runtime.heads import Heads, header_of
from bot.runtime.pipeline import BlockHeader, BlockPipeline, Controls
from bot.runtime.signals import interrupted
from bot.runtime.transactions import InFlight, TransactionManager

logger = logging.getLogger(__name__)

SURVIVABLE = (RpcError, AmmError)
"""Failures after which the loop skips the block and goes on: the node unreachable after the retries,
or a pool state the exact math refuses. Anything else stops the run."""

__all__ = ["SURVIVABLE", "BlockLoop", "BlockReport", "LoopSettings", "View"]


@dataclass(frozen=True, slots=True)
class LoopSettings:
    """How the loop waits (the BotConfig holds the operator's limits)."""

    balance_every_blocks: int = 20
    """Check the executor's gas balance every this many blocks."""
    error_sleep_s: float = 1.0
    """Sleep after a block failed (doubling with each failure in a row, up to 30 s)."""
    ws_url: str | None = None
    """Where to subscribe to newHeads; None: poll for new blocks every `poll_interval_s`."""


class BlockLoop:
    """One bot: the pipeline, the transaction manager and the bookkeeper, driven block by block."""

    def __init__(
        self,
        *,
        config: BotConfig,
        settings: LoopSettings,
        rpc: Rpc,
        multicall: Multicall,
        pipeline: BlockPipeline,
        transactions: TransactionManager,
        books: Bookkeeper,
        simulator: Simulator,
        journal: Journal,
        run_id: int,
        control: ControlChannel,
        breaker: CircuitBreaker,
        metrics: BotMetrics,
    ) -> None:
        self.config = config
        self.settings = settings
        self.rpc = rpc
        self.multicall = multicall
        self.pipeline = pipeline
        self.transactions = transactions
        self.books = books
        self.simulator = simulator
        self.journal = journal
        self.run_id = run_id
        self.control = control
        self.breaker = breaker
        self.metrics = metrics
        self.alarm = LowBalanceAlarm(config.low_gas_balance_wei, simulator.executor)
        self.heads: Heads | None = None
        self.last_block: int | None = None
        self.blocks_done = 0
        self.paused = False
        self.stop_requested = False
        self.stop_reason: str | None = None
        """Why a stop was requested (a signal's name, the operator)."""
        self.genesis: str | None = None
        """The genesis block hash of the chain this run started on."""
        self.last_hash = ""
        """The hash of the last block processed ("" before the first, or when the node gave none)."""
        self.block_seconds: list[float] = []
        self._closed = False

    # --- what tests and commands read -------------------------------------------------------------

    @property
    def stats(self) -> LiveStats:
        """The run's live totals (`RunTotals`)."""
        return self.books.stats

    @property
    def sender(self) -> Sender | None:
        return self.transactions.sender

    @property
    def in_flight(self) -> list[InFlight]:
        return self.transactions.in_flight

    @property
    def contract_paused(self) -> bool:
        return self.pipeline.contract_paused

    # --- start and stop -------------------------------------------------------------------------

    def request_stop(self, reason: str) -> None:
        """Stop after the block being processed (a signal handler's call: it only sets flags)."""
        if not self.stop_requested:
            self.stop_reason = reason
        self.stop_requested = True

    def resume(self) -> None:
        """Close the runs an earlier process left open (killed) and decide their undecided
        opportunities; reconcile what they left unsettled, with this block's USD prices (so the gas of
        what was mined meanwhile reaches the breaker's loss limit): see TransactionManager.resume."""
        self.genesis = str(self.rpc.block("earliest").get("hash"))
        closed, undecided = self.journal.close_abandoned(before_run=self.run_id)
        if closed or undecided:
            logger.warning(
                "journal: closed %d run(s) left open by an earlier process; %d opportunities undecided",
                closed,
                undecided,
            )
        state = self.journal.resume()
        if state.last_block is not None:
            logger.info("journal: the last run processed up to block %d", state.last_block)
        if not state.unfinished:
            return
        assert self.pipeline.io is not None
        market = self.pipeline.io.reader.read("latest").refresh.market
        self.transactions.prices = self.pipeline.prices(market)
        try:
            self.transactions.resume(state.unfinished, market.block, self.simulator.executor)
        finally:
            self.books.flush()

    def close(self, reason: str) -> None:
        """Record the run's end (once); the view and the status file show the final numbers."""
        if self._closed:
            return
        self._closed = True
        self.books.show()
        try:
            self.books.flush()
            self.journal.stop_run(self.run_id, reason)
        except JOURNAL_ERRORS as exc:  # the next start closes the run
            logger.error("journal: could not record the end of run %d: %s", self.run_id, exc)
        finally:
            self.control.close(details=self._details())
            if self.heads is not None:
                self.heads.close()
        logger.info("bot stopped: %s", reason)

    def run(self) -> str:
        """Process new blocks until a stop; returns why it stopped."""
        reason = "stopped"
        failures = 0
        self.heads = Heads(self.rpc, self.settings.ws_url, poll_s=self.config.poll_interval_s)
        try:
            while True:
                if self.stop_requested:
                    reason = self.stop_reason or "stopped by the operator"
                    break
                if self.config.max_blocks is not None and self.blocks_done >= self.config.max_blocks:
                    reason = f"max_blocks ({self.config.max_blocks}) reached"
                    break
                try:
                    header = self.heads.next(self.last_block)
                    if header is None:
                        self._poll_control(None)
                        continue
                    report = self.step(header)
                    failures = 0
                except SURVIVABLE as exc:
                    failures += 1
                    logger.error(
                        "block failed (%d in a row): %s: %s; going on with the next block",
                        failures,
                        type(exc).__name__,
                        exc,
                        exc_info=failures == 1 and not isinstance(exc, RpcError),
                    )
                    if self.config.once:
                        reason = f"error: {exc}"
                        break
                    time.sleep(min(30.0, self.settings.error_sleep_s * failures))
                    continue
                if report is not None and self.config.once:
                    reason = "once: one block processed"
                    break
        except KeyboardInterrupt as exc:
            reason = interrupted(exc)
        except Exception as exc:
            reason = f"error: {type(exc).__name__}: {exc}"
            logger.exception("the loop stopped on an unexpected error (a bug: please report it)")
            raise
        finally:
            try:
                self.drain(0.0 if reason.startswith("interrupted") else None)
            finally:
                self.close(reason)
        return reason

    def drain(self, timeout_s: float | None = None) -> None:
        """Wait up to `timeout_s` (default `receipt_timeout_s`) for the transactions in flight and
        record the outcome of those mined; the others stay unsettled in the journal, and the next run
        picks them up (`resume`)."""
        try:
            self.transactions.drain(timeout_s)
        finally:
            self.books.flush()

    # --- one block --------------------------------------------------------------------------------

    def step(self, header: BlockHeader | None = None) -> BlockReport | None:
        """Process `header`'s block (default: the node's latest) if it is new; None if it is not."""
        started = time.perf_counter()
        self._poll_control(None)
        if header is None:
            header = header_of(self.rpc.block("latest"))
        if self.last_block is not None and header.number < self.last_block and not self._rewound(header):
            return None
        if self.last_block is not None and header.number <= self.last_block:
            return None
        if not self._continues(header):
            return None
        try:
            newest = None if self.heads is None else self.heads.newest
            hold = self.paused or self.books.degraded is not None  # no send the journal cannot record
            with self.rpc.budget(self.config.rpc_block_budget_s):
                report = self.pipeline.step(header, Controls(hold, self.breaker.tripped, newest))
            self.last_block = header.number
            self.last_hash = header.hash
            self.blocks_done += 1
            if self.blocks_done % self.settings.balance_every_blocks == 1:
                self._check_balance()
            report.seconds = time.perf_counter() - started
            self.block_seconds.append(report.seconds)
            self.books.publish(BlockDone(report, self.paused, self._breaker_state()))
        finally:
            self.books.flush()  # one commit for the block, after its broadcasts
        self._poll_control(self._details())
        logger.debug(
            "block %d: %d opportunities, %d sent, decided in %.1f ms, %.1f ms in all (%d pools failed)",
            header.number,
            report.opportunities,
            report.sent,
            1e3 * report.decision_seconds,
            1e3 * report.seconds,
            report.failed_pools,
        )
        return report

    def _rewound(self, header: BlockHeader) -> bool:
        """The head went below the last block processed: same chain (genesis) -> go on from this head,
        with what was in flight looked up again; another chain -> stop, with the reason."""
        again = header_of(self.rpc.block("latest"))
        if self.last_block is not None and again.number >= self.last_block:
            logger.warning(
                "the node gave head %d, below block %d already processed, then %d: a node behind "
                "its peers (load balancing?), not a rewind; going on",
                header.number,
                self.last_block,
                again.number,
            )
            return False
        if not self._same_genesis():
            return False
        logger.error(
            "the chain went back from block %d to block %d (a reset or a deep reorg): the transactions "
            "in flight are looked up again and the nonce re-read; going on from block %d",
            self.last_block,
            header.number,
            header.number,
        )
        self.transactions.rewound(header.number)
        self.last_block = header.number - 1
        self.last_hash = ""
        return True

    def _continues(self, header: BlockHeader) -> bool:
        """Whether `header` may be processed: it is the child of the last block processed, or else
        (a skipped block, a reorg, or another chain that grew past our last block behind the same URL)
        the genesis is read again, one call, and a changed one stops the run."""
        if not self.last_hash or not header.parent_hash or self.last_block is None:
            return True
        if header.number == self.last_block + 1 and header.parent_hash == self.last_hash:
            return True
        return self._same_genesis()

    def _same_genesis(self) -> bool:
        """The node's genesis is the one this run started on; if not, the run is asked to stop with
        the reason, and False is returned."""
        genesis = str(self.rpc.block("earliest").get("hash"))
        if self.genesis is None or genesis == self.genesis:
            return True
        self.request_stop(
            f"the chain changed under the bot: genesis {genesis}, was {self.genesis} (another chain "
            f"at the same RPC URL?); check --network and the deployments file, then start again"
        )
        logger.error("%s", self.stop_reason)
        return False

    def _breaker_state(self) -> str:
        return (self.breaker.state.reason or "tripped") if self.breaker.tripped else "ok"

    def _poll_control(self, details: dict[str, Any] | None) -> None:
        state = self.control.poll(on_reset_breaker=self._reset_breaker, details=details)
        self.paused = state.paused
        if state.stop:
            self.stop_requested = True

    def _reset_breaker(self) -> str:
        self.breaker.reset()
        return "circuit breaker reset"

    def _details(self) -> dict[str, Any]:
        """The status file's details: the run's `RunTotals` under their names, then the loop's state."""
        return self.books.details(
            {
                "block": self.last_block,
                "mode": self.stats.mode,
                "breaker": self.stats.breaker,
                "contract_paused": self.contract_paused,
                "journal": self.books.degraded or "ok",
                "in_flight": [f.latest.hash for f in self.in_flight],
                "new_heads": "subscription"
                if self.heads is not None and self.heads.subscribed
                else "polling",
            }
        )

    def _check_balance(self) -> None:
        try:
            balance = self.rpc.balance(self.simulator.executor)
        except RpcError as exc:
            logger.warning("could not read the executor's balance: %s", exc)
            return
        self.metrics.set_executor_balance(balance)
        self.alarm.check(balance)
