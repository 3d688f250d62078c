"""The address book: generated from npm exactly, validated at load, convenient to query."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path

import pytest

from bot.addressbook import BOOKS, load, load_file
from bot.errors import AddressBookError

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "tools" / "addressbook_from_npm.js"


@pytest.fixture(scope="module")
def data() -> dict:
    return json.loads(BOOKS[137].read_text())


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "book.json"
    path.write_text(json.dumps(data))
    return path


def test_committed_json_is_exactly_what_the_generator_makes_from_node_modules() -> None:
    done = subprocess.run(["node", str(GENERATOR), "--stdout"], capture_output=True, check=True, cwd=ROOT)
    assert done.stdout.decode() == BOOKS[137].read_text(), (
        "bot/addressbook/polygon.json drifted from node_modules: run `node tools/addressbook_from_npm.js`"
    )


def test_polygon_book_has_the_products_tokens_with_decimals() -> None:
    book = load(137)
    assert list(book.tokens) == [
        "WMATIC",
        "WETH",
        "WBTC",
        "USDC",
        "USDC.e",
        "USDT",
        "DAI",
        "LINK",
        "AAVE",
        "UNI",
        "SUSHI",
        "MaticX",
        "CRV",
        "BAL",
        "QUICK",
        "GHST",
    ]
    assert book.tokens["USDC"].decimals == 6
    assert book.tokens["USDC.e"].decimals == 6
    assert book.tokens["USDT"].decimals == 6
    assert book.tokens["WBTC"].decimals == 8
    assert book.tokens["WETH"].decimals == 18
    # The two USDCs are different contracts: native (Circle) and bridged (PoS).
    assert book.tokens["USDC"].address == "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359"
    assert book.tokens["USDC.e"].address == "0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174"
    assert book.balancer_v2.vault == "0xBA12222222228d8Ba445958a75a0704d566BF2C8"
    assert book.multicall3.address == "0xcA11bde05977b3631167028862bE2a173976CA11"


def test_v2_dexes_carry_fee_and_init_code_hashes() -> None:
    book = load(137)
    quick, sushi = book.dex("QuickSwap"), book.dex("sushiswap")
    assert quick.fee_bps == sushi.fee_bps == 30
    assert quick.init_code_hash == quick.replica_init_code_hash  # QuickSwap runs Uniswap V2's pair
    assert quick.init_code_hash.startswith("0x96e8ac42")
    assert sushi.init_code_hash.startswith("0xe18a34eb")
    assert sushi.replica_init_code_hash == quick.init_code_hash  # the replica runs Uniswap V2 for both


def test_token_lookup_is_case_insensitive_and_knows_aliases() -> None:
    book = load(137)
    assert book.token("usdc.e") is book.tokens["USDC.e"]
    assert book.token("WPOL") is book.tokens["WMATIC"]
    assert book.token_by_address(book.tokens["DAI"].address.lower()).symbol == "DAI"


def test_unknown_symbol_error_lists_the_known_ones() -> None:
    with pytest.raises(AddressBookError, match=r"no token 'XYZ'.*known symbols: WMATIC, WETH"):
        load(137).token("XYZ")


def test_unknown_chain_is_refused() -> None:
    with pytest.raises(AddressBookError, match="no address book for chain id 1; known chain ids: 137"):
        load(1)


def test_unchecksummed_address_is_refused_naming_the_token(tmp_path: Path, data: dict) -> None:
    bad = copy.deepcopy(data)
    bad["tokens"][2]["address"] = bad["tokens"][2]["address"].lower()
    with pytest.raises(AddressBookError, match=r"tokens\.WBTC\.address: .*not an EIP-55 checksummed address"):
        load_file(write(tmp_path, bad))


def test_token_without_decimals_is_refused(tmp_path: Path, data: dict) -> None:
    bad = copy.deepcopy(data)
    del bad["tokens"][6]["decimals"]
    with pytest.raises(AddressBookError, match=r"tokens\.DAI\.decimals: Field required"):
        load_file(write(tmp_path, bad))


def test_one_address_in_two_roles_is_refused(tmp_path: Path, data: dict) -> None:
    bad = copy.deepcopy(data)
    bad["uniswap_v3"]["quoter_v2"] = bad["uniswap_v3"]["swap_router"]
    with pytest.raises(
        AddressBookError, match=r"listed twice: as uniswap_v3\.swap_router and as uniswap_v3\.quoter_v2"
    ):
        load_file(write(tmp_path, bad))


def test_duplicate_token_is_refused(tmp_path: Path, data: dict) -> None:
    bad = copy.deepcopy(data)
    bad["tokens"].append(bad["tokens"][0])
    with pytest.raises(AddressBookError, match="token 'WMATIC' is listed twice"):
        load_file(write(tmp_path, bad))


def test_broken_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "book.json"
    path.write_text("{not json")
    with pytest.raises(AddressBookError, match="is not valid JSON"):
        load_file(path)


def test_models_are_frozen() -> None:
    book = load(137)
    with pytest.raises(ValueError):
        book.tokens["WETH"].decimals = 6  # type: ignore[misc]
