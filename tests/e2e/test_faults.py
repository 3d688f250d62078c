"""The bot behind a node that rate-limits and drops replies: it keeps running, captures the gap
exactly once, uses no nonce twice, and loses no journal record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text as sql_text
from web3 import Web3

from bot.execution.signer import ApeSigner
from bot.ops.config import make_config
from bot.ops.summary import summarize
from bot.runtime.assemble import RuntimeOptions, assemble
from bot.runtime.events import Recorder

from .conftest import mine
from .fault_proxy import FaultProxy


def test_the_loop_survives_429s_and_dropped_replies(
    project: Any, networks: Any, w3: Any, deployed: Any, push_v2: Any, tmp_path: Any
) -> None:
    push_v2("WETH", "USDC.e", 40 * 10**18)
    owner = deployed.owner.address
    start_nonce = w3.eth.get_transaction_count(owner)
    with FaultProxy(w3.provider.endpoint_uri, every=4) as proxy:
        flaky = Web3(Web3.HTTPProvider(proxy.url, request_kwargs={"timeout": 30}))
        config = make_config(
            {
                "network": "polygon:mainnet-fork:foundry",
                "account": "TEST::0",
                "dry_run": False,
                "max_profit_usd": None,
                "journal_url": f"sqlite:///{tmp_path / 'journal.sqlite'}",
                "control_dir": str(tmp_path / "control"),
                "deployments_path": str(deployed.path),
                "rpc_block_budget_s": 10,  # the retries are what is tested here, not the budget
            }
        )
        events = Recorder()
        loop = assemble(
            config,
            flaky,
            flasharb_abi=project.FlashArb.contract_type.abi,
            signer=ApeSigner(deployed.owner, networks.provider.network.ecosystem),
            options=RuntimeOptions(rpc_backoff_s=0.01, receipt_timeout_s=10),
            sink=events,
        )
        loop.rpc.backoff_s = loop.multicall.backoff_s = 0.01
        processed = 0
        for _ in range(6):
            mine(w3)
            if loop.step() is not None:
                processed += 1
        loop.drain()
        loop.close("test done")
    assert proxy.counts["429"] >= 2 and proxy.counts["drop"] >= 2, proxy.counts
    assert processed >= 4
    with loop.journal.engine.connect() as connection:
        rows = connection.execute(sql_text("SELECT hash, nonce, status FROM transactions")).all()
    nonces = [n for _, n, _ in rows]
    assert len(set(nonces)) == len(nonces), rows
    assert w3.eth.get_transaction_count(owner) == start_nonce + len(rows)
    stats = summarize(loop.journal, loop.run_id).stats
    assert stats.sent == len(rows) >= 1 and stats.pending == 0
    assert stats.mined == stats.exact_predictions >= 1
    assert stats.blocks == processed


def test_start_up_retries_a_node_that_is_not_answering_yet(
    project: Any, networks: Any, w3: Any, deployed: Any, tmp_path: Any
) -> None:
    with FaultProxy(w3.provider.endpoint_uri, every=10**9, fail_first=6) as proxy:
        config = make_config(
            {
                "network": "polygon:mainnet-fork:foundry",
                "journal_url": f"sqlite:///{tmp_path / 'journal.sqlite'}",
                "control_dir": str(tmp_path / "control"),
                "deployments_path": str(deployed.path),
            }
        )
        loop = assemble(
            config,
            Web3(Web3.HTTPProvider(proxy.url)),
            flasharb_abi=project.FlashArb.contract_type.abi,
            options=RuntimeOptions(rpc_backoff_s=0.01),
        )
        loop.close("test done")
    assert proxy.counts["429"] == 6  # the first six requests failed; the start went on
