"""Builds a `BlockLoop` from a `BotConfig`, a web3 connected to the chain, and (live) a signer.

    loop = assemble(config, w3, flasharb_abi=abi, signer=ApeSigner(account, ecosystem))
    loop.resume()
    loop.run()

Before anything else it checks that FlashArb is deployed on this chain and that the account is one of
its executors (bot.runtime.preflight). Then it discovers the pools among the configured tokens, reads
the lenders' terms, enumerates the cycles once, and wires them together: the per-block pipeline
(reader with the lenders' balances in its batch, searcher, guards, simulator), the transaction manager
(sender, breaker), the bookkeeper (journal, metrics, live view, JSON sink) and the loop that drives
them (control channel, new heads).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.addressbook import AddressBook, load
from bot.errors import ConfigError
from bot.execution.gas import GasPricer
from bot.execution.revert import RevertDecoder
from bot.execution.routes import Tolerance
from bot.execution.rpc import Rpc, as_int, bounded_web3
from bot.execution.sender import Sender
from bot.execution.signer import Signer
from bot.execution.simulate import Simulator
from bot.market.multicall import Multicall
from bot.market.reader import MarketReader
from bot.ops.breaker import CircuitBreaker
from bot.ops.config import BotConfig
from bot.ops.control import ControlChannel
from bot.ops.guards import Guards
from bot.ops.journal import Journal
from bot.ops.metrics import BotMetrics
from bot.ops.view import LiveStats
from bot.runtime.bookkeeping import Bookkeeper, View
from bot.runtime.events import EventSink
from bot.runtime.heads import ws_url_for
from bot.runtime.lenders import read_lenders
from bot.runtime.loop import BlockLoop, LoopSettings
from bot.runtime.pipeline import BlockPipeline, ChainIO, Tokens
from bot.runtime.pools import tracked_pools
from bot.runtime.preflight import find_flasharb, is_paused, simulation_sender
from bot.runtime.transactions import TransactionManager, TxSettings
from bot.search.graph import enumerate_cycles
from bot.search.searcher import Searcher

logger = logging.getLogger(__name__)

USD_SYMBOL = "USDC"
"""The stablecoin USD prices are read through (taken as $1)."""


@dataclass(frozen=True, slots=True)
class RuntimeOptions:
    """Tuning of the runtime that an operator has no reason to change; every setting is in BotConfig."""

    receipt_timeout_s: float = 30.0
    """How long a stopping run waits for the receipts of its transactions in flight."""
    stuck_blocks: int = 5
    max_replacements: int = 2
    usd_symbol: str = USD_SYMBOL
    rpc_retries: int = 4
    rpc_backoff_s: float = 0.2
    startup_retries: int = 8
    """Retries of each start-up request (a node still starting): backoff_s, 2x, ... up to 5 s apart."""
    new_heads: str | None = None
    """Overrides BotConfig.new_heads (tests): "auto", "poll" or a ws:// / wss:// URL."""


def abi_entries(abi: Sequence[Any]) -> list[dict[str, Any]]:
    """ABI entries as plain dicts (ape's ABI models or dicts)."""
    entries = []
    for entry in abi:
        if isinstance(entry, Mapping):
            entries.append(dict(entry))
        else:
            entries.append(entry.model_dump(mode="json", by_alias=True))
    return entries


def assemble(
    config: BotConfig,
    w3: Any,
    *,
    flasharb_abi: Sequence[Any],
    signer: Signer | None = None,
    options: RuntimeOptions | None = None,
    book: AddressBook | None = None,
    sink: EventSink | None = None,
    view: View | None = None,
    metrics: BotMetrics | None = None,
) -> BlockLoop:
    """A ready BlockLoop (a run is started in the journal); see the module docstring."""
    options = options or RuntimeOptions()
    started = time.perf_counter()
    if not config.dry_run and signer is None:
        raise ConfigError("account: a live run needs an account to sign with; pass --account <alias>")
    w3 = bounded_web3(w3, config.rpc_timeout_s)  # ape's own HTTP timeout is 30 minutes
    rpc = Rpc(
        w3,
        retries=max(options.startup_retries, options.rpc_retries),
        backoff_s=options.rpc_backoff_s,
        timeout_s=config.rpc_timeout_s,
    )
    chain_id = as_int(rpc.request("eth_chainId", []))
    book = book or load(chain_id)
    account = signer.address if signer is not None else None
    record = find_flasharb(rpc, config.network, config.deployments_path, account)
    executor = simulation_sender(rpc, record, account, config.network, config.deployments_path)
    if is_paused(rpc, record.address):
        logger.warning(
            "FlashArb at %s is paused on-chain: simulations will fail until the owner unpauses it",
            record.address,
        )

    multicall = Multicall(
        w3,
        book.multicall3.address,
        retries=options.rpc_retries,
        backoff_s=options.rpc_backoff_s,
        deadline=rpc.retry_deadline,  # the block's budget covers market reads too
    )
    pools = tracked_pools(
        rpc,
        multicall,
        book,
        config.trade_tokens(),
        config.balancer_pool_ids,
        cache_dir=config.discovery_cache_dir,
        chunk_blocks=config.log_scan_chunk_blocks,
    )
    vault_tokens = {t for p in pools.balancer for t in p.tokens}
    vault_tokens |= {t for s in pools.balancer_stable for t in s.tokens if t != s.address}
    lenders = read_lenders(multicall, book, vault_tokens, config.lenders)
    borrowable = set(lenders.terms.aave_assets) | set(lenders.terms.balancer_assets)
    if lenders.terms.pool_lender:
        borrowable |= set(lenders.terms.aave_liquidity) | vault_tokens
    cycles = enumerate_cycles(pools, borrowable, max_hops=config.max_hops, max_cycles=config.max_cycles)
    if not cycles:
        raise ConfigError(
            f"tokens: no arbitrage cycle among {len(config.trade_tokens())} tokens and {len(pools)} pools "
            f"with lenders {[lender.value for lender in config.lenders]}; add tokens or lenders"
        )
    searcher = Searcher(cycles, lenders.terms, native=book.token("WMATIC").address)
    watches = lenders.watches({c.asset for c in cycles})
    reader = MarketReader(multicall, pools, vault=book.balancer_v2.vault, balances=watches)

    rpc.retries = options.rpc_retries  # start-up done: a block's requests retry within its budget
    sender = None
    if signer is not None and not config.dry_run:
        sender = Sender(rpc, signer, chain_id)
    control = ControlChannel(config.control_dir)  # validated before a run is opened in the journal
    breaker = CircuitBreaker.open(
        config.control_dir,
        config.breaker_max_failures,
        config.breaker_loss_limit_micro_usd,
        config.breaker_max_send_errors,
    )
    journal = Journal(config.journal_url)
    run_id = journal.start_run(config.config_hash(), config.network, config.dry_run)
    metrics = metrics or BotMetrics()
    stats = LiveStats(mode="dry-run" if config.dry_run else "live", network=config.network)
    books = Bookkeeper(journal, run_id, metrics, stats, sink, view)
    tokens = Tokens.from_book(book, options.usd_symbol)
    transactions = TransactionManager(
        sender,
        rpc,
        flasharb=record.address,
        breaker=breaker,
        publish=books.publish,
        native=tokens.native,
        decimals=tokens.decimals,
        settings=TxSettings(
            stuck_blocks=options.stuck_blocks,
            max_replacements=options.max_replacements,
            receipt_timeout_s=options.receipt_timeout_s,
            max_gas_price_wei=config.max_gas_price_wei,
        ),
        write_ahead=books.write_ahead,
        forget_unsent=books.forget_unsent,
    )
    simulator = Simulator(rpc, record.address, executor, RevertDecoder(abi_entries(flasharb_abi)))
    pipeline = BlockPipeline(
        searcher,
        Guards.from_config(config),
        GasPricer(config.priority_fee_wei, config.max_gas_price_wei),
        tokens,
        max_trades=config.max_trades_per_block,
        tolerance=Tolerance(config.min_profit_tolerance_bps, config.hop_tolerance_bps),
        io=ChainIO(
            reader=reader,
            lenders=lenders,
            simulator=simulator,
            transactions=transactions,
            breaker=breaker,
            publish=books.publish,
            flasharb=record.address,
            dry_run=config.dry_run,
        ),
    )
    ws_url = None
    new_heads = options.new_heads or config.new_heads
    if new_heads == "auto":
        ws_url = ws_url_for(getattr(w3.provider, "endpoint_uri", None))
    elif new_heads != "poll":
        ws_url = new_heads
    loop = BlockLoop(
        config=config,
        settings=LoopSettings(ws_url=ws_url),
        rpc=rpc,
        multicall=multicall,
        pipeline=pipeline,
        transactions=transactions,
        books=books,
        simulator=simulator,
        journal=journal,
        run_id=run_id,
        control=control,
        breaker=breaker,
        metrics=metrics,
    )
    logger.info(
        "bot ready in %.2f s: %s, FlashArb %s, executor %s, %d pools, %d cycles, run %d",
        time.perf_counter() - started,
        "dry run" if config.dry_run else "LIVE",
        record.address,
        executor,
        len(pools),
        len(cycles),
        run_id,
    )
    return loop
