"""What an operator relies on, end to end on the fork: the Prometheus endpoint of a running bot, the
gas price cap, live signing with an encrypted ape keystore account, and sends that never block the
loop while waiting for a receipt."""

from __future__ import annotations

import json
import logging
import secrets
import socket
import urllib.request
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text as sql_text

from bot.errors import ConfigError
from bot.ops.guards import Reason
from bot.ops.metrics import BotMetrics, start_server
from bot.ops.summary import summarize
from bot.runtime.cli_support import load_account

from .conftest import mine
from .test_bot_loop import assert_one_set_of_numbers

GAP = ("WETH", "USDC.e", 40 * 10**18)
"""WETH sold on QuickSwap: WETH is cheap there, dear everywhere else."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """GET http://127.0.0.1:port/metrics: {(sample name, labels): value}."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
        assert reply.status == 200
        body = reply.read().decode()
    samples = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_metrics_are_served_over_http_while_the_bot_runs(make_bot: Any, push_v2: Any) -> None:
    push_v2(*GAP)
    metrics = BotMetrics()
    bot = make_bot(metrics=metrics, metrics_port=free_port(), min_profit_usd="1000000")
    config = bot.loop.config
    server = start_server(metrics, config.metrics_host, config.metrics_port)
    assert server is not None
    try:
        before = scrape(config.metrics_port)
        assert before[("flasharb_blocks_processed_total", ())] == 0
        report = bot.loop.step()
        assert report is not None and report.opportunities >= 1
        mine(bot.loop.rpc.w3)
        assert bot.loop.step() is not None
        after = scrape(config.metrics_port)
    finally:
        server.stop()
    assert after[("flasharb_blocks_processed_total", ())] == 2
    found = after[("flasharb_opportunities_found_total", ())]
    assert found >= report.opportunities >= 1
    # the gap is worth less than $1,000,000: every candidate is skipped as below the minimum, and counted
    below = (("reason", Reason.PROFIT_BELOW_MIN.value),)
    assert after[("flasharb_opportunities_skipped_total", below)] >= 1
    assert after[("flasharb_opportunities_taken_total", ())] == 0
    decided = sum(v for (name, _), v in after.items() if name == "flasharb_opportunities_skipped_total")
    events = bot.events.of("opportunity")
    assert decided == len(events)
    # the journal counts what the search found as the metric does, and what it journaled apart
    stats = summarize(bot.loop.journal, bot.loop.run_id).stats
    assert stats.opportunities_found == found and stats.opportunities_journaled == len(events)
    assert_one_set_of_numbers(bot.loop)


def test_gas_price_above_the_cap_skips_the_trade_and_sends_nothing(
    make_bot: Any, push_v2: Any, deployed: Any, w3: Any
) -> None:
    push_v2(*GAP)
    owner = deployed.owner.address
    start_nonce = w3.eth.get_transaction_count(owner)
    # base fee 100 gwei + tip 30 gwei is above a 100 gwei cap
    base_fee = w3.eth.get_block("latest")["baseFeePerGas"]
    w3.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(100 * 10**9)])
    try:
        mine(w3)
        assert w3.eth.get_block("latest")["baseFeePerGas"] == 100 * 10**9
        bot = make_bot(once=True, max_gas_price_gwei="100", priority_fee_gwei="30")
        bot.loop.run()
    finally:  # the node's fee state outlives the test's snapshot: put it back
        w3.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(base_fee)])
        mine(w3)
    best = bot.events.of("opportunity")[0]
    assert best["decision"] == Reason.GAS_PRICE_ABOVE_CAP.value
    assert f"max fee per gas {130 * 10**9} wei > cap {100 * 10**9} wei" in best["detail"]
    assert bot.events.of("trade") == [] and "tx" not in best
    assert w3.eth.get_transaction_count(owner) == start_nonce
    stats = summarize(bot.loop.journal, bot.loop.run_id).stats
    assert stats.sent == 0 and stats.taken == 0
    assert stats.skipped[Reason.GAS_PRICE_ABOVE_CAP.value] >= 1
    assert_one_set_of_numbers(bot.loop)
    with bot.loop.journal.engine.connect() as connection:
        reasons = connection.execute(sql_text("SELECT DISTINCT reason FROM decisions")).scalars().all()
    assert Reason.GAS_PRICE_ABOVE_CAP.value in reasons and "taken" not in reasons

    # the same gap under the default cap (500 gwei) is sent: the cap alone stopped it
    again = make_bot(once=True)
    again.loop.run()
    assert [t["status"] for t in again.events.of("trade")] == ["mined"]


@pytest.fixture
def keystore(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh encrypted ape keystore account (random key) in this session's ape data folder, removed
    afterwards: (alias, passphrase, private key hex, KeyfileAccount)."""
    from ape_accounts import import_account_from_private_key

    alias = f"flasharb_e2e_{secrets.token_hex(4)}"
    passphrase = f"pass-{secrets.token_hex(12)}"
    key = secrets.token_hex(32)
    account = import_account_from_private_key(alias, passphrase, "0x" + key)
    try:
        yield alias, passphrase, key, account
    finally:
        account.keyfile_path.unlink(missing_ok=True)


def test_live_trade_signed_by_an_encrypted_keystore_account_leaks_no_secret(
    make_bot: Any,
    push_v2: Any,
    deployed: Any,
    w3: Any,
    keystore: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    alias, passphrase, key, account = keystore
    caplog.set_level(logging.DEBUG)
    assert key not in account.keyfile_path.read_text().lower()  # stored encrypted

    # a wrong passphrase stops the bot at start, without echoing it
    monkeypatch.setenv(f"APE_ACCOUNTS_{alias}_PASSPHRASE", "not-the-passphrase")
    with pytest.raises(ConfigError, match="could not unlock the keystore") as refused:
        load_account(alias, unlock=True)
    assert "not-the-passphrase" not in str(refused.value)

    # the right one from the environment: unlocked once, then it signs unattended
    monkeypatch.setenv(f"APE_ACCOUNTS_{alias}_PASSPHRASE", passphrase)
    signer = load_account(alias, unlock=True)
    assert type(signer).__name__ == "KeyfileAccount" and signer.address == account.address
    address = signer.address
    w3.provider.make_request("anvil_setBalance", [address, hex(100 * 10**18)])
    deployed.flasharb.setExecutor(address, True, sender=deployed.owner)

    push_v2(*GAP)
    owner_nonce = w3.eth.get_transaction_count(deployed.owner.address)
    bot = make_bot(account=alias, signing_account=signer, once=True)
    bot.loop.run()

    trades = bot.events.of("trade")
    assert len(trades) == 1 and trades[0]["status"] == "mined" and trades[0]["exact"]
    sent = w3.eth.get_transaction(trades[0]["tx"])
    assert sent["from"] == address and sent["to"] == deployed.flasharb.address
    assert w3.eth.get_transaction_count(address) == 1
    assert w3.eth.get_transaction_count(deployed.owner.address) == owner_nonce

    printed = capsys.readouterr()
    with bot.loop.journal.engine.connect() as connection:
        rows = [
            json.dumps([str(v) for v in row])
            for table in ("runs", "opportunities", "decisions", "transactions")
            for row in connection.execute(sql_text(f"SELECT * FROM {table}")).all()  # noqa: S608
        ]
    everything = "\n".join(
        [caplog.text, printed.out, printed.err, json.dumps(bot.events.events, default=str), *rows]
    ).lower()
    assert "sent trade" in caplog.text  # the sender's log lines were captured
    for secret in (passphrase.lower(), key):
        assert secret not in everything


def test_a_send_does_not_wait_for_its_receipt(make_bot: Any, push_v2: Any, deployed: Any, w3: Any) -> None:
    push_v2(*GAP)
    bot = make_bot()
    sender = bot.loop.sender

    def no_waiting(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the loop waited for a receipt")

    sender.wait = no_waiting  # type: ignore[method-assign]
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        mine(w3)
        report = bot.loop.step()
        assert report is not None and report.sent == 1 and report.mined == 0
        assert len(bot.loop.in_flight) == 1 and bot.events.of("trade") == []
        tx = bot.loop.in_flight[0].latest.hash
        mine(w3)  # the node mines the pending transaction in the next block
        report = bot.loop.step()
    finally:
        w3.provider.make_request("evm_setAutomine", [True])
    # the first send is settled at the start of the next block (which may send the next trade)
    assert report is not None and report.mined == 1
    assert tx not in [f.latest.hash for f in bot.loop.in_flight]
    trades = bot.events.of("trade")
    assert [t["tx"] for t in trades] == [tx] and trades[0]["exact"]
    stats = summarize(bot.loop.journal, bot.loop.run_id).stats
    assert stats.mined == 1 and stats.sent == 1 + len(bot.loop.in_flight)
    assert stats.trades_pending == len(bot.loop.in_flight)
    assert_one_set_of_numbers(bot.loop)
