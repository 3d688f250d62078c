"""BotConfig: defaults, the sources of load_config (command line > FLASHARB_* environment > TOML file >
defaults) and where each value came from, path resolution per source, `--set`, and a ConfigError
naming the setting, its source and the fix for each bad value."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.errors import ConfigError
from bot.execution.deployments import DEFAULT_PATH as DEFAULT_DEPLOYMENTS_PATH
from bot.ops.config import (
    DEFAULT_JOURNAL_URL,
    ENV_PREFIX,
    PROJECT_ROOT,
    SETTINGS,
    BotConfig,
    LenderSource,
    Origin,
    describe_config,
    describe_config_dict,
    load_config,
    make_config,
    read_file,
)
from bot.runtime.cli_support import build_config, parse_set_options

EXAMPLE = PROJECT_ROOT / "bot.example.toml"
COMMAND_LINE_ONLY = {"network", "once", "json_output", "max_blocks"}
"""Settings that only make sense per invocation, so the example file leaves them out."""
POOL_ID = "0x" + "ab" * 32


@pytest.fixture(autouse=True)
def _no_setting_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's shell must not change what these tests see: drop FLASHARB_<setting> variables
    (other FLASHARB_* variables, such as the RPC URLs, stay)."""
    for name in list(os.environ):
        if name.upper().startswith(ENV_PREFIX) and name[len(ENV_PREFIX) :].lower() in SETTINGS:
            monkeypatch.delenv(name)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _error(call: Any, *args: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        call(*args)
    return str(caught.value)


def _line(message: str, setting: str) -> str:
    """The error line about `setting`."""
    return next(line.strip() for line in message.splitlines() if line.strip().startswith(setting))


# --- defaults and values given in code ------------------------------------------------------------


def test_defaults() -> None:
    config = BotConfig()
    assert config.dry_run is True  # a live run must be asked for
    assert config.min_profit_usd == Decimal(3) and config.min_profit_micro_usd == 3_000_000
    assert config.max_profit_usd == Decimal(30) and config.max_profit_micro_usd == 30_000_000
    assert config.max_gas_price_wei == 500 * 10**9
    assert config.low_gas_balance_wei == 5 * 10**18
    assert config.breaker_loss_limit_micro_usd == 20_000_000
    assert config.lenders == (LenderSource.AAVE, LenderSource.BALANCER, LenderSource.FLASH_SWAP)
    assert config.journal_url == DEFAULT_JOURNAL_URL and config.journal_url.startswith("sqlite:////")
    assert config.metrics_port == 0
    assert config.priority_fee_gwei == Decimal(30) and config.priority_fee_wei == 30 * 10**9
    assert config.max_trades_per_block == 1 and config.balancer_pool_ids == ()
    assert config.deployments_path == DEFAULT_DEPLOYMENTS_PATH and config.deployments_path.is_absolute()
    assert config.control_dir == PROJECT_ROOT / ".data" / "control"
    assert "WMATIC" in config.trade_tokens() and "USDC.e" in config.trade_tokens()
    assert set(config.origins.values()) == {Origin("default")}


def test_code_never_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASHARB_MIN_PROFIT_USD", "9")
    monkeypatch.setenv("FLASHARB_LENDERS", "aave")
    for config in (BotConfig(), make_config({}), make_config({"max_gas_price_gwei": "400"})):
        assert config.min_profit_usd == Decimal(3) and len(config.lenders) == 3
    assert load_config().min_profit_usd == Decimal(9)  # load_config is the door to the environment
    given = make_config({"max_gas_price_gwei": "400"}).origins
    assert given["max_gas_price_gwei"] == Origin("code") and given["min_profit_usd"] == Origin("default")


def test_max_profit_none_or_off_turns_the_cap_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert make_config({"max_profit_usd": None, "min_profit_usd": "1000"}).max_profit_micro_usd is None
    assert make_config({"max_profit_usd": "Off"}).max_profit_micro_usd is None
    path = _write(tmp_path / "bot.toml", 'max_profit_usd = "off"\n')
    assert load_config(path).max_profit_usd is None
    monkeypatch.setenv("FLASHARB_MAX_PROFIT_USD", "none")
    assert load_config().max_profit_usd is None


# --- the file and the precedence of the sources ----------------------------------------------------


def test_file_then_overrides(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "bot.toml",
        'min_profit_usd = 4.25\nmax_profit_usd = "50"\ntokens = ["wpol", "USDC.e", "WETH"]\n'
        'lenders = ["balancer"]\nlog_level = "debug"\nmetrics_port = 9464\n'
        'low_gas_balance_matic = "0.000000000000000001"\n',
    )
    config = load_config(path, {"min_profit_usd": "5", "metrics_port": None, "once": True})
    assert config.min_profit_micro_usd == 5_000_000  # the override wins
    assert config.max_profit_micro_usd == 50_000_000  # from the file
    assert config.metrics_port == 9464  # a None override does not mask the file
    assert config.once is True
    assert config.tokens == ("WMATIC", "USDC.e", "WETH")  # aliases resolved to the book's symbols
    assert config.lenders == (LenderSource.BALANCER,)
    assert config.log_level == "DEBUG"
    assert config.low_gas_balance_wei == 1


def test_toml_floats_are_read_exactly(tmp_path: Path) -> None:
    path = _write(tmp_path / "bot.toml", "min_profit_usd = 0.1\nmax_profit_usd = 0.3\n")
    config = load_config(path)
    assert config.min_profit_micro_usd == 100_000 and config.max_profit_micro_usd == 300_000
    assert read_file(path)["min_profit_usd"] == Decimal("0.1")


def test_precedence_command_line_over_env_over_file_over_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(
        tmp_path / "bot.toml",
        'min_profit_usd = "4"\nmax_gas_price_gwei = "400"\nmetrics_port = 9100\nlog_level = "ERROR"\n',
    )
    monkeypatch.setenv("FLASHARB_MAX_GAS_PRICE_GWEI", "300")
    monkeypatch.setenv("FLASHARB_METRICS_PORT", "9200")
    monkeypatch.setenv("FLASHARB_BREAKER_MAX_FAILURES", "7")
    config = load_config(path, {"metrics_port": 9300, "log_level": None})
    assert config.min_profit_usd == Decimal(4)  # file only
    assert config.max_gas_price_gwei == Decimal(300)  # env beats the file
    assert config.metrics_port == 9300  # the command line beats env and file
    assert config.breaker_max_failures == 7  # env beats the default
    assert config.log_level == "ERROR"  # an unset command-line value leaves the file's
    assert config.origins["min_profit_usd"] == Origin("file", str(path))
    assert config.origins["max_gas_price_gwei"] == Origin("env", "FLASHARB_MAX_GAS_PRICE_GWEI")
    assert config.origins["metrics_port"] == Origin("command line")
    assert config.origins["breaker_max_failures"] == Origin("env", "FLASHARB_BREAKER_MAX_FAILURES")
    assert config.origins["log_level"] == Origin("file", str(path))
    assert config.origins["poll_interval_s"] == Origin("default")


VALID_TEXT: dict[str, str] = {
    "network": "polygon:mainnet:node",
    "account": "arb-bot",
    "dry_run": "false",
    "once": "true",
    "json_output": "true",
    "min_profit_usd": "4.5",
    "max_profit_usd": "45",
    "max_gas_price_gwei": "400",
    "priority_fee_gwei": "31.5",
    "max_trades_per_block": "2",
    "lenders": "balancer,flash_swap",
    "tokens": "wpol,WETH",
    "balancer_pool_ids": POOL_ID,
    "deployments_path": "/srv/flasharb/deployments.json",
    "journal_url": "postgresql://trader@db/flasharb",
    "metrics_host": "0.0.0.0",
    "metrics_port": "9108",
    "console_host": "::1",
    "console_port": "8088",
    "alert_format": "discord",
    "alert_chat_id": "-1001234567890",
    "alert_loss_usd": "12.5",
    "breaker_max_failures": "5",
    "breaker_loss_limit_usd": "25",
    "breaker_max_send_errors": "20",
    "rpc_timeout_s": "1.5",
    "rpc_block_budget_s": "6",
    "low_gas_balance_matic": "2.5",
    "control_dir": "/srv/flasharb/control",
    "discovery_cache_dir": "/srv/flasharb/discovery",
    "log_scan_chunk_blocks": "2000",
    "max_hops": "3",
    "max_cycles": "250000",
    "poll_interval_s": "1.5",
    "min_profit_tolerance_bps": "250",
    "hop_tolerance_bps": "0",
    "new_heads": "wss://polygon.example/ws",
    "max_blocks": "7",
    "log_level": "debug",
}
"""A non-default value for every setting, written as text (environment variable, --set, TOML string)."""


def _check_every_setting(config: BotConfig, origin_of: Any) -> None:
    """Each setting took the VALID_TEXT value (none is the default), and `origin_of(name)` is its source."""
    defaults = BotConfig()
    for name in SETTINGS:
        assert getattr(config, name) != getattr(defaults, name), name
        assert config.origins[name] == origin_of(name), name
    assert config.lenders == (LenderSource.BALANCER, LenderSource.FLASH_SWAP)
    assert config.tokens == ("WMATIC", "WETH") and config.balancer_pool_ids == (POOL_ID,)
    assert config.priority_fee_wei == 31_500_000_000 and config.low_gas_balance_wei == 25 * 10**17
    assert config.max_blocks == 7 and config.log_level == "DEBUG" and config.dry_run is False


def test_every_setting_is_reachable_from_each_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(VALID_TEXT) == set(SETTINGS), "add the new setting to VALID_TEXT"
    lines = [f"{name} = {json.dumps(text)}\n" for name, text in VALID_TEXT.items()]
    path = _write(tmp_path / "bot.toml", "".join(lines))
    _check_every_setting(load_config(path), lambda name: Origin("file", str(path)))
    _check_every_setting(load_config(None, VALID_TEXT), lambda name: Origin("command line"))
    given = parse_set_options([f"{name}={text}" for name, text in VALID_TEXT.items()])
    _check_every_setting(load_config(None, given), lambda name: Origin("command line"))
    for name, text in VALID_TEXT.items():
        monkeypatch.setenv(f"FLASHARB_{name.upper()}", text)
    # The environment wins over the same file.
    _check_every_setting(load_config(path), lambda name: Origin("env", f"FLASHARB_{name.upper()}"))


def test_env_lists_are_comma_separated_or_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASHARB_LENDERS", " aave , balancer ")
    monkeypatch.setenv("FLASHARB_TOKENS", '["wpol", "WETH"]')
    other = "0x" + "CD" * 32
    monkeypatch.setenv("FLASHARB_BALANCER_POOL_IDS", f"{POOL_ID},{other}")
    config = load_config()
    assert config.lenders == (LenderSource.AAVE, LenderSource.BALANCER)
    assert config.tokens == ("WMATIC", "WETH")
    assert config.balancer_pool_ids == (POOL_ID, other.lower())
    monkeypatch.setenv("FLASHARB_LENDERS", "flash_swap")  # one item, no comma
    assert load_config().lenders == (LenderSource.FLASH_SWAP,)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (",", "at least 1 item"),
        ("aave,compound", "'aave', 'balancer' or 'flash_swap'"),
        ("aave,aave", "listed twice"),
        ('["aave",', "not a JSON array"),
    ],
)
def test_bad_env_lists_name_the_variable(monkeypatch: pytest.MonkeyPatch, text: str, fragment: str) -> None:
    monkeypatch.setenv("FLASHARB_LENDERS", text)
    line = _line(_error(load_config), "lenders")
    assert line.startswith("lenders") and "(env FLASHARB_LENDERS)" in line and fragment in line
    assert "fix:" in line


def test_other_flasharb_variables_and_empty_ones_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASHARB_POLYGON_RPC", "http://127.0.0.1:8545")
    monkeypatch.setenv("FLASHARB_REPLICA_RPC", "http://127.0.0.1:8546")
    monkeypatch.setenv("FLASHARB_CONSOLE_TOKEN", "s3cret")
    monkeypatch.setenv("FLASHARB_ACCOUNT", "")  # empty counts as unset
    config = load_config()
    assert config.account is None and config.origins["account"] == Origin("default")
    assert "s3cret" not in describe_config(config)


def test_env_names_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("flasharb_min_profit_usd", "6")
    config = load_config()
    assert config.min_profit_usd == Decimal(6)
    assert config.origins["min_profit_usd"] == Origin("env", "FLASHARB_MIN_PROFIT_USD")


# --- relative paths -----------------------------------------------------------------------------------


def test_relative_paths_in_the_file_are_relative_to_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(
        tmp_path / "conf" / "bot.toml",
        'deployments_path = "records/deployments.json"\ncontrol_dir = "ctl"\n'
        'journal_url = "sqlite:///db/journal.sqlite?timeout=5"\n',
    )
    monkeypatch.chdir(_write(tmp_path / "elsewhere" / "x", "").parent)
    config = load_config(Path("../conf/bot.toml"))  # the file itself is found from the cwd
    conf = (tmp_path / "conf").resolve()
    assert config.deployments_path == conf / "records" / "deployments.json"
    assert config.control_dir == conf / "ctl"
    assert config.journal_url == f"sqlite:///{conf / 'db' / 'journal.sqlite'}?timeout=5"
    assert config.origins["control_dir"] == Origin("file", "../conf/bot.toml")
    assert path.is_file()


def test_relative_paths_from_env_and_code_are_relative_to_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # never the process's cwd
    monkeypatch.setenv("FLASHARB_DEPLOYMENTS_PATH", "records/deployments.json")
    monkeypatch.setenv("FLASHARB_CONTROL_DIR", "ctl")
    monkeypatch.setenv("FLASHARB_JOURNAL_URL", "sqlite:///db/journal.sqlite")
    config = load_config()
    assert config.deployments_path == PROJECT_ROOT / "records" / "deployments.json"
    assert config.control_dir == PROJECT_ROOT / "ctl"
    assert config.journal_url == f"sqlite:///{PROJECT_ROOT / 'db' / 'journal.sqlite'}"
    given = make_config(
        {"control_dir": "ctl", "journal_url": "sqlite:///j.sqlite", "deployments_path": "d.json"}
    )
    assert given.control_dir == PROJECT_ROOT / "ctl" and given.deployments_path == PROJECT_ROOT / "d.json"
    assert given.journal_url == f"sqlite:///{PROJECT_ROOT / 'j.sqlite'}"


def test_relative_paths_on_the_command_line_are_relative_to_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "conf" / "bot.toml", 'control_dir = "from-file"\n')
    monkeypatch.chdir(tmp_path)
    config = load_config(
        path,
        {"deployments_path": Path("d.json"), "control_dir": "ctl", "journal_url": "sqlite:///j.sqlite"},
    )
    assert config.deployments_path == tmp_path / "d.json"
    assert config.control_dir == tmp_path / "ctl"
    assert config.journal_url == f"sqlite:///{tmp_path / 'j.sqlite'}"


def test_absolute_home_and_non_file_urls_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    config = make_config({"control_dir": "~/ctl", "deployments_path": tmp_path / "d.json"})
    assert config.control_dir == tmp_path / "ctl" and config.deployments_path == tmp_path / "d.json"
    for url in ("sqlite:////srv/j.sqlite", "sqlite:///:memory:", "postgresql://u@db/flasharb"):
        assert make_config({"journal_url": url}).journal_url == url


# --- bad values -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "fragment"),
    [
        ({"min_profit_usd": "40"}, "min_profit_usd", "must be below max_profit_usd"),
        ({"min_profit_usd": "-1"}, "min_profit_usd", "greater than or equal to 0"),
        ({"min_profit_usd": 3.5}, "min_profit_usd", "binary floats"),
        ({"min_profit_usd": True}, "min_profit_usd", "a boolean is not an amount"),
        ({"min_profit_usd": "three"}, "min_profit_usd", "valid decimal"),
        ({"min_profit_usd": "NaN"}, "min_profit_usd", "finite number"),
        ({"min_profit_usd": "0.0000001"}, "min_profit_usd", "no more than 6 decimal places"),
        ({"max_profit_usd": "0"}, "max_profit_usd", "greater than 0"),
        ({"max_gas_price_gwei": "0"}, "max_gas_price_gwei", "greater than 0"),
        ({"max_gas_price_gwei": "1.0000000001"}, "max_gas_price_gwei", "no more than 9 decimal places"),
        ({"priority_fee_gwei": "-1"}, "priority_fee_gwei", "greater than or equal to 0"),
        ({"priority_fee_gwei": 30.5}, "priority_fee_gwei", "binary floats"),
        ({"priority_fee_gwei": "0.0000000001"}, "priority_fee_gwei", "no more than 9 decimal places"),
        ({"priority_fee_gwei": "60", "max_gas_price_gwei": "50"}, "priority_fee_gwei", "could never be paid"),
        ({"max_trades_per_block": 0}, "max_trades_per_block", "greater than or equal to 1"),
        ({"max_trades_per_block": 11}, "max_trades_per_block", "less than or equal to 10"),
        ({"balancer_pool_ids": ["0x1234"]}, "balancer_pool_ids", "should match pattern"),
        (
            {"balancer_pool_ids": [POOL_ID, POOL_ID.upper().replace("0X", "0x")]},
            "balancer_pool_ids",
            "listed twice",
        ),
        ({"lenders": []}, "lenders", "at least 1 item"),
        ({"lenders": ["aave", "aave"]}, "lenders", "listed twice"),
        ({"lenders": ["compound"]}, "lenders", "'aave', 'balancer' or 'flash_swap'"),
        ({"tokens": ["DOGE"]}, "tokens", "unknown token symbol 'DOGE'; valid symbols: WMATIC"),
        ({"tokens": ["WMATIC", "wpol"]}, "tokens", "listed twice"),
        ({"journal_url": "not a url"}, "journal_url", "not an SQLAlchemy database URL"),
        ({"metrics_port": 70000}, "metrics_port", "less than or equal to 65535"),
        ({"metrics_port": -1}, "metrics_port", "greater than or equal to 0"),
        ({"metrics_host": "two words"}, "metrics_host", "should match pattern"),
        ({"breaker_max_failures": 0}, "breaker_max_failures", "greater than or equal to 1"),
        ({"breaker_loss_limit_usd": "0"}, "breaker_loss_limit_usd", "greater than 0"),
        ({"low_gas_balance_matic": "0.0000000000000000001"}, "low_gas_balance_matic", "no more than 18"),
        ({"low_gas_balance_matic": "-2"}, "low_gas_balance_matic", "greater than or equal to 0"),
        ({"poll_interval_s": 0}, "poll_interval_s", "greater than 0"),
        ({"max_blocks": 0}, "max_blocks", "greater than or equal to 1"),
        ({"log_level": "loud"}, "log_level", "'DEBUG', 'INFO'"),
        ({"network": "ethereum:mainnet"}, "network", "Polygon only"),
        ({"network": "polygon mainnet"}, "network", "should match pattern"),
        ({"account": "  "}, "account", "at least 1 character"),
        ({"dry_run": False}, "account", "live run"),
        ({"dry_run": "maybe"}, "dry_run", "valid boolean"),
        ({"colour": "blue"}, "colour", "unknown setting; valid settings: network"),
    ],
)
def test_bad_values_name_the_field_and_the_fix(values: dict[str, Any], field: str, fragment: str) -> None:
    message = _error(make_config, values)
    line = _line(message, field)
    assert fragment in line
    if "unknown setting" not in line:
        assert "fix:" in line


@pytest.mark.parametrize("source", ["file", "env", "command line"])
def test_errors_name_where_the_value_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    path = _write(tmp_path / "bot.toml", "max_trades_per_block = 2\n")
    overrides: dict[str, Any] = {}
    if source == "file":
        path.write_text('min_profit_usd = "-1"\n')
        where = f"(file {path})"
    elif source == "env":
        monkeypatch.setenv("FLASHARB_MIN_PROFIT_USD", "-1")
        where = "(env FLASHARB_MIN_PROFIT_USD)"
    else:
        overrides["min_profit_usd"] = "-1"
        where = "(command line)"
    line = _line(_error(load_config, path, overrides), "min_profit_usd")
    assert line.startswith(f"min_profit_usd {where}: ")
    assert "(got '-1')" in line and "fix: use a non-negative USD amount" in line


def test_cross_field_errors_name_the_source_of_the_setting_they_blame(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLASHARB_MIN_PROFIT_USD", "40")
    line = _line(_error(load_config), "min_profit_usd")
    assert line.startswith("min_profit_usd (env FLASHARB_MIN_PROFIT_USD): 40 must be below max_profit_usd")
    assert "fix:" in line


def test_unknown_keys_in_the_file_or_command_line_are_errors(tmp_path: Path) -> None:
    path = _write(tmp_path / "bot.toml", 'colour = "blue"\nMin_Profit_USD = "5"\n[bot]\ndry_run = false\n')
    message = _error(load_config, path)
    for key in ("colour", "Min_Profit_USD", "bot"):  # keys are spelled exactly like the settings
        line = _line(message, key)
        assert line.startswith(f"{key} (file {path}): unknown setting; valid settings: network, account")
        assert all(name in line for name in SETTINGS)
    line = _line(_error(load_config, None, {"colour": "blue"}), "colour")
    assert line.startswith("colour (command line): unknown setting; valid settings:")


def test_private_key_is_refused_and_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "0x" + "4c" * 32
    message = _error(make_config, {"account": key})
    assert "private key" in message and key not in message and "4c4c4c" not in message
    monkeypatch.setenv("FLASHARB_ACCOUNT", key[2:])
    message = _error(load_config)
    assert "account (env FLASHARB_ACCOUNT): looks like a raw private key" in message
    assert "4c4c4c" not in message and "<hidden>" in message


def test_journal_password_is_masked_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    message = _error(make_config, {"journal_url": "postgresql://trader:hunter2@db:notaport/journal"})
    assert "journal_url: not an SQLAlchemy database URL" in message
    assert "hunter2" not in message and "trader:***@db" in message
    monkeypatch.setenv("FLASHARB_JOURNAL_URL", "postgresql://trader:hunter2@db:notaport/journal")
    message = _error(load_config)
    assert "journal_url (env FLASHARB_JOURNAL_URL): not an SQLAlchemy" in message and "hunter2" not in message


def test_live_run_with_an_account_is_valid() -> None:
    config = make_config({"dry_run": False, "account": " arb-bot "})
    assert config.account == "arb-bot" and not config.dry_run


def test_config_file_errors(tmp_path: Path) -> None:
    assert "cannot read the config file" in _error(load_config, tmp_path / "missing.toml")
    assert "it is a directory" in _error(load_config, tmp_path)
    broken = _write(tmp_path / "broken.toml", "min_profit_usd = = 3\n")
    assert "is not valid TOML" in _error(load_config, broken)


def test_config_hash_follows_the_settings_not_their_source(monkeypatch: pytest.MonkeyPatch) -> None:
    assert BotConfig().config_hash() == BotConfig().config_hash()
    assert BotConfig().config_hash() != make_config({"min_profit_usd": "4"}).config_hash()
    monkeypatch.setenv("FLASHARB_MIN_PROFIT_USD", "4")
    assert load_config().config_hash() == make_config({"min_profit_usd": "4"}).config_hash()


def test_runtime_settings_from_file_and_overrides(tmp_path: Path) -> None:
    pool_id = "0x" + "Ab" * 32
    path = _write(
        tmp_path / "bot.toml",
        f'priority_fee_gwei = "31.5"\nmax_trades_per_block = 3\nbalancer_pool_ids = ["{pool_id}"]\n'
        'deployments_path = "records/deployments.json"\n',
    )
    config = load_config(path, {"max_trades_per_block": 2})
    assert config.priority_fee_wei == 31_500_000_000
    assert config.max_trades_per_block == 2  # the override wins
    assert config.balancer_pool_ids == (pool_id.lower(),)
    assert config.deployments_path == tmp_path.resolve() / "records" / "deployments.json"
    assert config.config_hash() != load_config(path).config_hash()


# --- --show-config ----------------------------------------------------------------------------------


def _table(text: str) -> dict[str, tuple[str, str]]:
    """{setting: (value, source)} from describe_config's table (columns separated by 2+ spaces)."""
    header, *rows = text.splitlines()
    assert header.split() == ["setting", "value", "source"]
    table = {}
    for row in rows:
        name, value, source = (cell for cell in row.split("  ") if cell)
        table[name] = (value.strip(), source.strip())
    return table


def test_show_config_lists_every_setting_its_value_and_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "bot.toml", 'metrics_port = 9100\nlenders = ["aave", "balancer"]\n')
    monkeypatch.setenv("FLASHARB_MIN_PROFIT_USD", "5")
    monkeypatch.setenv("FLASHARB_JOURNAL_URL", "postgresql://trader:hunter2@db/flasharb")
    config = load_config(path, {"once": True, "max_profit_usd": "off"})
    text = describe_config(config)
    table = _table(text)
    assert list(table) == list(SETTINGS)
    assert table["min_profit_usd"] == ("5", "env FLASHARB_MIN_PROFIT_USD")
    assert table["metrics_port"] == ("9100", f"file {path}")
    assert table["lenders"] == ("aave,balancer", f"file {path}")
    assert table["once"] == ("true", "command line")
    assert table["max_profit_usd"] == ("none", "command line")
    assert table["log_level"] == ("INFO", "default")
    assert table["journal_url"] == ("postgresql://trader:***@db/flasharb", "env FLASHARB_JOURNAL_URL")
    assert "hunter2" not in text

    as_dict = describe_config_dict(config)
    assert json.loads(json.dumps(as_dict)) == as_dict  # JSON-able
    assert as_dict["min_profit_usd"] == {"value": "5", "source": "env FLASHARB_MIN_PROFIT_USD"}
    assert as_dict["lenders"] == {"value": ["aave", "balancer"], "source": f"file {path}"}
    assert as_dict["max_profit_usd"] == {"value": None, "source": "command line"}
    assert "hunter2" not in json.dumps(as_dict)


def test_show_config_of_a_config_built_in_code() -> None:
    table = _table(describe_config(make_config({"metrics_port": 9108})))
    assert table["metrics_port"] == ("9108", "code") and table["dry_run"] == ("true", "default")
    table = _table(describe_config(BotConfig(), {"dry_run": Origin("file", "x.toml")}))
    assert table["dry_run"] == ("true", "file x.toml") and table["once"] == ("false", "default")


# --- the command line: --set and build_config -----------------------------------------------------


def test_parse_set_options() -> None:
    assert parse_set_options(
        [
            "min_profit_usd=5",
            "tokens=WMATIC,USDC.e",
            "max-profit-usd=off",
            "journal_url=sqlite:///a=b.db",
            "account=",
        ]
    ) == {
        "min_profit_usd": "5",
        "tokens": "WMATIC,USDC.e",
        "max_profit_usd": "off",
        "journal_url": "sqlite:///a=b.db",
        "account": "",
    }
    assert parse_set_options([]) == {}


@pytest.mark.parametrize(
    ("items", "fragment"),
    [
        (["min_profit_usd"], "--set 'min_profit_usd': expected KEY=VALUE"),
        (["colour=blue"], "colour: unknown setting; valid settings: network, account, dry_run"),
        (["=5"], "<empty key>: unknown setting"),
        (["metrics_port=1", "metrics-port=2"], "--set metrics_port: given twice ('1' and '2')"),
    ],
)
def test_parse_set_options_errors(items: list[str], fragment: str) -> None:
    assert fragment in _error(parse_set_options, items)


SCRIPT_OPTIONS: dict[str, Any] = {
    "network": "polygon:replica:node",
    "account": None,
    "dry_run": None,
    "once": False,
    "json_output": False,
    "min_profit_usd": None,
    "max_profit_usd": None,
    "max_gas_gwei": None,
    "lenders": (),
    "max_blocks": None,
    "priority_fee_gwei": None,
    "max_trades_per_block": None,
    "balancer_pool_ids": (),
    "deployments_path": None,
}
"""What scripts/bot.py passes when no option is given."""


def test_build_config_without_options_leaves_settings_to_env_file_and_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "bot.toml", 'min_profit_usd = "4"\nonce = true\nlenders = ["aave"]\n')
    monkeypatch.setenv("FLASHARB_MAX_GAS_PRICE_GWEI", "300")
    config = build_config(path, **SCRIPT_OPTIONS)
    assert config.min_profit_usd == Decimal(4) and config.once is True  # an unset flag does not mask
    assert config.lenders == (LenderSource.AAVE,) and config.max_gas_price_gwei == Decimal(300)
    assert config.origins["network"] == Origin("command line")  # the connected network always wins
    assert config.origins["dry_run"] == Origin("default")


def test_build_config_options_and_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "bot.toml", 'max_profit_usd = "50"\nmetrics_port = 9100\n')
    monkeypatch.setenv("FLASHARB_METRICS_PORT", "9200")
    monkeypatch.chdir(tmp_path)
    config = build_config(
        path,
        **{
            **SCRIPT_OPTIONS,
            "max_profit_usd": "off",
            "lenders": ("balancer",),
            "deployments_path": Path("d.json"),
        },
        set_options=[
            "metrics_port=9300",
            "control_dir=ctl",
            "tokens=wpol,WETH",
            "dry_run=false",
            "account=bot",
        ],
    )
    assert config.max_profit_usd is None  # "off" beats the file's cap
    assert config.metrics_port == 9300  # --set beats env and file
    assert config.lenders == (LenderSource.BALANCER,) and config.tokens == ("WMATIC", "WETH")
    assert config.deployments_path == tmp_path / "d.json" and config.control_dir == tmp_path / "ctl"
    assert config.dry_run is False and config.account == "bot"
    assert {config.origins[name] for name in ("max_profit_usd", "metrics_port", "control_dir")} == {
        Origin("command line")
    }


def test_build_config_refuses_a_setting_given_twice_and_bad_set_items() -> None:
    message = _error(
        lambda: build_config(
            None, **{**SCRIPT_OPTIONS, "min_profit_usd": "5"}, set_options=["min_profit_usd=6"]
        )
    )
    assert (
        "min_profit_usd: given both by --min-profit-usd and by --set min_profit_usd=...; give it once"
        in message
    )
    message = _error(
        lambda: build_config(None, **SCRIPT_OPTIONS, set_options=["network=polygon:mainnet:node"])
    )
    assert "network: given both by --network" in message
    assert "unknown setting" in _error(lambda: build_config(None, **SCRIPT_OPTIONS, set_options=["colour=1"]))
    line = _line(
        _error(lambda: build_config(None, **SCRIPT_OPTIONS, set_options=["metrics_port=x"])), "metrics_port"
    )
    assert line.startswith("metrics_port (command line): Input should be a valid integer")


# --- the example file ---------------------------------------------------------------------------------


def _setting_lines(path: Path) -> list[str]:
    """The file's `key = value` lines, the commented-out examples (`# key = value`) uncommented."""
    lines = []
    for line in path.read_text().splitlines():
        body = line.removeprefix("# ")
        if "=" in body and body.split("=", 1)[0].strip() in SETTINGS:
            lines.append(body)
    return lines


def test_example_file_loads_and_states_the_defaults() -> None:
    stated = read_file(EXAMPLE)
    config = load_config(EXAMPLE)
    defaults = BotConfig()
    assert stated, "bot.example.toml states no setting"
    for name in stated:
        # Relative paths in the example are relative to its directory, the repository root.
        assert getattr(config, name) == getattr(defaults, name), name
        assert config.origins[name] == Origin("file", str(EXAMPLE))


def test_example_file_names_every_setting_and_its_commented_examples_are_valid(tmp_path: Path) -> None:
    lines = _setting_lines(EXAMPLE)
    named = {line.split("=", 1)[0].strip() for line in lines}
    assert named == set(SETTINGS) - COMMAND_LINE_ONLY
    uncommented = _write(tmp_path / "uncommented.toml", "\n".join(lines) + "\n")
    config = load_config(uncommented)  # account: a valid alias
    assert config.account is not None
    # The commented deployments_path is the default file, relative to the example's directory.
    stated = read_file(uncommented)["deployments_path"]
    assert config.deployments_path == tmp_path / stated
    assert EXAMPLE.parent / stated == DEFAULT_DEPLOYMENTS_PATH


def test_example_file_documents_precedence_env_names_and_paths() -> None:
    text = EXAMPLE.read_text()
    for fragment in ("FLASHARB_<KEY>", "--set KEY=VALUE", "--show-config", "directory of this file"):
        assert fragment in text, fragment
