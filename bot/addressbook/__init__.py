"""Canonical contract addresses per chain, loaded once and validated.

`polygon.json` is generated from the npm packages by `tools/addressbook_from_npm.js` (never edited by
hand; a test regenerates it and compares). The same book serves real Polygon, the local Polygon
replica and forks of either: the replica places every contract at its real Polygon address.

One caveat, also written into the JSON: the replica runs Uniswap V2 bytecode for both QuickSwap and
SushiSwap, so on the replica SushiSwap pairs are found with `factory.getPair`, never by CREATE2 with
SushiSwap's real init code hash (`UniswapV2Dex.replica_init_code_hash` is the one that holds there).

    from bot.addressbook import load
    book = load(137)
    book.token("usdc.e").address, book.tokens["WETH"].decimals, book.aave_v3.pool
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from bot.addressbook.models import (
    AaveV3,
    AddressBook,
    AlgebraV1,
    BalancerV2,
    Curve,
    CurvePool,
    Multicall3,
    Token,
    UniswapV2Dex,
    UniswapV3,
    UniswapV3Fork,
)
from bot.errors import AddressBookError

__all__ = [
    "AaveV3",
    "AddressBook",
    "AlgebraV1",
    "BalancerV2",
    "Curve",
    "CurvePool",
    "Multicall3",
    "Token",
    "UniswapV2Dex",
    "UniswapV3",
    "UniswapV3Fork",
    "load",
    "load_file",
    "BOOKS",
]

_HERE = Path(__file__).resolve().parent
BOOKS: dict[int, Path] = {137: _HERE / "polygon.json"}
"""chain id -> the JSON file of its address book."""


def _describe(error: ValidationError, data: object) -> str:
    """Name the failing entries, e.g. `tokens[USDC].address: ... is not an EIP-55 checksummed address`."""
    parts = []
    for item in error.errors():
        location = list(item["loc"])
        # Name list entries by their symbol or name instead of an index.
        cursor: object = data
        names = []
        for key in location:
            label = str(key)
            if isinstance(cursor, list) and isinstance(key, int) and key < len(cursor):
                entry = cursor[key]
                if isinstance(entry, dict):
                    label = str(entry.get("symbol") or entry.get("name") or key)
                cursor = entry
            elif isinstance(cursor, dict):
                cursor = cursor.get(key)
            else:
                cursor = None
            names.append(label)
        where = ".".join(names) if names else "book"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def load_file(path: Path) -> AddressBook:
    """Load and validate one address book JSON file; AddressBookError names what is wrong."""
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise AddressBookError(f"cannot read address book {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise AddressBookError(f"address book {path} is not valid JSON: {exc}") from exc
    try:
        return AddressBook.model_validate(data)
    except ValidationError as exc:
        raise AddressBookError(f"address book {path.name} is invalid: {_describe(exc, data)}") from exc


@cache
def load(chain_id: int = 137) -> AddressBook:
    """The validated address book of `chain_id` (137 = Polygon PoS); cached after the first load."""
    path = BOOKS.get(chain_id)
    if path is None:
        known = ", ".join(str(c) for c in sorted(BOOKS))
        raise AddressBookError(f"no address book for chain id {chain_id}; known chain ids: {known}")
    book = load_file(path)
    if book.chain_id != chain_id:
        raise AddressBookError(f"{path.name} declares chain id {book.chain_id}, expected {chain_id}")
    return book
