"""Fixtures of the end-to-end tests: FlashArb deployed on the fork with test account 0 as owner and
executor, a factory for bot loops (journal, control directory and deployments file in tmp_path), and a
price gap injected on one venue by a trader's swap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import encode
from eth_utils.crypto import keccak

from bot.execution.deploy import ensure_flasharb
from bot.execution.signer import ApeSigner
from bot.ops.config import make_config
from bot.ops.metrics import BotMetrics
from bot.runtime.assemble import RuntimeOptions, assemble
from bot.runtime.events import Recorder
from bot.runtime.loop import BlockLoop


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


@dataclass
class Deployed:
    flasharb: Any
    """The FlashArb contract (ape)."""
    owner: Any
    """Test account 0: owner and executor."""
    path: Path
    """The deployments file."""


@pytest.fixture
def deployed(project: Any, chain: Any, accounts: Any, book: Any, tmp_path: Path) -> Deployed:
    owner = accounts[0]
    path = tmp_path / "deployments.json"
    result = ensure_flasharb(
        project=project, chain=chain, account=owner, book=book, executors=(owner.address,), path=path
    )
    return Deployed(project.FlashArb.at(result.address), owner, path)


@dataclass
class Bot:
    loop: BlockLoop
    events: Recorder


@pytest.fixture
def make_bot(project: Any, networks: Any, w3: Any, deployed: Deployed, tmp_path: Path) -> Callable[..., Bot]:
    """make_bot(dry_run=False, **config) -> Bot with a Recorder of its events. Loops made by one
    test share the journal and control directory (a restart is a second make_bot)."""
    made: list[BlockLoop] = []

    def make(
        dry_run: bool = False,
        account: str | None = "TEST::0",
        signing_account: Any = None,
        metrics: BotMetrics | None = None,
        **values: Any,
    ) -> Bot:
        """`signing_account` (an ape account) signs instead of test account 0."""
        config = make_config(
            {
                "network": "polygon:mainnet-fork:foundry",
                "account": account,
                "dry_run": dry_run,
                "journal_url": f"sqlite:///{tmp_path / 'journal.sqlite'}",
                "control_dir": str(tmp_path / "control"),
                "deployments_path": str(deployed.path),
                "max_profit_usd": None,
                **values,
            }
        )
        ecosystem = networks.provider.network.ecosystem
        signer = ApeSigner(signing_account or deployed.owner, ecosystem) if account else None
        events = Recorder()
        loop = assemble(
            config,
            w3,
            flasharb_abi=project.FlashArb.contract_type.abi,
            signer=signer,
            options=RuntimeOptions(receipt_timeout_s=10.0),
            sink=events,
            metrics=metrics,
        )
        made.append(loop)
        return Bot(loop, events)

    yield make
    for loop in made:
        loop.journal.close()


@pytest.fixture
def push_v2(w3: Any, book: Any, fund: Any, accounts: Any) -> Callable[..., str]:
    """push_v2(sell, buy, amount, dex="quickswap") -> pair: a trader sells `amount` of `sell` in the
    V2 pair of `dex`, opening a gap to the other venues. Uses test account 3 as the trader."""
    trader = accounts[3].address

    def push(sell: str, buy: str, amount: int, dex: str = "quickswap") -> str:
        token_in, token_out = book.token(sell).address, book.token(buy).address
        factory = book.dex(dex).factory
        data = selector("getPair(address,address)") + encode(["address", "address"], [token_in, token_out])
        pair = w3.to_checksum_address(
            "0x" + bytes(w3.eth.call({"to": factory, "data": "0x" + data.hex()}))[-20:].hex()
        )
        reserves = bytes(w3.eth.call({"to": pair, "data": "0x" + selector("getReserves()").hex()}))
        r0, r1 = int.from_bytes(reserves[:32], "big"), int.from_bytes(reserves[32:64], "big")
        zero_for_one = token_in.lower() < token_out.lower()
        r_in, r_out = (r0, r1) if zero_for_one else (r1, r0)
        fee = book.dex(dex).fee_bps
        out = amount * (10_000 - fee) * r_out // (r_in * 10_000 + amount * (10_000 - fee))
        fund(token_in, trader, amount)
        transfer = selector("transfer(address,uint256)") + encode(["address", "uint256"], [pair, amount])
        swap = selector("swap(uint256,uint256,address,bytes)") + encode(
            ["uint256", "uint256", "address", "bytes"],
            [0 if zero_for_one else out, out if zero_for_one else 0, trader, b""],
        )
        for to, payload in ((token_in, transfer), (pair, swap)):
            tx = w3.eth.send_transaction(
                {"from": trader, "to": to, "data": "0x" + payload.hex(), "gas": 500_000}
            )
            assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1
        return str(pair)

    return push


def mine(w3: Any, blocks: int = 1) -> None:
    for _ in range(blocks):
        w3.provider.make_request("evm_mine", [])


def send(w3: Any, sender: str, to: str | None, data: bytes, gas: int = 6_000_000) -> Any:
    """A transaction from `sender` (to None: a deployment); asserts it succeeded, returns its receipt."""
    tx: dict[str, Any] = {"from": sender, "data": "0x" + data.hex(), "gas": gas}
    if to is not None:
        tx["to"] = to
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(tx))
    assert receipt["status"] == 1, receipt
    return receipt


def capture_once(
    bot: Bot, deployed: Deployed, w3: Any, book: Any, pool: str, run: Callable[[], str] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run `bot` (made with once=True) through `run` (default: its loop's run) on a gap through
    `pool`, and check the capture: one trade, mined, taken through `pool`, realising its prediction to
    the wei, and the owner's balance of the borrowed asset up by exactly that. Returns the trade and
    the taken opportunity's events."""
    owner = deployed.owner.address
    before = {t.address: balance_of(w3, t.address, owner) for t in book.tokens.values()}
    assert (run or bot.loop.run)().startswith("once")
    trades = bot.events.of("trade")
    assert len(trades) == 1 and trades[0]["status"] == "mined", trades
    (trade,) = trades
    (taken,) = [e for e in bot.events.of("opportunity") if e["decision"] == "taken"]
    assert pool in taken["pools"], taken["route"]
    assert trade["realised_profit"] == trade["predicted_profit"] == taken["predicted_profit"] > 0
    asset = taken["asset"]
    assert balance_of(w3, asset, owner) - before[asset] == trade["realised_profit"]
    assert 0 < trade["gas_used"] < 1_000_000
    return trade, taken


def balance_of(w3: Any, token: str, holder: str) -> int:
    data = selector("balanceOf(address)") + encode(["address"], [holder])
    return int.from_bytes(bytes(w3.eth.call({"to": token, "data": "0x" + data.hex()})), "big")
