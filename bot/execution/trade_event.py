"""FlashArb's `Trade` event in a receipt: the realised profit, as the contract proved it.

event Trade(uint256 indexed lender, address indexed asset, uint256 amount, uint256 fee,
            uint256 profit, uint256 hops)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from bot.execution.rpc import as_int

TRADE_TOPIC = keccak(text="Trade(uint256,address,uint256,uint256,uint256,uint256)")


@dataclass(frozen=True, slots=True)
class TradeEvent:
    """One Trade event."""

    lender: int
    """0 Aave, 1 Balancer, 2 Uniswap V2 pair, 3 Uniswap V3 pool."""
    asset: str
    amount: int
    """The amount borrowed."""
    fee: int
    """The lender's fee."""
    profit: int
    """What the owner received, in the asset's smallest units (before gas)."""
    hops: int


def _bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return bytes.fromhex(value.removeprefix("0x"))
    return bytes(value)


def trade_events(receipt: Mapping[str, Any], flasharb: str) -> list[TradeEvent]:
    """The Trade events FlashArb at `flasharb` emitted in `receipt` (raw JSON-RPC or web3 form)."""
    found = []
    for log in receipt.get("logs", ()):
        if str(log["address"]).lower() != flasharb.lower():
            continue
        topics = [_bytes(t) for t in log["topics"]]
        if len(topics) != 3 or topics[0] != TRADE_TOPIC:
            continue
        amount, fee, profit, hops = decode(["uint256"] * 4, _bytes(log["data"]))
        found.append(
            TradeEvent(
                lender=int.from_bytes(topics[1], "big"),
                asset=str(to_checksum_address(topics[2][12:])),
                amount=int(amount),
                fee=int(fee),
                profit=int(profit),
                hops=int(hops),
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class ReceiptSummary:
    """What the loop needs from a receipt."""

    success: bool
    block: int
    gas_used: int
    effective_gas_price: int
    trade: TradeEvent | None
    """The trade event (None if reverted, or a cancel)."""

    @property
    def gas_fee_wei(self) -> int:
        return self.gas_used * self.effective_gas_price

    @property
    def realised_profit(self) -> int:
        return 0 if self.trade is None else self.trade.profit


def summarize_receipt(receipt: Mapping[str, Any], flasharb: str) -> ReceiptSummary:
    events = trade_events(receipt, flasharb)
    return ReceiptSummary(
        success=as_int(receipt["status"]) == 1,
        block=as_int(receipt["blockNumber"]),
        gas_used=as_int(receipt["gasUsed"]),
        effective_gas_price=as_int(receipt.get("effectiveGasPrice", 0)),
        trade=events[0] if events else None,
    )
