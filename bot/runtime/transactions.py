"""The transaction manager: everything after a decision to send. It owns the sender (and so the one
nonce manager), the transactions in flight, their replacement and cancellation when stuck, their
settlement from receipts (realised profit from FlashArb's Trade event, gas and profit in USD, the
breaker told), and the reconciliation after a restart of what an earlier run left unsettled.

    manager = TransactionManager(sender, rpc, flasharb=..., breaker=..., publish=books.publish, ...)
    manager.prices = usd                              # this block's USD prices
    manager.poll(block)                               # settle what was mined, replace/cancel the stuck
    sent = manager.broadcast(calldata, estimate, fees)   # SendError / RpcError if refused
    manager.track(ticket, sent, block, asset, predicted) # one look at the receipt, no waiting
    manager.drain(timeout_s)                          # a stopping run waits for its receipts
    manager.resume(journal.resume().unfinished, head, executor) # after a restart, with prices set first

Every send is written ahead (`write_ahead`, the bookkeeper's): the signed transaction (hash, nonce, raw
bytes) and its opportunity are committed to the journal before the node sees it, so a kill at any
instant leaves a row that the next start reconciles against the chain (mined, replaced, dropped,
never broadcast); a journal that cannot take the row stops the send. A broadcast the node refused
removes its row again; one in doubt (the node could not say) keeps it and is looked up every block.

Sending never blocks the loop: right after the broadcast the receipt is asked for once (a node that
mines on arrival, like the replica, has it already); a transaction not mined yet stays in flight and
is checked at every block. After `stuck_blocks` blocks since its last broadcast it is replaced with
fees +12.5 % (up to `max_replacements` times), then cancelled. Every broadcast and outcome is
published as a typed event (bot.runtime.events); the caller's bookkeeper journals and counts it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.errors import FlashArbError, RpcError
from bot.execution.gas import FeeQuote, gas_limit
from bot.execution.rpc import Rpc, as_int
from bot.execution.sender import Sender, SendError, SentTransaction
from bot.execution.trade_event import summarize_receipt
from bot.ops.breaker import CircuitBreaker
from bot.ops.journal import PendingTx, TxStatus
from bot.runtime.events import Event, OpportunityDecided, Ticket, TradeSent, TradeSettled
from bot.runtime.usd import UsdPricer

logger = logging.getLogger(__name__)

NATIVE_DECIMALS = 18


@dataclass(frozen=True, slots=True)
class TxSettings:
    """How the manager waits and what it does with a stuck transaction."""

    stuck_blocks: int = 5
    """Blocks a transaction may stay in flight after its (latest) broadcast before it is replaced with
    higher fees."""
    max_replacements: int = 2
    """Replacements before a stuck transaction is cancelled."""
    receipt_timeout_s: float = 30.0
    """How long a stopping run waits for the receipts of its transactions still in flight."""
    max_gas_price_wei: int | None = None
    """The cap on a replacement's max fee."""


@dataclass(slots=True)
class InFlight:
    """A trade sent and not mined yet."""

    ticket: Ticket
    latest: SentTransaction
    first_block: int
    """The chain's head when it was sent (not the opportunity's block: a lagging loop sends later)."""
    asset: str
    predicted_profit: int | None
    replacements: int = 0
    cancelled: bool = False
    this_run: bool = True
    """Sent by this run (False: adopted from the journal after a restart; it counts in its own run)."""
    prices: UsdPricer | None = None
    """The USD prices it was decided on: its outcome is valued with them, so a trade realised to the
    wei shows the predicted USD too (None: the prices of the block that settles it)."""
    last_block: int | None = None
    """The head when its latest version was broadcast (None: `first_block`): stuck age counts from it."""

    @property
    def opportunity_id(self) -> int | None:
        return self.ticket.id


@dataclass(slots=True)
class Settled:
    """What a poll or a track settled (for the block's report)."""

    mined: int = 0
    reverted: int = 0
    dropped: int = 0

    def add(self, status: TxStatus) -> None:
        if status is TxStatus.MINED:
            self.mined += 1
        elif status is TxStatus.REVERTED:
            self.reverted += 1
        else:
            self.dropped += 1


class TransactionManager:
    """Owns `sender` (None: a dry run, nothing is ever sent); see the module docstring."""

    def __init__(
        self,
        sender: Sender | None,
        rpc: Rpc,
        *,
        flasharb: str,
        breaker: CircuitBreaker,
        publish: Callable[[Event], None],
        native: str,
        decimals: Mapping[str, int],
        settings: TxSettings | None = None,
        write_ahead: Callable[[Ticket, OpportunityDecided | None, SentTransaction, bytes], None]
        | None = None,
        forget_unsent: Callable[[SentTransaction], None] | None = None,
    ) -> None:
        self.sender = sender
        self.write_ahead = write_ahead
        """Makes a signed transaction durable before its broadcast (None: no journal, tests)."""
        self.forget_unsent = forget_unsent
        """Removes the row of a broadcast the node refused."""
        self.settled: set[str] = set()
        """Hashes whose outcome was published (an outcome is published once, whatever asks again)."""
        self.unsure: list[InFlight] = []
        """Broadcasts in doubt (the node could not say whether it has them): looked up every block."""
        self.rpc = rpc
        self.flasharb = flasharb
        self.breaker = breaker
        self.publish = publish
        self.native = native
        self.decimals = decimals
        self.settings = settings or TxSettings()
        self.in_flight: list[InFlight] = []
        self.prices: UsdPricer | None = None
        """The latest block's USD prices (outcomes are valued with them; None: not priced yet)."""

    # --- sending --------------------------------------------------------------------------------

    def earlier(self, block: int) -> InFlight | None:
        """A transaction sent before `block` still in flight (no new trade goes out meanwhile, so
        nonces stay in order)."""
        return next((f for f in self.in_flight if f.first_block < block), None)

    def _ahead(
        self, ticket: Ticket | None, opening: OpportunityDecided | None
    ) -> Callable[[SentTransaction, bytes], None] | None:
        if self.write_ahead is None or ticket is None:
            return None
        write = self.write_ahead
        return lambda sent, raw: write(ticket, opening, sent, raw)

    def broadcast(
        self,
        calldata: bytes,
        estimate: int,
        fees: FeeQuote,
        ticket: Ticket | None = None,
        opening: OpportunityDecided | None = None,
        block: int | None = None,
    ) -> SentTransaction:
        """Sign `FlashArb.execute` with a gas limit from `estimate`, write it ahead to the journal (for
        `ticket`, whose decision `opening` is journaled with it when it is not yet), and broadcast it.
        A refusal is reported to the breaker as a send error (no money spent) and raised (SendError, or
        RpcError when the node could not be reached); a journal that cannot take the row raises
        JournalUnavailable before anything is broadcast."""
        if self.sender is None:
            raise FlashArbError("a dry run sends nothing (no account to sign with)")
        ahead = self._ahead(ticket, opening)
        written: list[SentTransaction] = []

        def journal_then_send(sent: SentTransaction, raw: bytes) -> None:
            if ahead is not None:
                ahead(sent, raw)
                written.append(sent)

        try:
            sent = self.sender.send(
                self.flasharb, calldata, gas_limit(estimate), fees, ahead=journal_then_send
            )
        except (SendError, RpcError) as exc:
            self.breaker.record_send_error(f"send failed: {exc}")
            self._refused(written, exc, ticket, block)
            raise
        self.breaker.record_sent()
        return sent

    def _refused(
        self, written: list[SentTransaction], exc: Exception, ticket: Ticket | None, block: int | None
    ) -> None:
        """A written-ahead broadcast failed: refused -> its row goes; in doubt -> looked up every block."""
        for sent in written:
            if isinstance(exc, SendError) and not exc.in_doubt:
                if self.forget_unsent is not None:
                    self.forget_unsent(sent)
                continue
            logger.warning(
                "%s (nonce %d) may have reached the node; looking it up every block", sent.hash, sent.nonce
            )
            self.unsure.append(InFlight(ticket or Ticket(), sent, block or 0, "", None, prices=self.prices))
            # its row was written ahead: it counts as sent (its outcome, dropped included, follows)
            self.publish(TradeSent(ticket or Ticket(), sent))

    def track(
        self,
        ticket: Ticket,
        sent: SentTransaction,
        block: int,
        asset: str,
        predicted: int | None,
        settled: Settled | None = None,
    ) -> None:
        """Publish the broadcast and look at its receipt once (no waiting): mined -> settled now;
        otherwise it stays in flight and every `poll` looks again."""
        self.publish(TradeSent(ticket, sent))
        flight = InFlight(ticket, sent, block, asset, predicted, prices=self.prices)
        self.in_flight.append(flight)
        found = self._receipt(flight)
        if found is None:
            logger.info("block %d: %s not mined yet; checking it every block", block, sent.hash)
            return
        self._settle(flight, *found, settled or Settled())

    def _receipt(self, flight: InFlight) -> tuple[SentTransaction, dict[str, Any]] | None:
        assert self.sender is not None
        try:
            return self.sender.receipt(flight.latest)
        except RpcError as exc:
            logger.warning("could not read the receipt of %s: %s", flight.latest.hash, exc)
            return None

    # --- every block ------------------------------------------------------------------------------

    def poll(self, block: int) -> Settled:
        """Settle the transactions in flight that were mined; replace (then cancel) those stuck for
        `stuck_blocks` blocks."""
        settled = Settled()
        if self.unsure:
            self._check_unsure(block, settled)
        if not self.in_flight or self.sender is None:
            return settled
        for flight in list(self.in_flight):
            if flight not in self.in_flight:
                continue  # settled with another version at its nonce
            found = self._receipt(flight)
            if found is not None:
                self._settle(flight, *found, settled)
                continue
            self._unstick(flight, block)
        return settled

    def _check_unsure(self, block: int, settled: Settled) -> None:
        """Broadcasts in doubt: mined -> settled; known to the node -> in flight; unknown for
        `stuck_blocks` blocks -> dropped (they never reached it)."""
        still: list[InFlight] = []
        for flight in self.unsure:
            sent = flight.latest
            try:
                receipt = self.rpc.receipt(sent.hash)
                known = receipt is not None or self.rpc.transaction(sent.hash) is not None
            except RpcError:
                still.append(flight)
                continue
            if receipt is not None and receipt.get("blockNumber") is not None:
                settled.add(self._outcome(sent.hash, receipt, None, None, prices=flight.prices))
            elif known and self.sender is not None:
                self.sender.adopt(sent)
                flight.first_block = block
                self.in_flight.append(flight)
            elif block - flight.first_block >= self.settings.stuck_blocks:
                logger.warning(
                    "%s (nonce %d) never reached the node: recorded as dropped", sent.hash, sent.nonce
                )
                self._publish_once(TradeSettled(sent.hash, TxStatus.DROPPED, None))
                settled.add(TxStatus.DROPPED)
            else:
                still.append(flight)
        self.unsure = still

    def _publish_once(self, event: TradeSettled) -> bool:
        if event.tx_hash in self.settled:
            logger.warning("%s was settled already; not recorded again", event.tx_hash)
            return False
        self.settled.add(event.tx_hash)
        self.publish(event)
        return True

    def _unstick(self, flight: InFlight, block: int) -> None:
        assert self.sender is not None
        age = block - (flight.first_block if flight.last_block is None else flight.last_block)
        if age < self.settings.stuck_blocks or flight.cancelled:
            return
        cap = self.settings.max_gas_price_wei
        ahead = self._ahead(flight.ticket if flight.ticket.id is not None else None, None)
        written: list[SentTransaction] = []

        def journal_then_send(sent: SentTransaction, raw: bytes) -> None:
            if ahead is not None:
                ahead(sent, raw)
                written.append(sent)

        try:
            if flight.replacements < self.settings.max_replacements:
                flight.latest = self.sender.replace(flight.latest, cap, ahead=journal_then_send)
                flight.replacements += 1
            else:
                flight.latest = self.sender.cancel(flight.latest, cap, ahead=journal_then_send)
                flight.cancelled = True
        except (SendError, RpcError) as exc:
            logger.error("could not replace stuck transaction %s: %s", flight.latest.hash, exc)
            self._refused(written, exc, flight.ticket, block)
            return
        except FlashArbError as exc:  # the journal cannot take it: not sent, tried again next block
            logger.error("not replacing stuck transaction %s: %s", flight.latest.hash, exc)
            return
        flight.last_block = block
        self.publish(TradeSent(flight.ticket, flight.latest, this_run=flight.this_run))

    def rewound(self, block: int) -> None:
        """The chain went back (a reset or a deep reorg): what was in flight may be gone with the blocks
        it was mined or queued in. Each is looked up by hash from now on (`unsure`: mined, pending or
        dropped), never replaced at a nonce the chain may no longer reach, and the next nonce is read
        from the chain again."""
        for flight in self.in_flight:
            if self.sender is not None:
                self.sender.settle(flight.latest.nonce)
            flight.first_block = block
            self.unsure.append(flight)
        self.in_flight = []
        if self.sender is not None:
            self.sender.nonces.resync()

    def drain(self, timeout_s: float | None = None) -> Settled:
        """Wait up to `timeout_s` (default `receipt_timeout_s`) for the transactions in flight and
        settle those mined; the others stay unsettled in the journal, and the next run picks them up
        (`resume`)."""
        settled = Settled()
        if not self.in_flight or self.sender is None:
            return settled
        timeout = self.settings.receipt_timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + timeout
        delay = 0.05
        while self.in_flight:
            for flight in list(self.in_flight):
                if flight not in self.in_flight:
                    continue
                found = self._receipt(flight)
                if found is not None:
                    self._settle(flight, *found, settled)
            if not self.in_flight or time.monotonic() >= deadline:
                break
            time.sleep(delay)
            delay = min(2 * delay, 1.0)
        for flight in self.in_flight:
            logger.warning(
                "stopping with %s (nonce %d) not mined: the next run resumes it from the journal",
                flight.latest.hash,
                flight.latest.nonce,
            )
        return settled

    # --- outcomes ---------------------------------------------------------------------------------

    def _settle(
        self, flight: InFlight, version: SentTransaction, receipt: Mapping[str, Any], settled: Settled
    ) -> None:
        """Record the outcome of a mined version (and drop the other versions at its nonce); the
        flights at its nonce leave `in_flight` at once, so no later lookup can settle them again."""
        self.in_flight = [f for f in self.in_flight if f.latest.nonce != version.nonce]
        status = self._outcome(
            version.hash,
            receipt,
            flight.predicted_profit,
            flight.asset,
            cancel=version.kind == "cancel",
            this_run=flight.this_run,
            prices=flight.prices,
        )
        settled.add(status)
        others = self.sender.settle(version.nonce) if self.sender is not None else []
        for other in others:
            if other.hash != version.hash:
                self._publish_once(TradeSettled(other.hash, TxStatus.DROPPED, None, this_run=flight.this_run))

    def _outcome(
        self,
        tx_hash: str,
        receipt: Mapping[str, Any],
        predicted: int | None,
        asset: str | None,
        *,
        cancel: bool = False,
        this_run: bool = True,
        prices: UsdPricer | None = None,
    ) -> TxStatus:
        """Value a mined transaction's receipt in USD (with `prices`, default the latest), tell the
        breaker, publish the outcome."""
        if tx_hash in self.settled:
            logger.warning("%s was settled already; not recorded again", tx_hash)
            return TxStatus.DROPPED if cancel else _status(receipt)
        prices = prices or self.prices
        summary = summarize_receipt(receipt, self.flasharb)
        trade = summary.trade
        asset = trade.asset if trade is not None else asset
        decimals = self._decimals(asset)
        realised_usd = gas_usd = None
        if prices is not None:
            gas_usd = prices.micro(self.native, NATIVE_DECIMALS, summary.gas_fee_wei)
            if summary.realised_profit == 0:
                realised_usd = 0  # reverted, a cancel, or no Trade event: nothing realised, in any unit
            elif decimals is not None and asset:
                realised_usd = prices.micro(
                    _known_case(asset, self.decimals), decimals, summary.realised_profit
                )
        if cancel:
            status = TxStatus.DROPPED
        else:
            status = TxStatus.MINED if summary.success else TxStatus.REVERTED
        pnl = (realised_usd or 0) - (gas_usd or 0)
        if status is TxStatus.MINED:
            self.breaker.record_success(pnl)
        elif status is TxStatus.REVERTED:
            self.breaker.record_failure(f"transaction {tx_hash} reverted", pnl)
        elif pnl:
            self.breaker.record_success(pnl)  # a mined cancellation: no failure, but its gas is a loss
        self._publish_once(TradeSettled(tx_hash, status, summary, predicted, gas_usd, realised_usd, this_run))
        logger.info(
            "tx %s %s in block %d: gas %d, realised profit %d (predicted %s)",
            tx_hash,
            status.value,
            summary.block,
            summary.gas_used,
            summary.realised_profit,
            predicted,
        )
        return status

    def _decimals(self, asset: str | None) -> int | None:
        if not asset:
            return None
        return self.decimals.get(_known_case(asset, self.decimals))

    # --- after a restart ----------------------------------------------------------------------------

    def resume(self, unfinished: Sequence[PendingTx], head: int, account: str) -> Settled:
        """Reconcile what an earlier run left unsettled (set `prices` first, so the outcomes are valued
        and their gas reaches the breaker's loss limit). The transactions `account` sent are taken
        nonce by nonce, every version written at a nonce together: one mined -> its outcome is
        recorded and the other versions are dropped (replaced); none mined but some still pending ->
        tracked (and replaced or cancelled when stuck, counted from `head`); none known to the node ->
        recorded as dropped (evicted, or written ahead and never broadcast: a kill between the journal
        and the node). Nothing is broadcast again, so nothing is sent twice."""
        settled = Settled()
        groups: dict[int, list[PendingTx]] = {}
        for tx in unfinished:
            if tx.sender.lower() == account.lower():
                groups.setdefault(tx.nonce, []).append(tx)
        for nonce, versions in sorted(groups.items()):
            self._resume_nonce(nonce, versions, head, settled)
        return settled

    def _resume_nonce(self, nonce: int, versions: list[PendingTx], head: int, settled: Settled) -> None:
        receipts = {tx.hash: self.rpc.receipt(tx.hash) for tx in versions}
        mined = next(
            (tx for tx in versions if (receipts[tx.hash] or {}).get("blockNumber") is not None), None
        )
        if mined is not None:
            receipt = receipts[mined.hash]
            assert receipt is not None
            logger.info("resume: %s (nonce %d) was mined in the meantime", mined.hash, nonce)
            cancel = str(receipt.get("to") or "").lower() == mined.sender.lower()
            settled.add(
                self._outcome(
                    mined.hash, receipt, mined.predicted_profit, mined.asset, cancel=cancel, this_run=False
                )
            )
            for other in versions:
                if other.hash != mined.hash:
                    logger.info("resume: %s (nonce %d) was replaced by %s", other.hash, nonce, mined.hash)
                    if self._publish_once(TradeSettled(other.hash, TxStatus.DROPPED, None, this_run=False)):
                        settled.add(TxStatus.DROPPED)
            return
        found = {tx.hash: self.rpc.transaction(tx.hash) for tx in versions}
        pending = [tx for tx in versions if found[tx.hash] is not None]
        for tx in versions:
            if found[tx.hash] is None:
                logger.warning(
                    "resume: %s (nonce %d) is unknown to the node (evicted, replaced, or never "
                    "broadcast): recorded as dropped",
                    tx.hash,
                    nonce,
                )
                if self._publish_once(TradeSettled(tx.hash, TxStatus.DROPPED, None, this_run=False)):
                    settled.add(TxStatus.DROPPED)
        if not pending:
            return
        if self.sender is None:
            logger.warning(
                "resume: %s (nonce %d) is still pending, but this run cannot sign for %s: "
                "left unsettled for a run that can",
                pending[-1].hash,
                nonce,
                pending[-1].sender,
            )
            return
        flight: InFlight | None = None
        for tx in pending:
            raw = found[tx.hash]
            assert raw is not None
            fees = FeeQuote(0, as_int(raw.get("maxPriorityFeePerGas", 0)), as_int(raw.get("maxFeePerGas", 0)))
            sent = SentTransaction(
                tx.hash,
                tx.nonce,
                self.sender.address,
                str(raw.get("to")),
                bytes.fromhex(str(raw.get("input", "0x"))[2:]),
                as_int(raw.get("value", 0)),
                as_int(raw.get("gas", 0)),
                fees,
                tx.sent_at,
            )
            self.sender.adopt(sent)
            flight = InFlight(
                Ticket(tx.opportunity_id), sent, head, tx.asset, tx.predicted_profit, this_run=False
            )
            logger.warning("resume: %s (nonce %d) is still pending; tracking it", tx.hash, nonce)
        assert flight is not None
        self.in_flight.append(flight)


def _status(receipt: Mapping[str, Any]) -> TxStatus:
    return TxStatus.MINED if as_int(receipt.get("status", 0)) == 1 else TxStatus.REVERTED


def _known_case(address: str, known: Mapping[str, int]) -> str:
    """`address` spelled as in `known` (the address book's checksum case; receipts differ)."""
    if address in known:
        return address
    lowered = address.lower()
    return next((k for k in known if k.lower() == lowered), address)
