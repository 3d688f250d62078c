"""Issue 13, defect 7: a node error on eth_estimateGas (-32000 "header not found", not a revert) is
no verdict on the trade: the block still finishes, every verdict is reported, nothing is sent and the
breaker is not told."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from bot.execution.rpc import NodeReplyError
from bot.ops.breaker import CircuitBreaker
from bot.runtime.events import OpportunityDecided
from bot.runtime.pipeline import NOT_SELECTED, BlockHeader, ChainIO, Controls

from .test_pipeline import BASE_FEE, PLENTY, STATE, pipeline


class Unavailable:
    executor = "0x" + "ee" * 20

    def run(self, calldata: bytes, block: Any = "latest", estimate: bool = True) -> Any:
        raise NodeReplyError("eth_estimateGas", -32000, "header not found")


class NothingInFlight:
    prices: Any = None

    def poll(self, block: int) -> Any:
        return SimpleNamespace(mined=0, reverted=0)

    def earlier(self, block: int) -> None:
        return None


def test_a_node_error_on_estimate_gas_does_not_fail_the_block(tmp_path: Any) -> None:
    events: list[Any] = []
    breaker = CircuitBreaker(1, 1_000_000)
    reader = SimpleNamespace(
        read=lambda block: SimpleNamespace(refresh=SimpleNamespace(market=STATE, failed=()), balances={})
    )
    step = pipeline(2)
    step.io = ChainIO(
        reader=reader,  # type: ignore[arg-type]
        lenders=SimpleNamespace(available=lambda balances: PLENTY),  # type: ignore[arg-type]
        simulator=Unavailable(),  # type: ignore[arg-type]
        transactions=NothingInFlight(),  # type: ignore[arg-type]
        breaker=breaker,
        publish=events.append,
        flasharb="0x" + "fa" * 20,
        dry_run=False,
    )
    report = step.step(BlockHeader(100, BASE_FEE), Controls())
    decided = [e for e in events if isinstance(e, OpportunityDecided)]
    assert report.sent == 0 and decided and {e.reason for e in decided} == {NOT_SELECTED}
    assert all("header not found" in e.detail for e in decided)
    assert not breaker.tripped and breaker.state.consecutive_failures == 0
