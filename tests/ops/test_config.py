"""BotConfig: defaults, file + override merge, and a ConfigError naming the field for each bad value."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.errors import ConfigError
from bot.ops.config import DEFAULT_JOURNAL_URL, BotConfig, LenderSource, load_config, make_config


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
