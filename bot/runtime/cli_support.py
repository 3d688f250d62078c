"""What the `ape run bot` and `ape run demo` scripts share: option parsing into BotConfig overrides,
account resolution, logging, and the end-of-run report. Kept here so the scripts stay thin."""

from __future__ import annotations

import logging
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.errors import ConfigError
from bot.ops.config import BotConfig, load_config, make_config
from bot.runtime.loop import BlockLoop

NOISY_LOGGERS = ("web3", "urllib3", "ape", "ape_foundry", "ape_node", "ape_ethereum", "asyncio")
OFF_WORDS = ("off", "none", "no")


def build_config(
    path: Path | None,
    *,
    network: str,
    account: str | None,
    dry_run: bool | None,
    once: bool,
    json_output: bool,
    min_profit_usd: str | None,
    max_profit_usd: str | None,
    max_gas_gwei: str | None,
    lenders: Sequence[str],
    max_blocks: int | None,
    priority_fee_gwei: str | None = None,
    max_trades_per_block: int | None = None,
    balancer_pool_ids: Sequence[str] = (),
    deployments_path: Path | None = None,
) -> BotConfig:
    """The BotConfig from the file at `path` (if any) and the command line; options not given leave
    the file's value or the default. `max_profit_usd` "off" lifts the cap."""
    no_cap = max_profit_usd is not None and max_profit_usd.strip().lower() in OFF_WORDS
    values: dict[str, Any] = {
        "network": network,
        "account": account,
        "dry_run": dry_run,
        "once": once or None,
        "json_output": json_output or None,
        "min_profit_usd": min_profit_usd,
        "max_profit_usd": None if no_cap else max_profit_usd,
        "max_gas_price_gwei": max_gas_gwei,
        "lenders": list(lenders) if lenders else None,
        "max_blocks": max_blocks,
        "priority_fee_gwei": priority_fee_gwei,
        "max_trades_per_block": max_trades_per_block,
        "balancer_pool_ids": list(balancer_pool_ids) if balancer_pool_ids else None,
        "deployments_path": deployments_path,
    }
    config = load_config(path, values)
    if no_cap:
        config = make_config({**config.model_dump(), "max_profit_usd": None})
    return config


def load_account(alias: str, unlock: bool = False) -> Any:
    """An ape account by alias; "TEST::<n>" is ape's n-th test account (dev chains only).

    With `unlock`, a keystore account is unlocked once, here, and set to sign without asking for each
    transaction (an unattended bot cannot answer prompts): the passphrase comes from the environment
    variable APE_ACCOUNTS_<alias>_PASSPHRASE, or ape prompts for it (hidden) at start. The passphrase
    and the key never reach a log line or an error message."""
    from ape import accounts

    if alias.upper().startswith("TEST::"):
        try:
            return accounts.test_accounts[int(alias.split("::", 1)[1])]
        except (ValueError, IndexError):
            raise ConfigError(
                f"account: {alias!r} is not a test account index (TEST::0 .. TEST::9)"
            ) from None
    try:
        account = accounts.load(alias)
    except Exception as exc:  # ape raises its own AccountsError subclasses
        known = ", ".join(accounts.aliases) or "none"
        raise ConfigError(
            f"account: no ape account {alias!r} ({exc}); known aliases: {known}. "
            "Import a key with `ape accounts import <alias>`"
        ) from None
    if unlock and hasattr(account, "set_autosign"):
        try:
            account.set_autosign(True)
        except Exception as exc:  # a wrong passphrase (InvalidPasswordError) or an aborted prompt
            raise ConfigError(
                f"account: could not unlock the keystore of {alias!r} ({type(exc).__name__}); check the "
                f"passphrase in APE_ACCOUNTS_{alias}_PASSPHRASE, or unset it to be asked for it"
            ) from None
    return account


def setup_logging(level: str, handler: logging.Handler | None = None) -> None:
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    if handler is None:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    root.addHandler(handler)
    logging.getLogger("bot").setLevel(level)
    root.setLevel(logging.WARNING)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def loop_times(loop: BlockLoop) -> dict[str, float]:
    """Per-block loop time in ms: median, p90, max (blocks processed by this run)."""
    times = sorted(loop.block_seconds)
    if not times:
        return {}
    p90 = times[max(0, -(-9 * len(times) // 10) - 1)]
    return {"median_ms": 1e3 * statistics.median(times), "p90_ms": 1e3 * p90, "max_ms": 1e3 * times[-1]}
