"""`BotConfig`: every setting of `ape run bot` in one validated model (pydantic-settings).

Where settings come from, highest precedence first (`BotConfig.settings_customise_sources`):

1. the command line: the values the script passes to `load_config` (unset options are None and
   leave the setting to the sources below);
2. environment variables `FLASHARB_<SETTING>` (e.g. FLASHARB_MIN_PROFIT_USD=5,
   FLASHARB_LENDERS=aave,balancer); other FLASHARB_* variables (FLASHARB_POLYGON_RPC, ...) are not
   settings and are ignored; an empty variable counts as unset;
3. the TOML file given with `--config FILE` (top-level keys named like the fields; an unknown key is
   an error);
4. the defaults below.

Relative paths (`deployments_path`, `control_dir`, the file of a `sqlite:///relative/path`
journal_url) are resolved where they are read: against the TOML file's directory for values from the
file, against the current directory for values from the command line, and against the repository
root (PROJECT_ROOT) for everything else (environment, defaults, values given in code).

    config = load_config(Path("bot.toml"), {"dry_run": True, "min_profit_usd": "5"})
    config.min_profit_micro_usd   # 5_000_000
    describe_config(config)       # each setting, its value and where it came from

`load_config` is the only way in for the environment and files: `make_config(values)` and
`BotConfig(**values)` read neither, so tests and demo code get exactly the values they give.

USD thresholds are Decimal at this edge and reach the rest of the bot as integers (micro-USD, wei).
TOML floats are read as Decimal, never as binary floats; Python floats are refused for money fields.
A bad value raises ConfigError naming the setting, where it came from, the value and the fix.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from bot.errors import AddressBookError, ConfigError
from bot.execution.deployments import DEFAULT_PATH as DEFAULT_DEPLOYMENTS_PATH
from bot.ops.units import scaled_exact, usd_to_micro

PROJECT_ROOT = Path(__file__).resolve().parents[2]
"""The repository root: relative paths from the environment, defaults and code are resolved here."""
DATA_DIR = PROJECT_ROOT / ".data"
"""Where the bot keeps its journal and control files unless told otherwise."""
DEFAULT_JOURNAL_URL = f"sqlite:///{DATA_DIR / 'journal.sqlite'}"
DEFAULT_CONTROL_DIR = DATA_DIR / "control"
DEFAULT_DISCOVERY_CACHE_DIR = PROJECT_ROOT / ".cache" / "discovery"
CHAIN_ID = 137
ENV_PREFIX = "FLASHARB_"
"""Environment variables FLASHARB_<SETTING> (any case) set the setting of that name."""
NO_CAP_WORDS = ("off", "none", "no")
"""Words that turn the max_profit_usd cap off (TOML and environment variables have no null)."""
MAX_TRADES_PER_BLOCK = 10

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

# Constrained types: the constraint is the type's metadata, checked by pydantic.
Usd = Annotated[Decimal, Field(decimal_places=6, allow_inf_nan=False)]
"""A USD amount with at most micro-USD precision."""
Gwei = Annotated[Decimal, Field(decimal_places=9, allow_inf_nan=False)]
"""An amount of gwei that is a whole number of wei."""
Matic = Annotated[Decimal, Field(decimal_places=18, allow_inf_nan=False)]
"""An amount of MATIC that is a whole number of wei."""
PoolId = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^0x[0-9a-fA-F]{64}$")
]
"""A Balancer Vault pool id: 0x and 64 hex digits (stored in lower case)."""
NetworkChoice = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]+(:[a-z0-9_-]+){0,2}$")]
"""An ape network choice, ecosystem:network[:provider]."""
HostName = Annotated[str, StringConstraints(pattern=r"^\S+$")]
"""A host name or address: not empty, no spaces."""
AccountAlias = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""An ape account alias."""


class LenderSource(StrEnum):
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
    "alert_loss_usd",
)
_LIST_FIELDS = ("lenders", "tokens", "balancer_pool_ids")
_PATH_FIELDS = ("deployments_path", "control_dir", "discovery_cache_dir")

FIXES: dict[str, str] = {
    "network": 'use "ecosystem:network[:provider]" on Polygon, e.g. "polygon:replica:node"',
    "account": "give an ape account alias (`ape accounts list`); import keys with `ape accounts import`",
    "dry_run": "use true or false",
    "once": "use true or false",
    "json_output": "use true or false",
    "min_profit_usd": (
        "use a non-negative USD amount with at most 6 decimals, below max_profit_usd, as a string or "
        'integer (e.g. "3")'
    ),
    "max_profit_usd": ('use a USD amount above min_profit_usd (string or integer), or "off" for no cap'),
    "max_gas_price_gwei": 'use a positive amount of gwei with at most 9 decimals, e.g. "500"',
    "priority_fee_gwei": (
        'use a non-negative amount of gwei with at most 9 decimals, not above max_gas_price_gwei, e.g. "30"'
    ),
    "max_trades_per_block": f"use an integer from 1 to {MAX_TRADES_PER_BLOCK}",
    "min_profit_tolerance_bps": "use whole basis points from 0 to 10000, e.g. 100 (1 %)",
    "hop_tolerance_bps": "use whole basis points from 0 to 10000, e.g. 10 (0.1 %)",
    "balancer_pool_ids": (
        'list Balancer Vault pool ids, each "0x" and 64 hex digits, each once (a TOML array, or '
        "comma-separated in an environment variable)"
    ),
    "deployments_path": "use the path of the deployments file written by `ape run deploy --deployments`",
    "lenders": (
        'list one or more of "aave", "balancer", "flash_swap", each once (a TOML array, or '
        "comma-separated, e.g. aave,balancer)"
    ),
    "tokens": "list token symbols of the Polygon address book, each once (or none for all of them)",
    "journal_url": 'use an SQLAlchemy URL, e.g. "sqlite:////path/journal.sqlite" or "postgresql://user@host/db"',
    "metrics_host": "use an interface address such as 127.0.0.1",
    "metrics_port": "use a TCP port 1-65535, or 0 to turn metrics off",
    "console_host": "use an interface address such as 127.0.0.1 (0.0.0.0 exposes the console to the network)",
    "console_port": "use a TCP port 1-65535, or 0 to turn the web console off",
    "alert_format": 'use "generic", "discord" or "telegram"',
    "alert_chat_id": "use the Telegram chat id the alerts go to (e.g. -1001234567890)",
    "alert_loss_usd": 'use a positive USD amount with at most 6 decimals as a string or integer, e.g. "10"',
    "breaker_max_failures": "use an integer of at least 1",
    "breaker_loss_limit_usd": (
        'use a positive USD amount with at most 6 decimals as a string or integer, e.g. "20"'
    ),
    "low_gas_balance_matic": 'use a non-negative MATIC amount with at most 18 decimals as a string, e.g. "5"',
    "control_dir": "use a directory path the bot may create and write",
    "discovery_cache_dir": "use a directory path the bot may create and write",
    "log_scan_chunk_blocks": "use a positive number of blocks per eth_getLogs request, e.g. 10000",
    "max_hops": "use 2, 3 or 4 (swaps per cycle at most)",
    "max_cycles": "use a positive whole number of cycles, e.g. 1000000",
    "poll_interval_s": "use a number of seconds above 0 and at most 60",
    "breaker_max_send_errors": "use an integer of at least 1",
    "rpc_timeout_s": "use a number of seconds above 0 and at most 60 (well under a block: 1-2 s)",
    "rpc_block_budget_s": "use a number of seconds above 0 and at most 600",
    "new_heads": 'use "auto", "poll", or a ws:// or wss:// URL of the same node',
    "max_blocks": "use a positive integer, or leave it out to run until stopped",
    "log_level": "use one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
}

_PRIVATE_KEY = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")
_PASSWORD_IN_URL = re.compile(r"(://[^/:@]*:)[^@]*@")


@dataclass(frozen=True)
class Origin:
    """Where a setting's value came from."""

    kind: Literal["default", "file", "env", "command line", "code"]
    """default; file (`where` = the TOML file as given); env (`where` = the variable); command line;
    code (given to make_config or BotConfig directly)."""
    where: str = ""

    def __str__(self) -> str:
        return f"{self.kind} {self.where}" if self.where else self.kind


DEFAULT = Origin("default")
COMMAND_LINE = Origin("command line")
CODE = Origin("code")


class BotConfig(BaseSettings):
    """Everything the bot takes. Unknown settings in a file or on the command line are errors, so a
    typo never silently does nothing.

    Build it with `load_config` (command line > FLASHARB_* environment > TOML file > defaults) or,
    from code and tests, with `make_config(values)` / `BotConfig(**values)`, which read no
    environment variable and no file."""

    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",
        use_attribute_docstrings=True,
        validate_default=True,
        env_prefix=ENV_PREFIX,
        env_ignore_empty=True,
        # Keys of the file and the command line must be spelled exactly like the fields; environment
        # variable names are matched in any case (see _EnvSource).
        case_sensitive=True,
    )

    network: NetworkChoice = "polygon:replica:node"
    """ape network choice: ecosystem:network[:provider]; the ecosystem must be polygon."""
    account: AccountAlias | None = None
    """Alias of the ape account that signs trades (an encrypted keystore). Required unless dry_run."""
    dry_run: bool = True
    """Paper trading: simulate and journal, never send. A live run must set it to false explicitly."""
    once: bool = False
    """Process one block, then stop."""
    json_output: bool = False
    """Print events as JSON lines instead of the live terminal view."""
    min_profit_usd: Usd = Field(default=Decimal(3), ge=0)
    """Smallest net profit (after loan fee and gas) worth sending, in USD."""
    max_profit_usd: Annotated[Usd, Field(gt=0)] | None = Decimal(30)
    """Largest believable net profit in USD: more is likely stale data or a trap, so it is skipped.
    None (or "off") turns the cap off."""
    max_gas_price_gwei: Gwei = Field(default=Decimal(500), gt=0)
    """Never send at a max fee per gas above this, in gwei."""
    priority_fee_gwei: Gwei = Field(default=Decimal(30), ge=0)
    """Tip per gas of every transaction, in gwei (Polygon's validators take 25-30 gwei). At most
    max_gas_price_gwei."""
    max_trades_per_block: int = Field(default=1, ge=1, le=MAX_TRADES_PER_BLOCK)
    """Opportunities sent per block at most (with disjoint pools, best first)."""
    min_profit_tolerance_bps: int = Field(default=100, ge=0, le=10_000)
    """Each trade's on-chain minProfit is its predicted profit less this many basis points of it (but
    at least its gas cost): a copy of the transaction cannot take more than this slice."""
    hop_tolerance_bps: int = Field(default=10, ge=0, le=10_000)
    """Each hop's on-chain minimum output is its exact quote less this many basis points: a front-run
    that moves a pool makes the trade revert at that hop, early and cheaply."""
    lenders: Annotated[tuple[LenderSource, ...], NoDecode] = Field(
        default=(LenderSource.AAVE, LenderSource.BALANCER, LenderSource.FLASH_SWAP), min_length=1
    )
    """Sources of flash-loaned capital the bot may use (at least one)."""
    tokens: Annotated[tuple[str, ...], NoDecode] = ()
    """Symbols (from the Polygon address book) of the tokens to trade; empty means all of them.
    Aliases are accepted and stored as the book's symbol."""
    balancer_pool_ids: Annotated[tuple[PoolId, ...], NoDecode] = ()
    """Balancer V2 pool ids to trade (weighted or ComposableStable pools), added to the ones found from
    the Vault's PoolRegistered logs."""
    deployments_path: Path = DEFAULT_DEPLOYMENTS_PATH
    """The deployments file that says where FlashArb is on each chain (written by `ape run deploy`)."""
    journal_url: str = DEFAULT_JOURNAL_URL
    """SQLAlchemy URL of the journal database (SQLite file by default; PostgreSQL works too)."""
    metrics_host: HostName = "127.0.0.1"
    """Interface the Prometheus metrics endpoint listens on."""
    metrics_port: int = Field(default=0, ge=0, le=65535)
    """Port of the Prometheus metrics endpoint; 0 turns it off."""
    console_host: HostName = "127.0.0.1"
    """Interface the web console listens on (bot.console); keep 127.0.0.1 unless behind a TLS proxy."""
    console_port: int = Field(default=0, ge=0, le=65535)
    """Port of the web console (http://console_host:console_port/, token in FLASHARB_CONSOLE_TOKEN);
    0 turns it off."""
    alert_format: Literal["generic", "discord", "telegram"] = "generic"
    """Body of the alerts posted to FLASHARB_ALERT_WEBHOOK_URL (a secret, so never a setting; unset:
    no alerts) on a breaker trip, low executor gas, a stop, and a loss (bot.console.alerts)."""
    alert_chat_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] | None = None
    """The Telegram chat the alerts go to (alert_format "telegram")."""
    alert_loss_usd: Usd = Field(default=Decimal(10), gt=0)
    """A settled trade whose net result (profit less gas) is a loss of at least this many USD alerts."""
    breaker_max_failures: int = Field(default=3, ge=1)
    """Failed or reverted sends in a row that trip the circuit breaker."""
    breaker_loss_limit_usd: Usd = Field(default=Decimal(20), gt=0)
    """Net realised loss in USD (since the breaker was last reset) that trips it."""
    breaker_max_send_errors: int = Field(default=10, ge=1)
    """Refused or undeliverable broadcasts in a row (no transaction reached the chain, no money spent)
    that trip the circuit breaker; a separate, higher threshold than breaker_max_failures."""
    rpc_timeout_s: float = Field(default=2.0, gt=0, le=60)
    """Seconds one JSON-RPC request may take before it is abandoned (and retried): well under a block."""
    rpc_block_budget_s: float = Field(default=3.0, gt=0, le=600)
    """Seconds one block may spend waiting for the node, retries included: no retry starts that could
    end past it, and the block is skipped. 3 s is a block and a half on Polygon; an opportunity older
    than that is stale anyway, so a longer wait only delays the next block."""
    low_gas_balance_matic: Matic = Field(default=Decimal(5), ge=0)
    """Warn when the executor's native balance falls below this many MATIC."""
    control_dir: Path = DEFAULT_CONTROL_DIR
    """Directory of the control channel (commands in, status out) and the breaker's state."""
    discovery_cache_dir: Path = DEFAULT_DISCOVERY_CACHE_DIR
    """Where pool discovery keeps the event logs it scanned (per chain id and genesis hash), so a
    later start reads only the blocks since."""
    max_hops: int = Field(default=4, ge=2, le=4)
    """Swaps per arbitrage cycle at most (2-4). Cycles grow with the fourth power of the pools per
    token pair: at Polygon scale (600+ pools over 16 tokens) 3 keeps the cycle set in the hundreds of
    thousands instead of tens of millions."""
    max_cycles: int = Field(default=1_000_000, ge=1)
    """Arbitrage cycles the bot may watch at most: a start whose pools and tokens make more stops with
    a clear error (lower max_hops or trade fewer tokens) instead of spending minutes and gigabytes
    building them. Memory and each block's search time grow with the count."""
    log_scan_chunk_blocks: int = Field(default=10_000, ge=1)
    """Blocks per eth_getLogs request when discovery scans factory and Vault logs; a range the node
    refuses as too large is halved until it is served."""
    poll_interval_s: float = Field(default=0.5, gt=0, le=60)
    """Seconds between polls for a new block when no newHeads subscription is available."""
    new_heads: Annotated[str, StringConstraints(pattern=r"^(auto|poll|wss?://\S+)$")] = "auto"
    """How the bot learns of new blocks: "auto" (a newHeads subscription at the WebSocket URL of the
    RPC's host, port and path, falling back to polling), "poll", or the node's ws:// / wss:// URL
    (providers whose WebSocket endpoint differs from the HTTP one)."""
    max_blocks: int | None = Field(default=None, ge=1)
    """Stop after this many blocks (for demos); None runs until stopped."""
    log_level: LogLevel = "INFO"
    """Logging level of the bot's loggers."""

    _origins: dict[str, Origin] | None = PrivateAttr(default=None)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The one place that orders the sources: command line > environment > TOML file (then the
        defaults). Outside `load_config`, only the values given to the constructor count."""
        loading = _LOADING.get()
        if loading is None:
            return (init_settings,)
        sources: list[_TrackedSource] = [
            _CommandLineSource(settings_cls, loading.command_line),
            _EnvSource(settings_cls),
        ]
        if loading.path is not None:
            sources.append(_TomlFileSource(settings_cls, loading.path))
        loading.sources = sources
        return tuple(sources)

    @field_validator(*_MONEY_FIELDS, mode="before")
    @classmethod
    def _money_not_float(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, bool):
            raise ValueError("a boolean is not an amount")
        if isinstance(value, float):
            raise ValueError("binary floats are not exact; write the amount as a string or integer")
        if info.field_name == "max_profit_usd" and isinstance(value, str):
            if value.strip().lower() in NO_CAP_WORDS:
                return None
        return value

    @field_validator(*_LIST_FIELDS, mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        """A string (an environment variable, `--set`) is a JSON array or a comma-separated list."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not a JSON array ({exc.msg}); or separate the items by commas") from None
        return [item.strip() for item in text.split(",") if item.strip()]

    @field_validator("network")
    @classmethod
    def _polygon_only(cls, value: str) -> str:
        if value.split(":")[0] != "polygon":
            raise ValueError("FlashArb trades on Polygon only")
        return value

    @field_validator("account")
    @classmethod
    def _not_a_key(cls, value: str | None) -> str | None:
        if value is not None and _PRIVATE_KEY.match(value):
            # Never echo the value: it may be a secret (ConfigError hides it too).
            raise ValueError("looks like a raw private key; keys belong in an ape keystore, never in config")
        return value

    @field_validator("balancer_pool_ids")
    @classmethod
    def _pool_ids_once(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for index, pool_id in enumerate(value):
            if pool_id in value[:index]:
                raise ValueError(f"pool id {pool_id} is listed twice")
        return value

    @field_validator("lenders")
    @classmethod
    def _lenders_once(cls, value: tuple[LenderSource, ...]) -> tuple[LenderSource, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a lender is listed twice")
        return value

    @field_validator("tokens")
    @classmethod
    def _tokens(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            return value
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

    @field_validator(*_PATH_FIELDS)
    @classmethod
    def _anchored_path(cls, value: Path) -> Path:
        """Paths given in code: relative ones are relative to the repository root, never the cwd.
        (The sources of `load_config` resolve theirs first, each against its own base.)"""
        return _anchor(value, PROJECT_ROOT)

    @field_validator("journal_url")
    @classmethod
    def _journal_url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(value)
        except (ArgumentError, ValueError) as exc:
            raise ValueError(f"not an SQLAlchemy database URL ({exc})") from None
        return _anchor_sqlite(value, PROJECT_ROOT)

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _consistent(self) -> BotConfig:
        # Each message starts with the setting it blames, for ConfigError.
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

    @property
    def origins(self) -> dict[str, Origin]:
        """Where each setting came from. `load_config` records it; for a config built in code the
        settings given are `code` and the rest `default`."""
        if self._origins is not None:
            return dict(self._origins)
        return {name: CODE if name in self.model_fields_set else DEFAULT for name in type(self).model_fields}

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
        """sha256 of the settings (canonical JSON), recorded with each run in the journal. It covers
        the values only, not where they came from."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


SETTINGS: tuple[str, ...] = tuple(BotConfig.model_fields)
"""Every setting's name, in the model's order."""


# --- paths ----------------------------------------------------------------------------------------


def _anchor(path: Path, base: Path) -> Path:
    """`path` with `~` expanded, relative to `base` unless it is absolute."""
    path = path.expanduser()
    return path if path.is_absolute() else base / path


def _anchor_sqlite(url: str, base: Path) -> str:
    """`url` with the file of a relative `sqlite:///file` resolved against `base`; any other URL (and
    one SQLAlchemy cannot read, left to the validator to report) unchanged."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return url
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return url
    if database.startswith("file:") or ":///" not in url:
        return url
    prefix, rest = url.split(":///", 1)
    file, question, query = rest.partition("?")
    anchored = _anchor(Path(file), base)
    if anchored == Path(file):
        return url
    return f"{prefix}:///{anchored}{question}{query}"


def _anchor_values(values: Mapping[str, Any], base: Path) -> dict[str, Any]:
    """`values` with relative paths (path settings, a sqlite journal file) resolved against `base`."""
    anchored = dict(values)
    for name in _PATH_FIELDS:
        if isinstance(anchored.get(name), str | Path):
            anchored[name] = _anchor(Path(anchored[name]), base)
    if isinstance(anchored.get("journal_url"), str):
        anchored["journal_url"] = _anchor_sqlite(anchored["journal_url"], base)
    return anchored


# --- the sources of load_config ---------------------------------------------------------------------


class _CommandLineSource(InitSettingsSource):
    """The values the script collected from its options (None = not given). Relative paths are
    relative to the current directory, like any other shell argument."""

    def __init__(self, settings_cls: type[BaseSettings], values: Mapping[str, Any]) -> None:
        given = {key: value for key, value in values.items() if value is not None}
        super().__init__(settings_cls, init_kwargs=_anchor_values(given, Path.cwd()))
        self.supplied: frozenset[str] = frozenset()

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        self.supplied = frozenset(data)
        return data

    def origin(self, key: str) -> Origin:
        return COMMAND_LINE


class _EnvSource(EnvSettingsSource):
    """FLASHARB_<SETTING> environment variables, names in any case; empty ones count as unset. Lists
    are comma-separated or JSON (the fields carry NoDecode; BotConfig splits them). Variables with the
    prefix that name no setting are ignored: FLASHARB_POLYGON_RPC and friends serve other tools."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls, case_sensitive=False, env_prefix=ENV_PREFIX, env_ignore_empty=True)
        self.supplied: frozenset[str] = frozenset()

    def __call__(self) -> dict[str, Any]:
        data = _anchor_values(super().__call__(), PROJECT_ROOT)
        self.supplied = frozenset(data)
        return data

    def origin(self, key: str) -> Origin:
        return Origin("env", f"{ENV_PREFIX}{key}".upper())


class _TomlFileSource(TomlConfigSettingsSource):
    """The TOML file, floats read as Decimal; relative paths are relative to the file's directory.
    Unknown keys are passed on, so validation reports them (extra="forbid")."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        self.path = path
        super().__init__(settings_cls, toml_file=path)
        self.init_kwargs = _anchor_values(self.init_kwargs, path.resolve().parent)
        self.supplied: frozenset[str] = frozenset()

    def _read_file(self, file_path: Path | Traversable) -> dict[str, Any]:
        return read_file(file_path if isinstance(file_path, Path) else self.path)

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        self.supplied = frozenset(data)
        return data

    def origin(self, key: str) -> Origin:
        return Origin("file", str(self.path))


_TrackedSource = _CommandLineSource | _EnvSource | _TomlFileSource
"""The sources of load_config: each remembers the settings it supplied (`supplied`) and says where
they came from (`origin(key)`)."""


@dataclass
class _Loading:
    """What one `load_config` call hands to `settings_customise_sources`, and gets back from it."""

    path: Path | None
    command_line: Mapping[str, Any]
    sources: list[_TrackedSource] = field(default_factory=list)

    def origins(self) -> dict[str, Origin]:
        """Each key any source supplied (unknown keys too), from the source that wins it."""
        origins: dict[str, Origin] = {}
        for source in self.sources:  # highest precedence first
            for key in sorted(source.supplied):
                origins.setdefault(key, source.origin(key))
        return origins


_LOADING: ContextVar[_Loading | None] = ContextVar("flasharb_config_loading", default=None)


@contextmanager
def _loading(path: Path | None, command_line: Mapping[str, Any]) -> Iterator[_Loading]:
    loading = _Loading(path, command_line)
    token = _LOADING.set(loading)
    try:
        yield loading
    finally:
        _LOADING.reset(token)


# --- errors ---------------------------------------------------------------------------------------


def _shown(value: object) -> str:
    return repr(str(value)) if isinstance(value, Decimal | Path) else repr(value)


def _describe(error: ValidationError, origins: Mapping[str, Origin] | None = None) -> str:
    """One line per error: setting (source): what is wrong (got value); fix: how to put it right."""
    origins = origins or {}
    lines = []
    for item in error.errors():
        location = [str(part) for part in item["loc"]]
        message = item["msg"].removeprefix("Value error, ")
        if location:
            name, shown = location[0], _shown(item.get("input"))
        else:  # a check across fields: the message starts with the field it blames
            name, _, message = message.partition(": ")
            shown = ""
        where = ".".join(location) or name
        origin = origins.get(name)
        if origin is not None and origin != CODE:
            where = f"{where} ({origin})"
        if item["type"] == "extra_forbidden":
            lines.append(f"{where}: unknown setting; valid settings: {', '.join(SETTINGS)}")
            continue
        if name == "account" and location:
            shown = "<hidden>"  # it may be a secret
        elif name == "journal_url":
            shown = _PASSWORD_IN_URL.sub(r"\1***@", shown)
        fix = FIXES.get(name, "see the field's description in bot/ops/config.py")
        got = f" (got {shown})" if shown else ""
        lines.append(f"{where}: {message}{got}; fix: {fix}")
    return "invalid bot configuration:\n  " + "\n  ".join(lines)


# --- building ---------------------------------------------------------------------------------------


def make_config(values: Mapping[str, Any]) -> BotConfig:
    """A BotConfig from `values` and the defaults only: no environment variable, no file (so tests and
    demo code get exactly what they ask for). ConfigError names each bad field, its value and the fix.
    Relative paths are relative to the repository root."""
    try:
        return BotConfig.model_validate(dict(values))
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def read_file(path: Path) -> dict[str, Any]:
    """The settings in the TOML file at `path` (floats read as Decimal), as written."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror}") from None
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def load_config(path: Path | None = None, overrides: Mapping[str, Any] | None = None) -> BotConfig:
    """The bot's settings: `overrides` (the command-line values; None means not given) over
    FLASHARB_* environment variables over the TOML file at `path` (if given) over the defaults.
    `config.origins` (and `describe_config`) tell where each value came from."""
    if path is not None:
        path = path.expanduser()
        if not path.is_file():
            reason = "it is a directory" if path.is_dir() else "no such file"
            raise ConfigError(f"cannot read the config file {path}: {reason}")
    with _loading(path, overrides or {}) as loading:
        try:
            config = BotConfig()
        except ValidationError as exc:
            raise ConfigError(_describe(exc, loading.origins())) from None
        except SettingsError as exc:  # a source could not read a value at all
            raise ConfigError(f"invalid bot configuration: {exc}") from None
    origins = loading.origins()
    config._origins = {name: origins.get(name, DEFAULT) for name in SETTINGS}
    return config


# --- showing -----------------------------------------------------------------------------------------


def describe_config_dict(
    config: BotConfig, origins: Mapping[str, Origin] | None = None
) -> dict[str, dict[str, Any]]:
    """{setting: {"value": JSON value, "source": "default" | "file <path>" | "env FLASHARB_X" |
    "command line" | "code"}} for every setting, in the model's order. The journal's password is
    masked. `origins` defaults to `config.origins`."""
    origins = config.origins if origins is None else origins
    values = config.model_dump(mode="json")
    values["journal_url"] = _PASSWORD_IN_URL.sub(r"\1***@", values["journal_url"])
    return {name: {"value": values[name], "source": str(origins.get(name, DEFAULT))} for name in SETTINGS}


def _cell(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(item) for item in value) if value else "[]"
    return str(value)


def describe_config(config: BotConfig, origins: Mapping[str, Origin] | None = None) -> str:
    """The effective settings as a text table `setting  value  source` (for `--show-config`)."""
    rows = [("setting", "value", "source")]
    table = describe_config_dict(config, origins)
    rows += [(name, _cell(item["value"]), item["source"]) for name, item in table.items()]
    widths = [max(len(row[column]) for row in rows) for column in (0, 1)]
    return "\n".join(f"{name:<{widths[0]}}  {value:<{widths[1]}}  {source}" for name, value, source in rows)


def parse_setting_name(key: str) -> str:
    """`key` as a setting name (dashes accepted for underscores); ConfigError listing the valid ones."""
    name = key.strip().replace("-", "_")
    if name not in SETTINGS:
        shown = key.strip() or "<empty key>"
        raise ConfigError(f"{shown}: unknown setting; valid settings: {', '.join(SETTINGS)}")
    return name
