"""`BotConfig`: every setting of `ape run bot` in one validated model.

Settings come from a TOML file (top-level keys named like the fields) merged with command-line
overrides; a bad value raises ConfigError naming the field, the value and the fix:

    config = load_config(Path("bot.toml"), {"dry_run": True, "min_profit_usd": "5"})
    config.min_profit_micro_usd   # 5_000_000

USD thresholds are Decimal at this edge and reach the rest of the bot as integers (micro-USD, wei).
TOML floats are read as Decimal, never as binary floats; Python floats are refused for money fields.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Any, Literal

import tomllib
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.errors import AddressBookError, ConfigError
from bot.execution.deployments import DEFAULT_PATH as DEFAULT_DEPLOYMENTS_PATH
from bot.ops.units import scaled_exact, usd_to_micro

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / ".data"
"""Where the bot keeps its journal and control files unless told otherwise."""
DEFAULT_JOURNAL_URL = f"sqlite:///{DATA_DIR / 'journal.sqlite'}"
DEFAULT_CONTROL_DIR = DATA_DIR / "control"
CHAIN_ID = 137

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class LenderSource(str, Enum):
    """A source of flash-loaned capital the operator can allow."""

    AAVE = "aave"
    """Aave V3 flashLoanSimple (premium read on-chain)."""
    BALANCER = "balancer"
    """Balancer V2 Vault flashLoan (fee 0 today)."""
    FLASH_SWAP = "flash_swap"
    """The first pool's own flash swap (Uniswap V2 pair or V3 pool)."""


_MONEY_FIELDS = (
    "min_profit_usd",
    "max_profit_usd",
    "max_gas_price_gwei",
    "priority_fee_gwei",
    "breaker_loss_limit_usd",
    "low_gas_balance_matic",
)

FIXES: dict[str, str] = {
    "network": 'use "ecosystem:network[:provider]" on Polygon, e.g. "polygon:replica:node"',
    "account": "give an ape account alias (`ape accounts list`); import keys with `ape accounts import`",
    "dry_run": "use true or false",
    "once": "use true or false",
    "json_output": "use true or false",
    "min_profit_usd": 'use a non-negative USD amount below max_profit_usd, as a string or integer (e.g. "3")',
    "max_profit_usd": "use a USD amount above min_profit_usd (string or integer), or leave it out for no cap",
    "max_gas_price_gwei": 'use a positive amount of gwei with at most 9 decimals, e.g. "500"',
    "priority_fee_gwei": (
        'use a non-negative amount of gwei with at most 9 decimals, not above max_gas_price_gwei, e.g. "30"'
    ),
    "max_trades_per_block": "use an integer from 1 to 10",
    "balancer_pool_ids": 'list Balancer Vault pool ids, each "0x" and 64 hex digits, each once',
    "deployments_path": "use the path of the deployments file written by `ape run deploy --deployments`",
    "lenders": 'list one or more of "aave", "balancer", "flash_swap", each once',
    "tokens": "list token symbols of the Polygon address book, each once",
    "journal_url": 'use an SQLAlchemy URL, e.g. "sqlite:////path/journal.sqlite" or "postgresql://user@host/db"',
    "metrics_host": "use an interface address such as 127.0.0.1",
    "metrics_port": "use a TCP port 1-65535, or 0 to turn metrics off",
    "breaker_max_failures": "use an integer of at least 1",
    "breaker_loss_limit_usd": 'use a positive USD amount as a string or integer, e.g. "20"',
    "low_gas_balance_matic": 'use a non-negative MATIC amount with at most 18 decimals as a string, e.g. "5"',
    "control_dir": "use a directory path the bot may create and write",
    "poll_interval_s": "use a number of seconds above 0 and at most 60",
    "max_blocks": "use a positive integer, or leave it out to run until stopped",
    "log_level": "use one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
}

_PRIVATE_KEY = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")
_PASSWORD_IN_URL = re.compile(r"(://[^/:@]*:)[^@]*@")
_NETWORK = re.compile(r"^[a-z0-9_-]+(:[a-z0-9_-]+){0,2}$")
_POOL_ID = re.compile(r"^0x[0-9a-f]{64}$")
MAX_TRADES_PER_BLOCK = 10


class BotConfig(BaseModel):
    """Everything the bot takes. Unknown fields are errors, so a typo never silently does nothing."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    network: str = "polygon:replica:node"
    """ape network choice: ecosystem:network[:provider]; the ecosystem must be polygon."""
    account: str | None = None
    """Alias of the ape account that signs trades (an encrypted keystore). Required unless dry_run."""
    dry_run: bool = True
    """Paper trading: simulate and journal, never send. A live run must set it to false explicitly."""
    once: bool = False
    """Process one block, then stop."""
    json_output: bool = False
    """Print events as JSON lines instead of the live terminal view."""
    min_profit_usd: Decimal = Decimal(3)
    """Smallest net profit (after loan fee and gas) worth sending, in USD."""
    max_profit_usd: Decimal | None = Decimal(30)
    """Largest believable net profit in USD: more is likely stale data or a trap, so it is skipped.
    None turns the cap off."""
    max_gas_price_gwei: Decimal = Decimal(500)
    """Never send at a max fee per gas above this, in gwei."""
    priority_fee_gwei: Decimal = Decimal(30)
    """Tip per gas of every transaction, in gwei (Polygon's validators take 25-30 gwei). At most
    max_gas_price_gwei."""
    max_trades_per_block: int = 1
    """Opportunities sent per block at most (with disjoint pools, best first)."""
    lenders: tuple[LenderSource, ...] = (LenderSource.AAVE, LenderSource.BALANCER, LenderSource.FLASH_SWAP)
    """Sources of flash-loaned capital the bot may use (at least one)."""
    tokens: tuple[str, ...] = ()
    """Symbols (from the Polygon address book) of the tokens to trade; empty means all of them.
    Aliases are accepted and stored as the book's symbol."""
    balancer_pool_ids: tuple[str, ...] = ()
    """Balancer V2 pool ids to trade (weighted pools), added to the ones found from the Vault's
    PoolRegistered logs. Needed on real Polygon, whose long history is not scanned."""
    deployments_path: Path = DEFAULT_DEPLOYMENTS_PATH
    """The deployments file that says where FlashArb is on each chain (written by `ape run deploy`)."""
    journal_url: str = DEFAULT_JOURNAL_URL
    """SQLAlchemy URL of the journal database (SQLite file by default; PostgreSQL works too)."""
    metrics_host: str = "127.0.0.1"
    """Interface the Prometheus metrics endpoint listens on."""
    metrics_port: int = 0
    """Port of the Prometheus metrics endpoint; 0 turns it off."""
    breaker_max_failures: int = 3
    """Failed or reverted sends in a row that trip the circuit breaker."""
    breaker_loss_limit_usd: Decimal = Decimal(20)
    """Net realised loss in USD (since the breaker was last reset) that trips it."""
    low_gas_balance_matic: Decimal = Decimal(5)
    """Warn when the executor's native balance falls below this many MATIC."""
    control_dir: Path = DEFAULT_CONTROL_DIR
    """Directory of the control channel (commands in, status out) and the breaker's state."""
    poll_interval_s: float = Field(default=0.5, gt=0, le=60)
    """Seconds between polls for a new block."""
    max_blocks: int | None = Field(default=None, ge=1)
    """Stop after this many blocks (for demos); None runs until stopped."""
    log_level: LogLevel = "INFO"
    """Logging level of the bot's loggers."""

    @field_validator(*_MONEY_FIELDS, mode="before")
    @classmethod
    def _money_not_float(cls, value: object) -> object:
        if isinstance(value, bool):
            raise ValueError("a boolean is not an amount")
        if isinstance(value, float):
            raise ValueError("binary floats are not exact; write the amount as a string or integer")
        if isinstance(value, str):
            try:
                return Decimal(value.strip())
            except InvalidOperation:
                raise ValueError(f"{value!r} is not a decimal number") from None
        return value

    @field_validator("network")
    @classmethod
    def _network(cls, value: str) -> str:
        if not _NETWORK.match(value):
            raise ValueError("not an ape network choice")
        if value.split(":")[0] != "polygon":
            raise ValueError("FlashArb trades on Polygon only")
        return value

    @field_validator("account")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if _PRIVATE_KEY.match(value.strip()):
            # Never echo the value: it may be a secret.
            raise ValueError("looks like a raw private key; keys belong in an ape keystore, never in config")
        if not value.strip():
            raise ValueError("is empty")
        return value.strip()

    @field_validator("min_profit_usd")
    @classmethod
    def _min_profit(cls, value: Decimal) -> Decimal:
        if value < 0:
            raise ValueError("must not be negative")
        usd_to_micro(value)  # at most micro-USD precision
        return value

    @field_validator("max_profit_usd", "breaker_loss_limit_usd")
    @classmethod
    def _positive_usd(cls, value: Decimal | None) -> Decimal | None:
        if value is not None:
            if value <= 0:
                raise ValueError("must be above 0")
            usd_to_micro(value)
        return value

    @field_validator("max_gas_price_gwei")
    @classmethod
    def _gas_cap(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError("must be above 0")
        scaled_exact(value, 9)
        return value

    @field_validator("priority_fee_gwei")
    @classmethod
    def _tip(cls, value: Decimal) -> Decimal:
        if value < 0:
            raise ValueError("must not be negative")
        scaled_exact(value, 9)
        return value

    @field_validator("max_trades_per_block")
    @classmethod
    def _trades_per_block(cls, value: int) -> int:
        if not 1 <= value <= MAX_TRADES_PER_BLOCK:
            raise ValueError(f"must be from 1 to {MAX_TRADES_PER_BLOCK}")
        return value

    @field_validator("balancer_pool_ids")
    @classmethod
    def _pool_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        ids: list[str] = []
        for pool_id in value:
            canonical = pool_id.strip().lower()
            if not _POOL_ID.match(canonical):
                raise ValueError(f"{pool_id!r} is not a pool id (0x and 64 hex digits)")
            if canonical in ids:
                raise ValueError(f"pool id {canonical} is listed twice")
            ids.append(canonical)
        return tuple(ids)

    @field_validator("low_gas_balance_matic")
    @classmethod
    def _low_gas(cls, value: Decimal) -> Decimal:
        if value < 0:
            raise ValueError("must not be negative")
        scaled_exact(value, 18)
        return value

    @field_validator("lenders")
    @classmethod
    def _lenders(cls, value: tuple[LenderSource, ...]) -> tuple[LenderSource, ...]:
        if not value:
            raise ValueError("at least one lender is needed")
        if len(set(value)) != len(value):
            raise ValueError("a lender is listed twice")
        return value

    @field_validator("tokens")
    @classmethod
    def _tokens(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from bot.addressbook import load

        book = load(CHAIN_ID)
        symbols: list[str] = []
        for symbol in value:
            try:
                canonical = book.token(symbol).symbol
            except AddressBookError:
                raise ValueError(
                    f"unknown token symbol {symbol!r}; valid symbols: {', '.join(book.tokens)}"
                ) from None
            if canonical in symbols:
                raise ValueError(f"token {canonical!r} is listed twice")
            symbols.append(canonical)
        return tuple(symbols)

    @field_validator("journal_url")
    @classmethod
    def _journal_url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(value)
        except (ArgumentError, ValueError) as exc:
            raise ValueError(f"not an SQLAlchemy database URL ({exc})") from None
        return value

    @field_validator("metrics_port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 0 <= value <= 65535:
            raise ValueError("not a TCP port")
        return value

    @field_validator("metrics_host")
    @classmethod
    def _host(cls, value: str) -> str:
        if not value.strip() or any(c.isspace() for c in value):
            raise ValueError("not a host name or address")
        return value

    @field_validator("breaker_max_failures")
    @classmethod
    def _failures(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be at least 1")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _consistent(self) -> BotConfig:
        if self.max_profit_usd is not None and self.min_profit_usd >= self.max_profit_usd:
            raise ValueError(
                f"min_profit_usd: {self.min_profit_usd} must be below max_profit_usd ({self.max_profit_usd})"
            )
        if self.priority_fee_gwei > self.max_gas_price_gwei:
            raise ValueError(
                f"priority_fee_gwei: {self.priority_fee_gwei} must not be above max_gas_price_gwei "
                f"({self.max_gas_price_gwei}): such a tip could never be paid"
            )
        if not self.dry_run and self.account is None:
            raise ValueError("account: a live run (dry_run = false) needs the alias of an ape account")
        return self

    # Integer views for the rest of the bot.
    @property
    def min_profit_micro_usd(self) -> int:
        """min_profit_usd in micro-USD."""
        return usd_to_micro(self.min_profit_usd)

    @property
    def max_profit_micro_usd(self) -> int | None:
        """max_profit_usd in micro-USD (None: no cap)."""
        return None if self.max_profit_usd is None else usd_to_micro(self.max_profit_usd)

    @property
    def max_gas_price_wei(self) -> int:
        """max_gas_price_gwei in wei."""
        return scaled_exact(self.max_gas_price_gwei, 9)

    @property
    def priority_fee_wei(self) -> int:
        """priority_fee_gwei in wei."""
        return scaled_exact(self.priority_fee_gwei, 9)

    @property
    def breaker_loss_limit_micro_usd(self) -> int:
        """breaker_loss_limit_usd in micro-USD."""
        return usd_to_micro(self.breaker_loss_limit_usd)

    @property
    def low_gas_balance_wei(self) -> int:
        """low_gas_balance_matic in wei."""
        return scaled_exact(self.low_gas_balance_matic, 18)

    def trade_tokens(self) -> tuple[str, ...]:
        """The token symbols to trade: `tokens`, or every token of the address book if empty."""
        if self.tokens:
            return self.tokens
        from bot.addressbook import load

        return tuple(load(CHAIN_ID).tokens)

    def config_hash(self) -> str:
        """sha256 of the settings (canonical JSON), recorded with each run in the journal."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        location = [str(part) for part in item["loc"]]
        message = item["msg"].removeprefix("Value error, ")
        if location:
            field, shown = location[0], repr(item.get("input"))
        else:  # a check across fields: the message starts with the field it blames
            field, _, message = message.partition(": ")
            shown = ""
        if item["type"] == "extra_forbidden":
            lines.append(f"{field}: unknown setting; valid settings: {', '.join(BotConfig.model_fields)}")
            continue
        if field == "account" and location:
            shown = "<hidden>"  # it may be a secret
        elif field == "journal_url":
            shown = _PASSWORD_IN_URL.sub(r"\1***@", shown)
        fix = FIXES.get(field, "see the field's description in bot/ops/config.py")
        where = ".".join(location) or field
        got = f" (got {shown})" if shown else ""
        lines.append(f"{where}: {message}{got}; fix: {fix}")
    return "invalid bot configuration:\n  " + "\n  ".join(lines)


def make_config(values: Mapping[str, Any]) -> BotConfig:
    """A BotConfig from `values`; ConfigError names each bad field, its value and the fix."""
    try:
        return BotConfig.model_validate(dict(values))
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def read_file(path: Path) -> dict[str, Any]:
    """The settings in the TOML file at `path` (floats read as Decimal)."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror}") from None
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def load_config(path: Path | None = None, overrides: Mapping[str, Any] | None = None) -> BotConfig:
    """Defaults, then the TOML file at `path` (if given), then `overrides` (None values are ignored,
    so unset CLI options do not mask the file)."""
    values: dict[str, Any] = read_file(path) if path is not None else {}
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
    return make_config(values)
