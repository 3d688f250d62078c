"""What the `ape run bot` and `ape run demo` scripts share: option parsing into BotConfig overrides,
account resolution, logging, and the end-of-run report. Kept here so the scripts stay thin."""

from __future__ import annotations

import logging
import os
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.errors import ConfigError
from bot.ops.config import BotConfig, load_config, parse_setting_name
from bot.runtime.loop import BlockLoop

NOISY_LOGGERS = ("web3", "urllib3", "ape", "ape_foundry", "ape_node", "ape_ethereum", "asyncio")

OPTION_OF: dict[str, str] = {
    "network": "--network",
    "account": "--account",
    "dry_run": "--dry-run/--live",
    "once": "--once",
    "json_output": "--json",
    "min_profit_usd": "--min-profit-usd",
    "max_profit_usd": "--max-profit-usd",
    "max_gas_price_gwei": "--max-gas-gwei",
    "lenders": "--lenders",
    "max_blocks": "--max-blocks",
    "priority_fee_gwei": "--priority-fee-gwei",
    "max_trades_per_block": "--max-trades-per-block",
    "balancer_pool_ids": "--balancer-pool-id",
    "deployments_path": "--deployments",
}
"""The dedicated option of each setting that has one; every setting can also be given with --set."""


def parse_set_options(items: Sequence[str]) -> dict[str, str]:
    """`--set KEY=VALUE` items as {setting: value}. The value is the text after the first "=", as
    typed (lists comma-separated, e.g. `--set tokens=WMATIC,USDC.e`; `--set max_profit_usd=off`).
    Dashes in KEY are read as underscores. ConfigError for an item without "=", a KEY that is not a
    setting (listing the valid ones), or a setting given twice."""
    values: dict[str, str] = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals:
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE, e.g. --set min_profit_usd=5")
        name = parse_setting_name(key)
        if name in values:
            raise ConfigError(f"--set {name}: given twice ({values[name]!r} and {value!r}); give it once")
        values[name] = value
    return values


def build_config(
    path: Path | None,
    *,
    network: str | None,
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
    set_options: Sequence[str] = (),
) -> BotConfig:
    """The BotConfig from the command line (the options, and `set_options`: the raw `--set KEY=VALUE`
    items), then FLASHARB_* environment variables, then the file at `path` (if any), then the
    defaults. Options not given (None, False flags, empty lists) leave the setting to those sources.
    A setting given both by its own option and by --set is an error. `max_profit_usd` "off" lifts the
    cap. Relative paths on the command line are relative to the current directory; the config's
    `origins` tell where each value came from (`describe_config` for --show-config)."""
    options: dict[str, Any] = {
        "network": network,
        "account": account,
        "dry_run": dry_run,
        "once": once or None,
        "json_output": json_output or None,
        "min_profit_usd": min_profit_usd,
        "max_profit_usd": max_profit_usd,
        "max_gas_price_gwei": max_gas_gwei,
        "lenders": list(lenders) if lenders else None,
        "max_blocks": max_blocks,
        "priority_fee_gwei": priority_fee_gwei,
        "max_trades_per_block": max_trades_per_block,
        "balancer_pool_ids": list(balancer_pool_ids) if balancer_pool_ids else None,
        "deployments_path": deployments_path,
    }
    given = {name: value for name, value in options.items() if value is not None}
    set_values = parse_set_options(set_options)
    twice = sorted(set_values.keys() & given.keys())
    if twice:
        name = twice[0]
        raise ConfigError(f"{name}: given both by {OPTION_OF[name]} and by --set {name}=...; give it once")
    return load_config(path, {**given, **set_values})


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
        variable = f"APE_ACCOUNTS_{alias}_PASSPHRASE"
        if not os.environ.get(variable) and not sys.stdin.isatty():
            raise ConfigError(
                f"account: the keystore of {alias!r} is encrypted and there is no terminal to ask for its "
                f"passphrase; for unattended use set {variable}"
            )
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
