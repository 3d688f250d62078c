"""Builds a `BlockLoop` from a `BotConfig`, a web3 connected to the chain, and (live) a signer.

    loop = assemble(config, w3, flasharb_abi=abi, signer=ApeSigner(account, ecosystem))
    loop.resume()
    loop.run()

Before anything else it checks that FlashArb is deployed on this chain and that the account is one of
its executors (bot.runtime.preflight). Then it discovers the pools among the configured tokens, reads
the lenders' terms, enumerates the cycles once, and wires the search, guards, journal, control
channel, breaker and metrics together.
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
from bot.execution.rpc import Rpc, as_int
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
from bot.runtime.events import EventSink
from bot.runtime.lenders import read_lenders
from bot.runtime.loop import BlockLoop, LoopSettings, View
from bot.runtime.pools import tracked_pools
from bot.runtime.preflight import find_flasharb, is_paused, simulation_sender
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
    rpc = Rpc(w3, retries=options.rpc_retries, backoff_s=options.rpc_backoff_s)
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
        w3, book.multicall3.address, retries=options.rpc_retries, backoff_s=options.rpc_backoff_s
    )
    pools = tracked_pools(rpc, multicall, book, config.trade_tokens(), config.balancer_pool_ids)
    vault_tokens = {t for p in pools.balancer for t in p.tokens}
    lenders = read_lenders(multicall, book, vault_tokens, config.lenders)
    borrowable = set(lenders.terms.aave_assets) | set(lenders.terms.balancer_assets)
    if lenders.terms.pool_lender:
        borrowable |= set(lenders.terms.aave_liquidity) | vault_tokens
    cycles = enumerate_cycles(pools, borrowable)
    if not cycles:
        raise ConfigError(
            f"tokens: no arbitrage cycle among {len(config.trade_tokens())} tokens and {len(pools)} pools "
            f"with lenders {[lender.value for lender in config.lenders]}; add tokens or lenders"
        )
    searcher = Searcher(cycles, lenders.terms, native=book.token("WMATIC").address)
    reader = MarketReader(multicall, pools, vault=book.balancer_v2.vault)

    sender = None
    if signer is not None and not config.dry_run:
        sender = Sender(rpc, signer, chain_id)
    journal = Journal(config.journal_url)
    run_id = journal.start_run(config.config_hash(), config.network, config.dry_run)
    control = ControlChannel(config.control_dir)
    breaker = CircuitBreaker.open(
        config.control_dir, config.breaker_max_failures, config.breaker_loss_limit_micro_usd
    )
    settings = LoopSettings(
        dry_run=config.dry_run,
        max_trades_per_block=config.max_trades_per_block,
        receipt_timeout_s=options.receipt_timeout_s,
        stuck_blocks=options.stuck_blocks,
        max_replacements=options.max_replacements,
        idle_sleep_s=config.poll_interval_s,
    )
    loop = BlockLoop(
        config=config,
        settings=settings,
        rpc=rpc,
        multicall=multicall,
        reader=reader,
        searcher=searcher,
        lenders=lenders,
        book=book,
        flasharb=record.address,
        simulator=Simulator(rpc, record.address, executor, RevertDecoder(abi_entries(flasharb_abi))),
        sender=sender,
        pricer=GasPricer(config.priority_fee_wei, config.max_gas_price_wei),
        journal=journal,
        run_id=run_id,
        control=control,
        breaker=breaker,
        metrics=metrics or BotMetrics(),
        guards=Guards.from_config(config),
        usd_token=book.token(options.usd_symbol).address,
        sink=sink,
        view=view,
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
