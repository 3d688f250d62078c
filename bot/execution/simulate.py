"""Simulation: `FlashArb.execute(route)` run by the node from the executor against the latest (or
pending) state, in ONE round trip: eth_estimateGas executes the call and reverts exactly as eth_call
would (with the revert data), and when it passes it gives the gas estimate too. Nothing is sent
without a passing simulation.

    simulator = Simulator(rpc, flasharb, executor, RevertDecoder(abi))
    result = simulator.run(encode(route))
    if not result.ok: log(result.reason)       # "TradingPaused()", "InsufficientProfit(...)"
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi.abi import encode

from bot.execution.revert import Revert, RevertDecoder, revert_data
from bot.execution.rpc import NodeReplyError, Rpc, as_int
from bot.market.abi import selector

EXECUTE = selector("execute(bytes)")


def execute_calldata(route: bytes) -> bytes:
    """Calldata of FlashArb.execute(route)."""
    return EXECUTE + encode(["bytes"], [route])


@dataclass(frozen=True, slots=True)
class Simulation:
    """The verdict of one simulation."""

    ok: bool
    revert: Revert | None = None
    """Why it failed (None when ok)."""
    gas_estimate: int | None = None
    """eth_estimateGas of the same call (when ok)."""
    block: int | str = "latest"

    @property
    def reason(self) -> str:
        if self.revert is None:
            return "ok"
        hint = self.revert.hint
        return f"{self.revert}" + (f": {hint}" if hint else "")


class Simulator:
    """Simulates FlashArb.execute at `flasharb` as if sent by `executor`."""

    def __init__(self, rpc: Rpc, flasharb: str, executor: str, decoder: RevertDecoder) -> None:
        self.rpc = rpc
        self.flasharb = flasharb
        self.executor = executor
        self.decoder = decoder

    def run(self, calldata: bytes, block: int | str = "latest", estimate: bool = True) -> Simulation:
        """One round trip: eth_estimateGas (or eth_call when no `estimate` is wanted)."""
        tx = {"from": self.executor, "to": self.flasharb, "data": "0x" + calldata.hex()}
        tag = hex(block) if isinstance(block, int) else block
        try:
            if estimate:
                gas: int | None = as_int(self.rpc.request("eth_estimateGas", [tx, tag]))
            else:
                self.rpc.request("eth_call", [tx, tag])
                gas = None
        except NodeReplyError as exc:
            data = revert_data(exc.data)
            if data is None and "revert" not in exc.message.lower():
                raise
            return Simulation(False, self.decoder.decode(data), None, block)
        return Simulation(True, None, gas, block)
