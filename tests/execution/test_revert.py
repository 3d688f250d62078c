"""Revert data decoded into readable reasons with FlashArb's ABI."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode
from eth_utils.crypto import keccak

from bot.execution.revert import RevertDecoder, revert_data
from bot.runtime.assemble import abi_entries


def _error(signature: str, types: list[str], values: list[Any]) -> bytes:
    return keccak(text=signature)[:4] + encode(types, values)


def test_flasharb_errors_decode_with_their_parameters(project: Any) -> None:
    decoder = RevertDecoder(abi_entries(project.FlashArb.contract_type.abi))
    paused = decoder.decode(keccak(text="TradingPaused()")[:4])
    assert str(paused) == "TradingPaused()" and "unpause" in paused.hint and not paused.market_moved
    profit = decoder.decode(
        _error("InsufficientProfit(uint256,uint256,uint256)", ["uint256"] * 3, [100, 101, 5])
    )
    assert str(profit) == "InsufficientProfit(received=100, owed=101, minProfit=5)" and profit.market_moved
    not_executor = decoder.decode(
        "0x" + _error("NotExecutor(address)", ["address"], ["0x" + "11" * 20]).hex()
    )
    assert not_executor.name == "NotExecutor" and "--executor" in not_executor.hint


def test_call_failed_shows_the_wrapped_reason(project: Any) -> None:
    decoder = RevertDecoder(abi_entries(project.FlashArb.contract_type.abi))
    inner = _error("Error(string)", ["string"], ["UniswapV2: K"])
    outer = decoder.decode(
        _error("CallFailed(address,bytes)", ["address", "bytes"], ["0x" + "22" * 20, inner])
    )
    assert outer.name == "CallFailed" and outer.inner is not None
    assert "reason=Error(message='UniswapV2: K')" in str(outer)


def test_unknown_empty_and_panic() -> None:
    decoder = RevertDecoder([])
    assert decoder.decode(b"").name == "empty"
    assert decoder.decode(None).name == "empty"
    assert str(decoder.decode(b"\xde\xad\xbe\xef")) == "unknown revert 0xdeadbeef"
    assert str(decoder.decode(_error("Panic(uint256)", ["uint256"], [0x11]))) == "Panic(code='0x11')"
    assert revert_data({"data": "0x01"}) == b"\x01" and revert_data("nothing") is None
