"""Set any account's ERC20 balance on a dev chain (the replica, a fork of it, a fork of real Polygon).

The way forge's `deal` does it: find the storage slot `balanceOf(account)` reads, then write it.
The slots the call reads come from `debug_traceCall` with the prestate tracer (reads made through a
proxy's delegatecall are the proxy's own storage, so proxies work too); each is probed by writing a
marker value and checking that `balanceOf` returns it. Where tracing is unavailable, the usual mapping
layouts (Solidity `keccak(account . slot)`, Vyper `keccak(slot . account)`, slots 0-199) are probed.

A token whose balance is a plain mapping is remembered by its layout, so later accounts cost two
calls. Tokens whose balanceOf is computed (rebasing, scaled aTokens) have no such slot: deal raises
ReplicaError naming the token.
"""

from __future__ import annotations

import logging
from typing import Any

from eth_abi.abi import decode, encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from bot.errors import ReplicaError
from bot.execution.rpc import as_int

logger = logging.getLogger(__name__)

BALANCE_OF = bytes.fromhex("70a08231")
PROBE = 0x0DEA1_0DEA1_0DEA1_0DEA1_0DEA1
"""A marker balance no real account holds by chance."""
BRUTE_FORCE_SLOTS = 200

# (chain id, token, code hash) -> ("solidity" | "vyper", base slot)
_layouts: dict[tuple[int, str, bytes], tuple[str, int]] = {}
# (chain id, token, code hash, account) -> slot, for tokens whose layout is not a plain mapping
_slots: dict[tuple[int, str, bytes, str], int] = {}


def _rpc(w3: Any, method: str, params: list[Any]) -> Any:
    reply = w3.provider.make_request(method, params)
    if "error" in reply:
        raise ReplicaError(f"{method} failed: {reply['error']}")
    return reply["result"]


def _word(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


def _set_storage(w3: Any, token: str, slot: int, value: int) -> None:
    last: ReplicaError | None = None
    for method in ("anvil_setStorageAt", "hardhat_setStorageAt"):
        try:
            _rpc(w3, method, [token, _word(slot), _word(value)])
            return
        except ReplicaError as exc:
            last = exc
    raise ReplicaError(f"this node cannot set storage (anvil_/hardhat_setStorageAt): {last}")


def _get_storage(w3: Any, token: str, slot: int) -> int:
    return int(_rpc(w3, "eth_getStorageAt", [token, _word(slot), "latest"]), 16)


def _balance(w3: Any, token: str, account: str) -> int:
    data = "0x" + (BALANCE_OF + encode(["address"], [account])).hex()
    raw = _rpc(w3, "eth_call", [{"to": token, "data": data}, "latest"])
    payload = bytes.fromhex(raw.removeprefix("0x"))
    if len(payload) < 32:
        raise ReplicaError(f"token {token}: balanceOf returned {raw!r}, not a uint256")
    return int(decode(["uint256"], payload[:32])[0])


def mapping_slot(layout: str, base: int, account: str) -> int:
    """The storage slot of `account` in a mapping at slot `base` ("solidity" or "vyper" order)."""
    key = bytes.fromhex(account.removeprefix("0x").rjust(64, "0"))
    slot = base.to_bytes(32, "big")
    preimage = key + slot if layout == "solidity" else slot + key
    return int.from_bytes(keccak(preimage), "big")


def _probe(w3: Any, token: str, account: str, slot: int) -> bool:
    """Does writing `slot` change balanceOf(account)? Restores the slot if not."""
    original = _get_storage(w3, token, slot)
    _set_storage(w3, token, slot, PROBE)
    try:
        hit = _balance(w3, token, account) == PROBE
    except ReplicaError:
        hit = False
    if not hit:
        _set_storage(w3, token, slot, original)
    return hit


def _traced_slots(w3: Any, token: str, account: str) -> list[int] | None:
    """The storage slots of `token` that balanceOf(account) reads, or None if the node cannot trace."""
    data = "0x" + (BALANCE_OF + encode(["address"], [account])).hex()
    try:
        trace = _rpc(
            w3, "debug_traceCall", [{"to": token, "data": data}, "latest", {"tracer": "prestateTracer"}]
        )
    except ReplicaError:
        return None
    for address, account_state in trace.items():
        if address.lower() == token.lower():
            return [int(slot, 16) for slot in (account_state.get("storage") or {})]
    return []


def _layout_of(slot: int, account: str) -> tuple[str, int] | None:
    for base in range(256):
        for layout in ("solidity", "vyper"):
            if mapping_slot(layout, base, account) == slot:
                return layout, base
    return None


def _find_slot(w3: Any, token: str, account: str) -> int:
    traced = _traced_slots(w3, token, account)
    candidates: list[int]
    if traced is not None:
        candidates = traced
    else:
        candidates = [
            mapping_slot(layout, base, account)
            for base in range(BRUTE_FORCE_SLOTS)
            for layout in ("solidity", "vyper")
        ]
    for slot in candidates:
        if _probe(w3, token, account, slot):
            return slot
    how = f"{len(candidates)} slots read by balanceOf" if traced is not None else "the usual mapping layouts"
    raise ReplicaError(
        f"deal: found no storage slot holding balanceOf({account}) of token {token} (probed {how}); "
        "its balance is not a plain stored value (rebasing or scaled token?)"
    )


def deal(w3: Any, token_address: str, account: str, amount: int) -> None:
    """Set `account`'s balance of the ERC20 at `token_address` to `amount` (smallest units).

    Works on any anvil or hardhat node (storage writes). The token's total supply is left as it is.
    Raises ReplicaError naming the token if no balance slot can be found or the write does not stick.
    """
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 <= amount < 2**256:
        raise ReplicaError(f"deal: amount must be an integer in [0, 2**256), got {amount!r}")
    try:
        token = to_checksum_address(token_address)
        holder = to_checksum_address(account)
    except ValueError as exc:
        raise ReplicaError(f"deal: bad address ({exc})") from exc
    code = bytes.fromhex(_rpc(w3, "eth_getCode", [token, "latest"]).removeprefix("0x"))
    if not code:
        raise ReplicaError(f"deal: no contract at token address {token}")
    chain_id = as_int(_rpc(w3, "eth_chainId", []))
    code_key = (chain_id, token.lower(), keccak(code))
    slot: int | None = None
    layout = _layouts.get(code_key)
    if layout is not None:
        slot = mapping_slot(layout[0], layout[1], holder)
    else:
        slot = _slots.get((*code_key, holder.lower()))
    if slot is None:
        slot = _find_slot(w3, token, holder)
        found = _layout_of(slot, holder)
        if found is not None:
            _layouts[code_key] = found
        else:
            _slots[(*code_key, holder.lower())] = slot
        logger.debug("deal: %s keeps balances at %s", token, found or hex(slot))
    _set_storage(w3, token, slot, amount)
    got = _balance(w3, token, holder)
    if got != amount:
        raise ReplicaError(
            f"deal: wrote {amount} for {holder} at slot {hex(slot)} of token {token}, "
            f"but balanceOf returns {got}"
        )
