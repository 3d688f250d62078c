"""Plumbing for the stateful invariant suite (test_invariants.py), kept out of the state machine.

- `Node`: raw transactions on the fork (anvil signs for its dev accounts and impersonated ones; a fixed
  gas limit, so a reverting transaction is mined like any other instead of failing at estimation),
  snapshots, and FlashArb's revert data turned into an error name.
- `Probe`: everything the invariants look at (balances, allowances, roles) read in one `eth_call`
  through Multicall3, so checking after every step stays cheap.
- `pack_route`: the packed route layout of contracts/libraries/Route.sol, written out independently
  of `bot.route` so the fuzzer can also send routes the Python model would refuse to build.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_abi.abi import decode, encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

GAS = 15_000_000
"""Gas limit of every fuzz transaction: enough for any 4-hop route, and no estimation."""


def selector(signature: str) -> bytes:
    return bytes(keccak(text=signature)[:4])


def calldata(signature: str, *args: Any) -> bytes:
    """ABI calldata for `signature` ("name(type,...)") and its arguments."""
    types = _split_types(signature[signature.index("(") + 1 : -1])
    return selector(signature) + encode(types, list(args))


def _split_types(inner: str) -> list[str]:
    out, depth, start = [], 0, 0
    for i, c in enumerate(inner):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "," and depth == 0:
            out.append(inner[start:i])
            start = i + 1
    if inner:
        out.append(inner[start:])
    return out


def addr(value: Any) -> str:
    return str(to_checksum_address(str(getattr(value, "address", value))))


ZERO = "0x" + "00" * 20

# ---- transactions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Log:
    address: str
    topics: tuple[bytes, ...]
    data: bytes


@dataclass(frozen=True)
class Receipt:
    sender: str
    to: str
    data: bytes
    status: int
    logs: tuple[Log, ...]
    error: str = ""
    """The revert, decoded to a name (for the run's statistics), when status is 0."""


class Node:
    """Raw JSON-RPC on the fork."""

    def __init__(self, w3: Any, errors: ErrorNames) -> None:
        self.w3 = w3
        self.errors = errors
        self._impersonated: set[str] = set()

    def rpc(self, method: str, params: list[Any]) -> Any:
        reply = self.w3.provider.make_request(method, params)
        if "error" in reply:
            raise RuntimeError(f"{method} failed: {reply['error']}")
        return reply["result"]

    def impersonate(self, account: str) -> None:
        account = addr(account)
        if account not in self._impersonated:
            self.rpc("anvil_impersonateAccount", [account])
            self._impersonated.add(account)
        # Gas money. Native balances of the impersonated (pools, lenders) are not among the invariants.
        self.rpc("anvil_setBalance", [account, hex(10**21)])

    def send(self, sender: Any, to: Any, data: bytes, value: int = 0) -> Receipt:
        """Sends and mines one transaction; a revert is mined too and comes back with status 0."""
        sender, to = addr(sender), addr(to)
        tx = {"from": sender, "to": to, "data": "0x" + data.hex(), "gas": hex(GAS), "value": hex(value)}
        tx_hash = self.rpc("eth_sendTransaction", [tx])
        raw = self.rpc("eth_getTransactionReceipt", [tx_hash])
        for _ in range(200):  # anvil can report the block before the receipt is stored
            if raw is not None:
                break
            time.sleep(0.005)
            raw = self.rpc("eth_getTransactionReceipt", [tx_hash])
        if raw is None:
            raise RuntimeError(f"transaction {tx_hash} was not mined: {tx}")
        logs = tuple(
            Log(
                addr(entry["address"]),
                tuple(bytes.fromhex(t[2:]) for t in entry["topics"]),
                bytes.fromhex(entry["data"][2:]),
            )
            for entry in raw["logs"]
        )
        status = int(raw["status"], 16)
        error = ""
        if status == 0:
            # The state is what it was before the reverted transaction (but for the sender's nonce and
            # gas), so the same call at "latest" replays the revert and shows its data.
            error = self.errors.name(self.call(sender, to, data, value)[1])
        return Receipt(sender, to, data, status, logs, error)

    def call(self, sender: Any, to: Any, data: bytes, value: int = 0) -> tuple[bool, bytes]:
        tx = {
            "from": addr(sender),
            "to": addr(to),
            "data": "0x" + data.hex(),
            "gas": hex(GAS),
            "value": hex(value),
        }
        reply = self.w3.provider.make_request("eth_call", [tx, "latest"])
        if "error" in reply:
            raw = reply["error"].get("data") or "0x"
            if isinstance(raw, dict):  # some nodes nest it
                raw = raw.get("data") or "0x"
            return False, bytes.fromhex(raw[2:] if raw.startswith("0x") else raw)
        return True, bytes.fromhex(reply["result"][2:])

    def snapshot(self) -> str:
        return str(self.rpc("evm_snapshot", []))

    def revert(self, snapshot_id: str) -> None:
        if not self.rpc("evm_revert", [snapshot_id]):
            raise RuntimeError(f"evm_revert({snapshot_id}) refused")

    def set_code(self, account: str, code: bytes) -> None:
        self.rpc("anvil_setCode", [addr(account), "0x" + code.hex()])

    def set_storage(self, account: str, slot: int, value: int) -> None:
        self.rpc("anvil_setStorageAt", [addr(account), hex(slot), "0x" + value.to_bytes(32, "big").hex()])

    def code(self, account: str) -> bytes:
        return bytes.fromhex(self.rpc("eth_getCode", [addr(account), "latest"])[2:])


class ErrorNames:
    """Revert data -> a short name: FlashArb's errors by name (CallFailed with the error it wraps),
    Error(string) and Panic(uint256) with their argument, anything else by selector."""

    ERROR_STRING = selector("Error(string)")
    PANIC = selector("Panic(uint256)")

    def __init__(self, errors: Iterable[Any]) -> None:
        self.by_selector: dict[bytes, tuple[str, list[str]]] = {}
        for e in errors:
            types = [i.canonical_type for i in e.inputs]
            self.by_selector.setdefault(selector(f"{e.name}({','.join(types)})"), (e.name, types))

    def name(self, data: bytes, depth: int = 0) -> str:
        if len(data) < 4:
            return "(no data)" if not data else f"(short 0x{data.hex()})"
        head = data[:4]
        if head == self.ERROR_STRING:
            try:
                return f"Error({decode(['string'], data[4:])[0]!r})"
            except Exception:  # noqa: BLE001 - garbled: keep the selector
                return "Error(?)"
        if head == self.PANIC:
            try:
                return f"Panic({decode(['uint256'], data[4:])[0]:#x})"
            except Exception:  # noqa: BLE001
                return "Panic(?)"
        known = self.by_selector.get(head)
        if known is None:
            return f"0x{head.hex()}"
        name, types = known
        if name == "CallFailed" and depth < 3:
            try:
                _, reason = decode(types, data[4:])
                return f"CallFailed<{self.name(bytes(reason), depth + 1)}>"
            except Exception:  # noqa: BLE001
                return "CallFailed<?>"
        return name


# ---- one-call state reads ------------------------------------------------------------------------

MULTICALL_AGGREGATE3 = "aggregate3((address,bool,bytes)[])"
NATIVE = ZERO
"""The native coin in balance maps (the address `rescue` takes for it)."""


@dataclass
class State:
    """What the invariants compare from one step to the next."""

    balances: dict[tuple[str, str], int]
    """(holder, token or NATIVE) -> balance."""
    allowances: dict[tuple[str, str], int]
    """(token, spender) -> allowance given by FlashArb."""
    roles: dict[Any, Any]
    """owner, pendingOwner, paused, isExecutor of each candidate, Curve coins of each candidate pool."""


@dataclass
class Probe:
    """Reads State through Multicall3 in a single eth_call (the calldata is built once)."""

    node: Node
    multicall: str
    flasharb: str
    tokens: Sequence[str]
    holders: Sequence[str]
    native_holders: Sequence[str]
    allowance_pairs: Sequence[tuple[str, str]]
    """(token, spender) pairs whose allowance from FlashArb is read every step."""
    executor_candidates: Sequence[str]
    curve_candidates: Sequence[str]
    _plan: list[tuple[str, Any]] = field(default_factory=list)
    _calldata: bytes = b""

    def __post_init__(self) -> None:
        calls: list[tuple[str, bool, bytes]] = []

        def add(key: tuple[str, Any], target: str, data: bytes) -> None:
            self._plan.append(key)
            calls.append((target, True, data))

        for holder in self.holders:
            for token in self.tokens:
                add(("balance", (holder, token)), token, calldata("balanceOf(address)", holder))
        for holder in self.native_holders:
            add(("balance", (holder, NATIVE)), self.multicall, calldata("getEthBalance(address)", holder))
        for token, spender in self.allowance_pairs:
            add(
                ("allowance", (token, spender)),
                token,
                calldata("allowance(address,address)", self.flasharb, spender),
            )
        fa = self.flasharb
        add(("role", "owner"), fa, selector("owner()"))
        add(("role", "pendingOwner"), fa, selector("pendingOwner()"))
        add(("role", "paused"), fa, selector("paused()"))
        for account in self.executor_candidates:
            add(("role", ("isExecutor", account)), fa, calldata("isExecutor(address)", account))
        for pool in self.curve_candidates:
            add(("role", ("curve", pool)), fa, calldata("curvePoolCoins(address)", pool))
        self._calldata = calldata(MULTICALL_AGGREGATE3, calls)

    def read(self) -> State:
        ok, raw = self.node.call(ZERO, self.multicall, self._calldata)
        if not ok:
            raise RuntimeError(f"the state read failed: 0x{raw[:100].hex()}")
        results = decode_aggregate3(raw)
        state = State({}, {}, {})
        for (kind, key), (success, data) in zip(self._plan, results, strict=True):
            if not success:
                raise RuntimeError(f"state read {kind} {key} failed: 0x{bytes(data).hex()}")
            if kind == "balance":
                state.balances[key] = int.from_bytes(data[:32], "big")
            elif kind == "allowance":
                state.allowances[key] = int.from_bytes(data[:32], "big")
            elif key in ("owner", "pendingOwner"):
                state.roles[key] = addr("0x" + bytes(data[12:32]).hex())
            elif key == "paused":
                state.roles[key] = bool(int.from_bytes(data[:32], "big"))
            elif key[0] == "isExecutor":
                state.roles[key] = bool(int.from_bytes(data[:32], "big"))
            else:
                (coins,) = decode(["address[]"], data)
                state.roles[key] = tuple(addr(c) for c in coins)
        return state

    def allowances_of(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """FlashArb's allowance for each (token, spender), outside the fixed grid."""
        pairs = list(pairs)
        if not pairs:
            return {}
        calls = [(t, True, calldata("allowance(address,address)", self.flasharb, s)) for t, s in pairs]
        ok, raw = self.node.call(ZERO, self.multicall, calldata(MULTICALL_AGGREGATE3, calls))
        if not ok:
            raise RuntimeError("the allowance read failed")
        results = decode_aggregate3(raw)
        return {
            p: (int.from_bytes(d[:32], "big") if s and len(d) >= 32 else -1)
            for p, (s, d) in zip(pairs, results, strict=True)
        }


def decode_aggregate3(raw: bytes) -> list[tuple[bool, bytes]]:
    """Multicall3.aggregate3's (bool success, bytes returnData)[] without eth_abi's generic decoder
    (which took most of each step's time for the thousand-odd reads here)."""

    def word(at: int) -> int:
        return int.from_bytes(raw[at : at + 32], "big")

    base = word(0)
    n = word(base)
    heads = base + 32
    out = []
    for i in range(n):
        t = heads + word(heads + 32 * i)
        start = t + word(t + 32)
        length = word(start)
        out.append((bool(word(t)), raw[start + 32 : start + 32 + length]))
    return out


# ---- routes -------------------------------------------------------------------------------------

LENDER_AAVE, LENDER_BALANCER, LENDER_V2, LENDER_V3 = 0, 1, 2, 3
HOP_V2, HOP_V3, HOP_BALANCER, HOP_CURVE = 0, 1, 2, 3


@dataclass(frozen=True)
class RawHop:
    """One hop as Route.sol lays it out: kind, the 32-byte target, tokenOut, minOut."""

    kind: int
    target: bytes
    token_out: str
    min_out: int = 0
    pool: str = ""
    """The pool's address (for Balancer, the pool id's first 20 bytes), for bookkeeping."""

    @staticmethod
    def v2(pair: str, token_out: str, fee_bps: int = 30, min_out: int = 0) -> RawHop:
        target = _a(pair) + fee_bps.to_bytes(2, "big") + bytes(10)
        return RawHop(HOP_V2, target, addr(token_out), min_out, addr(pair))

    @staticmethod
    def v3(pool: str, token_out: str, min_out: int = 0) -> RawHop:
        return RawHop(HOP_V3, _a(pool) + bytes(12), addr(token_out), min_out, addr(pool))

    @staticmethod
    def balancer(pool_id: str, token_out: str, min_out: int = 0) -> RawHop:
        raw = bytes.fromhex(pool_id.removeprefix("0x"))
        return RawHop(HOP_BALANCER, raw, addr(token_out), min_out, addr("0x" + raw[:20].hex()))

    @staticmethod
    def curve(pool: str, i: int, j: int, token_out: str, min_out: int = 0) -> RawHop:
        target = _a(pool) + bytes([i, j]) + bytes(10)
        return RawHop(HOP_CURVE, target, addr(token_out), min_out, addr(pool))

    def with_min_out(self, min_out: int) -> RawHop:
        return RawHop(self.kind, self.target, self.token_out, min_out, self.pool)


def _a(address: str) -> bytes:
    return bytes.fromhex(addr(address)[2:])


def pack_route(lender: int, asset: str, amount: int, hops: Sequence[RawHop], min_profit: int = 0) -> bytes:
    """The packed route of Route.sol: a 54-byte header, then 69 bytes per hop."""
    out = bytes([lender, len(hops)]) + _a(asset) + amount.to_bytes(16, "big") + min_profit.to_bytes(16, "big")
    for h in hops:
        out += bytes([h.kind]) + h.target + _a(h.token_out) + h.min_out.to_bytes(16, "big")
    return out


def genuine_hops(manifest: Any, curve_listed: bool = True) -> dict[str, list[RawHop]]:
    """token in -> every hop out of it through a replica pool FlashArb accepts (V2 pairs with their
    0.3% fee, V3 pools, two-or-more-token Balancer pools, the listed Curve pool)."""
    table: dict[str, list[RawHop]] = {}

    def put(token_in: str, hop: RawHop) -> None:
        table.setdefault(addr(token_in), []).append(hop)

    for p in manifest.v2_pairs:
        put(p.token0, RawHop.v2(p.address, p.token1))
        put(p.token1, RawHop.v2(p.address, p.token0))
    for p in manifest.v3_pools:
        put(p.token0, RawHop.v3(p.address, p.token1))
        put(p.token1, RawHop.v3(p.address, p.token0))
    for p in manifest.balancer_pools:
        for a in p.tokens:
            for b in p.tokens:
                if a != b:
                    put(a, RawHop.balancer(p.pool_id, b))
    if curve_listed:
        for p in manifest.curve_pools:
            for i, a in enumerate(p.coins):
                for j, b in enumerate(p.coins):
                    if i != j:
                        put(a, RawHop.curve(p.address, i, j, b))
    return table


def decode_event(log: Log, types: list[str]) -> tuple[Any, ...]:
    return tuple(decode(types, log.data))


TRADE_TOPIC = bytes(keccak(text="Trade(uint256,address,uint256,uint256,uint256,uint256)"))
RESCUED_TOPIC = bytes(keccak(text="Rescued(address,address,uint256)"))
APPROVAL_TOPIC = bytes(keccak(text="Approval(address,address,uint256)"))


def topic_address(topic: bytes) -> str:
    return addr("0x" + topic[12:].hex())
