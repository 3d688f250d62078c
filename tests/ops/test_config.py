"""BotConfig: defaults, file + override merge, and a ConfigError naming the field for each bad value."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.errors import ConfigError
from bot.execution.deployments import DEFAULT_PATH as DEFAULT_DEPLOYMENTS_PATH
from bot.ops.config import (
    DEFAULT_JOURNAL_URL,
    PROJECT_ROOT,
    BotConfig,
    LenderSource,
    load_config,
    make_config,
    read_file,
)

EXAMPLE = PROJECT_ROOT / "bot.example.toml"
COMMAND_LINE_ONLY = {"network", "once", "json_output", "max_blocks"}
"""Settings that only make sense per invocation, so the example file leaves them out."""


def test_defaults() -> None:
    config = BotConfig()
    assert config.dry_run is True  # a live run must be asked for
    assert config.min_profit_usd == Decimal(3) and config.min_profit_micro_usd == 3_000_000
    assert config.max_profit_usd == Decimal(30) and config.max_profit_micro_usd == 30_000_000
    assert config.max_gas_price_wei == 500 * 10**9
    assert config.low_gas_balance_wei == 5 * 10**18
    assert config.breaker_loss_limit_micro_usd == 20_000_000
    assert config.lenders == (LenderSource.AAVE, LenderSource.BALANCER, LenderSource.FLASH_SWAP)
    assert config.journal_url == DEFAULT_JOURNAL_URL and config.journal_url.startswith("sqlite:///")
    assert config.metrics_port == 0
    assert config.priority_fee_gwei == Decimal(30) and config.priority_fee_wei == 30 * 10**9
    assert config.max_trades_per_block == 1 and config.balancer_pool_ids == ()
    assert config.deployments_path == DEFAULT_DEPLOYMENTS_PATH
    assert "WMATIC" in config.trade_tokens() and "USDC.e" in config.trade_tokens()


def test_file_then_overrides(tmp_path: Path) -> None:
    path = tmp_path / "bot.toml"
    path.write_text(
        'min_profit_usd = 4.25\nmax_profit_usd = "50"\ntokens = ["wpol", "USDC.e", "WETH"]\n'
        'lenders = ["balancer"]\nlog_level = "debug"\nmetrics_port = 9464\n'
        'low_gas_balance_matic = "0.000000000000000001"\n'
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
    path = tmp_path / "bot.toml"
    path.write_text("min_profit_usd = 0.1\nmax_profit_usd = 0.3\n")
    config = load_config(path)
    assert config.min_profit_micro_usd == 100_000 and config.max_profit_micro_usd == 300_000


def test_max_profit_none_turns_the_cap_off() -> None:
    config = make_config({"max_profit_usd": None, "min_profit_usd": "1000"})
    assert config.max_profit_micro_usd is None


@pytest.mark.parametrize(
    ("values", "field", "fragment"),
    [
        ({"min_profit_usd": "40"}, "min_profit_usd", "must be below max_profit_usd"),
        ({"min_profit_usd": "-1"}, "min_profit_usd", "must not be negative"),
        ({"min_profit_usd": 3.5}, "min_profit_usd", "binary floats"),
        ({"min_profit_usd": "three"}, "min_profit_usd", "not a decimal number"),
        ({"min_profit_usd": "0.0000001"}, "min_profit_usd", "more than 6 decimal places"),
        ({"max_profit_usd": "0"}, "max_profit_usd", "must be above 0"),
        ({"max_gas_price_gwei": "0"}, "max_gas_price_gwei", "must be above 0"),
        ({"max_gas_price_gwei": "1.0000000001"}, "max_gas_price_gwei", "more than 9 decimal places"),
        ({"priority_fee_gwei": "-1"}, "priority_fee_gwei", "must not be negative"),
        ({"priority_fee_gwei": 30.5}, "priority_fee_gwei", "binary floats"),
        ({"priority_fee_gwei": "0.0000000001"}, "priority_fee_gwei", "more than 9 decimal places"),
        ({"priority_fee_gwei": "60", "max_gas_price_gwei": "50"}, "priority_fee_gwei", "could never be paid"),
        ({"max_trades_per_block": 0}, "max_trades_per_block", "from 1 to 10"),
        ({"max_trades_per_block": 11}, "max_trades_per_block", "from 1 to 10"),
        ({"balancer_pool_ids": ["0x1234"]}, "balancer_pool_ids", "'0x1234' is not a pool id"),
        ({"balancer_pool_ids": ["0x" + "ab" * 32, "0x" + "AB" * 32]}, "balancer_pool_ids", "listed twice"),
        ({"lenders": []}, "lenders", "at least one lender"),
        ({"lenders": ["aave", "aave"]}, "lenders", "listed twice"),
        ({"lenders": ["compound"]}, "lenders", "'aave', 'balancer' or 'flash_swap'"),
        ({"tokens": ["DOGE"]}, "tokens", "unknown token symbol 'DOGE'; valid symbols: WMATIC"),
        ({"tokens": ["WMATIC", "wpol"]}, "tokens", "listed twice"),
        ({"journal_url": "not a url"}, "journal_url", "not an SQLAlchemy database URL"),
        ({"metrics_port": 70000}, "metrics_port", "not a TCP port"),
        ({"metrics_host": "two words"}, "metrics_host", "not a host"),
        ({"breaker_max_failures": 0}, "breaker_max_failures", "at least 1"),
        ({"breaker_loss_limit_usd": "0"}, "breaker_loss_limit_usd", "must be above 0"),
        ({"low_gas_balance_matic": "0.0000000000000000001"}, "low_gas_balance_matic", "more than 18"),
        ({"low_gas_balance_matic": "-2"}, "low_gas_balance_matic", "must not be negative"),
        ({"poll_interval_s": 0}, "poll_interval_s", "greater than 0"),
        ({"max_blocks": 0}, "max_blocks", "greater than or equal to 1"),
        ({"log_level": "loud"}, "log_level", "'DEBUG', 'INFO'"),
        ({"network": "ethereum:mainnet"}, "network", "Polygon only"),
        ({"network": "polygon mainnet"}, "network", "not an ape network choice"),
        ({"dry_run": False}, "account", "live run"),
        ({"dry_run": "maybe"}, "dry_run", "valid boolean"),
        ({"colour": "blue"}, "colour", "unknown setting; valid settings: network"),
    ],
)
def test_bad_values_name_the_field_and_the_fix(values: dict[str, Any], field: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        make_config(values)
    message = str(caught.value)
    assert f"{field}" in message and fragment in message
    line = next(line for line in message.splitlines() if line.strip().startswith(field))
    if "unknown setting" not in line:
        assert "fix:" in line


def test_private_key_is_refused_and_never_echoed() -> None:
    key = "0x" + "4c" * 32
    with pytest.raises(ConfigError) as caught:
        make_config({"account": key})
    assert "private key" in str(caught.value)
    assert key not in str(caught.value) and "4c4c4c" not in str(caught.value)


def test_journal_password_is_masked_in_errors() -> None:
    with pytest.raises(ConfigError) as caught:
        make_config({"journal_url": "postgresql://trader:hunter2@db:notaport/journal"})
    assert "journal_url: not an SQLAlchemy database URL" in str(caught.value)
    assert "hunter2" not in str(caught.value) and "trader:***@db" in str(caught.value)


def test_live_run_with_an_account_is_valid() -> None:
    config = make_config({"dry_run": False, "account": "arb-bot"})
    assert config.account == "arb-bot" and not config.dry_run


def test_config_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_config(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("min_profit_usd = = 3\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_config(broken)


def test_config_hash_follows_the_settings() -> None:
    assert BotConfig().config_hash() == BotConfig().config_hash()
    assert BotConfig().config_hash() != make_config({"min_profit_usd": "4"}).config_hash()


def test_runtime_settings_from_file_and_overrides(tmp_path: Path) -> None:
    pool_id = "0x" + "Ab" * 32
    path = tmp_path / "bot.toml"
    path.write_text(
        f'priority_fee_gwei = "31.5"\nmax_trades_per_block = 3\nbalancer_pool_ids = ["{pool_id}"]\n'
        'deployments_path = "records/deployments.json"\n'
    )
    config = load_config(path, {"max_trades_per_block": 2})
    assert config.priority_fee_wei == 31_500_000_000
    assert config.max_trades_per_block == 2  # the override wins
    assert config.balancer_pool_ids == (pool_id.lower(),)
    assert config.deployments_path == Path("records/deployments.json")
    assert config.config_hash() != load_config(path).config_hash()


def _setting_lines(path: Path) -> list[str]:
    """The file's `key = value` lines, the commented-out examples (`# key = value`) uncommented."""
    lines = []
    for line in path.read_text().splitlines():
        body = line.removeprefix("# ")
        if "=" in body and body.split("=", 1)[0].strip() in BotConfig.model_fields:
            lines.append(body)
    return lines


def _resolved(field: str, value: Any) -> Any:
    """Relative paths in the example are relative to the repository root, where it is meant to run."""
    relative_sqlite = str(value).startswith("sqlite:///") and not str(value).startswith("sqlite:////")
    if field == "journal_url" and relative_sqlite:
        return f"sqlite:///{PROJECT_ROOT / str(value).removeprefix('sqlite:///')}"
    if isinstance(value, Path) and not value.is_absolute():
        return PROJECT_ROOT / value
    return value


def test_example_file_loads_and_states_the_defaults() -> None:
    stated = read_file(EXAMPLE)
    config = load_config(EXAMPLE)
    defaults = BotConfig()
    assert stated, "bot.example.toml states no setting"
    for field in stated:
        assert _resolved(field, getattr(config, field)) == _resolved(field, getattr(defaults, field)), field


def test_example_file_names_every_setting_and_its_commented_examples_are_valid(tmp_path: Path) -> None:
    lines = _setting_lines(EXAMPLE)
    named = {line.split("=", 1)[0].strip() for line in lines}
    assert named == set(BotConfig.model_fields) - COMMAND_LINE_ONLY
    uncommented = tmp_path / "uncommented.toml"
    uncommented.write_text("\n".join(lines) + "\n")
    config = load_config(uncommented)  # account: a valid alias; deployments_path: the default file
    assert config.account is not None
    assert _resolved("deployments_path", config.deployments_path) == DEFAULT_DEPLOYMENTS_PATH
