"""The Multicall3 batch reader without a chain: encoding, decoding, chunking, retries, bad input."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi import decode, encode
from eth_utils.address import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st
from web3.exceptions import ContractLogicError, Web3RPCError

from bot.errors import ConfigError, RpcError
from bot.market import abi
from bot.market.multicall import (
    AGGREGATE3,
    Call,
    CallResult,
    Multicall,
    decode_aggregate3,
    encode_aggregate3,
    encode_aggregate3_eth_abi,
)

MULTICALL = "0xcA11bde05977b3631167028862bE2a173976CA11"
TARGET = "0x" + "11" * 20


def _reply(results: list[tuple[bool, bytes]]) -> bytes:
    return encode(["(bool,bytes)[]"], [results])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.binary(max_size=200)), max_size=30))
def test_decode_matches_eth_abi(results) -> None:  # type: ignore[no-untyped-def]
    decoded = decode_aggregate3(_reply(results), len(results))
    assert [(r.success, r.data) for r in decoded] == results


@settings(max_examples=30, deadline=None)
@given(st.lists(st.binary(max_size=100), min_size=1, max_size=20))
def test_encode_is_aggregate3_with_allow_failure(datas) -> None:  # type: ignore[no-untyped-def]
    calls = [Call(TARGET, d) for d in datas]
    encoded = encode_aggregate3(calls)
    assert encoded[:4] == AGGREGATE3
    (entries,) = decode(["(address,bool,bytes)[]"], encoded[4:])
    assert [(e[0].lower(), e[1], e[2]) for e in entries] == [(TARGET, True, d) for d in datas]


def test_decode_rejects_malformed_data() -> None:
    good = _reply([(True, b"\x01" * 32), (False, b"")])
    with pytest.raises(RpcError, match="2 results for 3 calls"):
        decode_aggregate3(good, 3)
    with pytest.raises(RpcError, match="missing|past the end"):
        decode_aggregate3(good[:-40], 2)
    with pytest.raises(RpcError):
        decode_aggregate3(b"", 1)


class _FakeProvider:
    """Answers eth_call requests from a script: bytes (a result), a dict (a raw JSON-RPC reply), an
    exception (raised), or a function of the transaction."""

    def __init__(self, replies: list[Any]) -> None:
        self.replies = replies
        self.calls: list[tuple[dict[str, str], Any]] = []

    def make_request(self, method: str, params: list[Any]) -> dict[str, Any]:
        assert method == "eth_call"
        transaction, block = params
        self.calls.append((transaction, block))
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, BaseException):
            raise reply
        if callable(reply):
            reply = reply(transaction)
        if isinstance(reply, dict):
            return {"jsonrpc": "2.0", "id": 1, **reply}
        return {"jsonrpc": "2.0", "id": 1, "result": "0x" + reply.hex()}


class _FakeWeb3:
    def __init__(self, *replies: Any) -> None:
        self.provider = _FakeProvider(list(replies))


def _echo(transaction: dict[str, str]) -> bytes:
    """A Multicall3 stand-in: every sub-call succeeds and returns its own calldata."""
    (entries,) = decode(["(address,bool,bytes)[]"], bytes.fromhex(transaction["data"][2 + 8 :]))
    return _reply([(True, e[2]) for e in entries])


def test_one_eth_call_per_batch_and_results_in_order() -> None:
    w3 = _FakeWeb3(_echo)
    multicall = Multicall(w3, MULTICALL)
    calls = [Call(TARGET, abi.ticks(t)) for t in range(-5, 5)]
    results = multicall.aggregate3(calls, block=1234)
    assert [r.data for r in results] == [c.data for c in calls]
    assert all(r.success for r in results)
    assert len(w3.provider.calls) == 1 and w3.provider.calls[0][1] == hex(1234)
    assert w3.provider.calls[0][0]["to"] == MULTICALL
    assert multicall.aggregate3([], block=1) == [] and len(w3.provider.calls) == 1


def test_a_large_batch_is_chunked_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    w3 = _FakeWeb3(_echo)
    multicall = Multicall(w3, MULTICALL, max_calls=3)
    calls = [Call(TARGET, abi.ticks(t)) for t in range(10)]
    with caplog.at_level("INFO", logger="bot.market.multicall"):
        results = multicall.aggregate3(calls)
    assert [r.data for r in results] == [c.data for c in calls]
    assert len(w3.provider.calls) == 4
    assert "10 calls split into 4 eth_calls" in caplog.text
    # by size: each entry is 160 bytes of head plus its padded calldata (36 -> 64)
    sized = Multicall(w3, MULTICALL, max_calldata_bytes=1_000)
    assert [len(b) for b in sized.chunks(calls)] == [4, 4, 2]


def test_transport_errors_are_retried_then_raised() -> None:
    busy = {"error": {"code": -32005, "message": "rate limited"}}
    w3 = _FakeWeb3(OSError("connection reset"), busy, Web3RPCError("busy"), _echo)
    multicall = Multicall(w3, MULTICALL, retries=3, backoff_s=0)
    assert multicall.aggregate3([Call(TARGET, b"\x01")])[0] == CallResult(True, b"\x01")
    assert len(w3.provider.calls) == 4 and multicall.eth_calls == 4

    always = _FakeWeb3(OSError("down"))
    multicall = Multicall(always, MULTICALL, retries=2, backoff_s=0)
    with pytest.raises(RpcError, match="failed after 3 attempts: OSError: down"):
        multicall.aggregate3([Call(TARGET, b"\x01")], block=7)
    assert len(always.provider.calls) == 3


def test_a_reverting_batch_is_not_retried() -> None:
    w3 = _FakeWeb3({"error": {"code": 3, "message": "execution reverted"}})
    multicall = Multicall(w3, MULTICALL, retries=5, backoff_s=0)
    with pytest.raises(RpcError, match="reverted at block latest"):
        multicall.aggregate3([Call(TARGET, b"\x01")])
    assert len(w3.provider.calls) == 1
    w3 = _FakeWeb3(ContractLogicError("execution reverted"))
    with pytest.raises(RpcError, match="reverted at block 5"):
        Multicall(w3, MULTICALL, retries=5, backoff_s=0).aggregate3([Call(TARGET, b"\x01")], block=5)
    assert len(w3.provider.calls) == 1


def test_bad_settings() -> None:
    with pytest.raises(ConfigError, match="max_calls"):
        Multicall(_FakeWeb3(b""), MULTICALL, max_calls=0)
    with pytest.raises(ConfigError, match="retries"):
        Multicall(_FakeWeb3(b""), MULTICALL, retries=-1)
    with pytest.raises(ConfigError, match="max_calldata_bytes"):
        Multicall(_FakeWeb3(b""), MULTICALL, max_calldata_bytes=10)


def test_word_decoders() -> None:
    minus_five = (2**256 - 5).to_bytes(32, "big")
    assert abi.signed_word(minus_five) == -5
    slot0 = encode(
        ["uint160", "int24", "uint16", "uint16", "uint16", "uint8", "bool"],
        [2**96, -887_000, 1, 1, 1, 0, True],
    )
    assert abi.slot0(slot0) == (2**96, -887_000)
    ticks = encode(
        ["uint128", "int128", "uint256", "uint256", "int56", "uint160", "uint32", "bool"],
        [10, -(10**20), 0, 0, 0, 0, 0, True],
    )
    assert abi.liquidity_net(ticks) == -(10**20)
    tokens = ["0x" + "aa" * 20, "0x" + "bb" * 20]
    data = encode(["address[]", "uint256[]", "uint256"], [tokens, [1, 2], 9])
    found, balances = abi.pool_tokens(data)
    assert [t.lower() for t in found] == tokens and balances == (1, 2)
    with pytest.raises(ValueError, match="getReserves"):
        abi.reserves(b"\x00" * 64)
    with pytest.raises(ValueError, match="bits above 160"):
        abi.address(b"\xff" * 32)


_addresses = st.binary(min_size=20, max_size=20).map(lambda raw: "0x" + raw.hex())


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(_addresses, _addresses.map(to_checksum_address)),
            st.binary(max_size=300),
        ),
        max_size=40,
    )
)
def test_hand_packed_encoding_is_eth_abis_byte_for_byte(entries) -> None:  # type: ignore[no-untyped-def]
    calls = [Call(target, data) for target, data in entries]
    assert encode_aggregate3(calls) == encode_aggregate3_eth_abi(calls)


def test_hand_packed_encoding_rejects_a_bad_target() -> None:
    with pytest.raises(ValueError, match="20-byte address"):
        encode_aggregate3([Call("0x1234", b"")])
