"""Readable revert reasons: FlashArb's custom errors (decoded with the contract's ABI), Solidity's
Error(string) and Panic(uint256), and `CallFailed`'s wrapped reason, decoded in turn.

    decoder = RevertDecoder(flasharb_abi)
    reason = decoder.decode(revert_data)
    str(reason)  # "InsufficientProfit(received=100, owed=101, minProfit=0)"
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_abi.abi import decode
from eth_abi.exceptions import DecodingError

from bot.market.abi import selector

ERROR_STRING = selector("Error(string)")
PANIC = selector("Panic(uint256)")

MARKET_MOVED = frozenset({"InsufficientProfit", "InsufficientOutput", "PartialFill"})
"""Errors that mean the prices moved between the read and the trade: a normal race, not a fault."""

HINTS: Mapping[str, str] = {
    "TradingPaused": "FlashArb is paused on-chain by its owner; the owner resumes it with unpause()",
    "NotExecutor": "the sending account is not an executor; the owner adds it with "
    "`ape run deploy --executor <address>`",
    "InsufficientProfit": "the route returned less than loan + fee + minProfit (prices moved)",
    "InsufficientOutput": "a hop returned less than its minimum (prices moved)",
    "UnknownPool": "FlashArb does not accept this pool (not at its factory's CREATE2 address, or a Curve "
    "pool the owner has not allow-listed with setCurvePool): a route or deployment fault, not a race",
    "CallFailed": "a pool or token reverted; its own revert data is the reason",
}


def _type_string(item: Mapping[str, Any]) -> str:
    kind = str(item["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_type_string(c) for c in item.get("components", ()))
        return f"({inner}){kind[5:]}"
    return kind


@dataclass(frozen=True, slots=True)
class Revert:
    """A decoded revert."""

    name: str
    """The error's name ("Error" for a revert string, "Panic", "unknown" if not decodable, "empty")."""
    args: tuple[tuple[str, Any], ...] = ()
    """(parameter name, value) in order."""
    data: bytes = b""
    """The raw revert data."""
    inner: Revert | None = field(default=None)
    """For CallFailed: the wrapped reason, decoded."""

    @property
    def market_moved(self) -> bool:
        """The prices moved: a lost race, not a fault of the bot or the contract."""
        return self.name in MARKET_MOVED

    @property
    def hint(self) -> str:
        return HINTS.get(self.name, "")

    def __str__(self) -> str:
        if self.name == "unknown":
            return f"unknown revert 0x{self.data.hex()[:200]}"
        if self.name == "empty":
            return "reverted without data"
        parts = []
        for key, value in self.args:
            if self.inner is not None and key == "reason":
                parts.append(f"{key}={self.inner}")
            elif isinstance(value, bytes):
                parts.append(f"{key}=0x{value.hex()[:200]}")
            else:
                parts.append(f"{key}={value!r}" if isinstance(value, str) else f"{key}={value}")
        return f"{self.name}({', '.join(parts)})"


class RevertDecoder:
    """Decodes revert data with the error definitions of a contract ABI (a list of ABI entries)."""

    def __init__(self, abi: Sequence[Mapping[str, Any]]) -> None:
        self.errors: dict[bytes, tuple[str, tuple[str, ...], tuple[str, ...]]] = {}
        for entry in abi:
            if entry.get("type") != "error":
                continue
            inputs = entry.get("inputs", ())
            types = tuple(_type_string(i) for i in inputs)
            names = tuple(str(i.get("name") or f"arg{k}") for k, i in enumerate(inputs))
            code = selector(f"{entry['name']}({','.join(types)})")
            self.errors[code] = (str(entry["name"]), names, types)

    def decode(self, data: bytes | str | None) -> Revert:
        if data is None:
            return Revert("empty")
        if isinstance(data, str):
            try:
                raw = bytes.fromhex(data.removeprefix("0x"))
            except ValueError:
                return Revert("unknown", data=data.encode())
        else:
            raw = bytes(data)
        if not raw:
            return Revert("empty")
        selector, body = raw[:4], raw[4:]
        try:
            if selector == ERROR_STRING:
                (message,) = decode(["string"], body)
                return Revert("Error", (("message", message),), raw)
            if selector == PANIC:
                (code,) = decode(["uint256"], body)
                return Revert("Panic", (("code", hex(code)),), raw)
            known = self.errors.get(selector)
            if known is None:
                return Revert("unknown", data=raw)
            name, names, types = known
            values = decode(list(types), body) if types else ()
        except (DecodingError, ValueError, OverflowError):
            return Revert("unknown", data=raw)
        args = tuple(zip(names, values, strict=True))
        inner = None
        if name == "CallFailed":
            reason = dict(args).get("reason")
            if isinstance(reason, bytes):
                inner = self.decode(reason)
        return Revert(name, args, raw, inner)


def revert_data(error_data: Any) -> bytes | None:
    """The revert bytes in a JSON-RPC error's `data` field (a hex string, or an object holding one)."""
    if isinstance(error_data, dict):
        error_data = error_data.get("data") or error_data.get("result")
    if isinstance(error_data, str) and error_data.startswith("0x"):
        try:
            return bytes.fromhex(error_data[2:])
        except ValueError:
            return None
    return None
