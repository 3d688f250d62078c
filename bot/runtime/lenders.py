"""What each lender offers, read on-chain in one Multicall3 round trip: Aave V3's flash-loan premium
and its reserves with flash loans enabled (and how much each can lend), the Balancer Vault's flash-loan
fee and its balances. What each can lend changes every block: `LenderBook.watches` lists the balances
to read in the block's own Multicall3 batch (bot.market.reader), `LenderBook.available` turns them
into what each lender can lend of each asset.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from eth_abi.abi import decode, encode
from eth_utils.address import to_checksum_address

from bot.addressbook import AddressBook
from bot.errors import RpcError
from bot.market.abi import selector
from bot.market.multicall import Call, Multicall
from bot.ops.config import LenderSource
from bot.route.model import Lender
from bot.search.lenders import LenderTerms

logger = logging.getLogger(__name__)

FLASHLOAN_ENABLED_BIT = 63
"""Aave V3 ReserveConfiguration: bit 63 is "flash loans enabled"."""
A_TOKEN_WORD = 8
"""getReserveData(asset): the aToken address is the 9th word of ReserveData."""


PREMIUM_TOTAL = selector("FLASHLOAN_PREMIUM_TOTAL()")
RESERVES_LIST = selector("getReservesList()")
RESERVE_DATA = selector("getReserveData(address)")
BALANCE_OF = selector("balanceOf(address)")
FLASH_FEE = selector("getFlashLoanFeePercentage()")


def balance_call(token: str, holder: str) -> Call:
    return Call(token, BALANCE_OF + encode(["address"], [holder]))


def _word(data: bytes, index: int = 0) -> int:
    return int.from_bytes(data[32 * index : 32 * index + 32], "big")


@dataclass(frozen=True, slots=True)
class LenderBook:
    """Lender terms for the search and where each lender keeps its liquidity."""

    terms: LenderTerms
    a_tokens: dict[str, str] = field(default_factory=dict)
    """Aave reserve asset -> its aToken (which holds what Aave can lend)."""
    vault: str = ""
    """The Balancer Vault (which holds what Balancer can lend)."""

    def watches(self, assets: Iterable[str] | None = None) -> tuple[tuple[str, str], ...]:
        """(token, holder) balances that say what the lenders can lend of `assets` (default: every
        asset they offer): each Aave reserve's balance in its aToken, the Vault's balances."""
        wanted = None if assets is None else set(assets)
        found: list[tuple[str, str]] = []
        for asset in sorted(self.terms.aave_assets):
            if (wanted is None or asset in wanted) and asset in self.a_tokens:
                found.append((asset, self.a_tokens[asset]))
        if self.vault:
            for asset in sorted(self.terms.balancer_assets):
                if wanted is None or asset in wanted:
                    found.append((asset, self.vault))
        return tuple(found)

    def available(
        self, balances: Mapping[tuple[str, str], int] | None
    ) -> dict[tuple[Lender, str], int] | None:
        """(lender, asset) -> what it can lend now, from the watched `balances` (None if not read)."""
        if balances is None:
            return None
        found: dict[tuple[Lender, str], int] = {}
        for asset in self.terms.aave_assets:
            holder = self.a_tokens.get(asset)
            if holder is not None and (asset, holder) in balances:
                found[(Lender.AAVE, asset)] = balances[(asset, holder)]
        for asset in self.terms.balancer_assets:
            if (asset, self.vault) in balances:
                found[(Lender.BALANCER, asset)] = balances[(asset, self.vault)]
        return found


def read_lenders(
    multicall: Multicall, book: AddressBook, vault_tokens: Iterable[str], allowed: Iterable[LenderSource]
) -> LenderBook:
    """Reads the lenders' terms; only the `allowed` sources are offered to the search."""
    allowed = set(allowed)
    pool, collector, vault = (
        book.aave_v3.pool,
        book.balancer_v2.protocol_fees_collector,
        book.balancer_v2.vault,
    )
    head = multicall.aggregate3(
        [Call(pool, PREMIUM_TOTAL), Call(pool, RESERVES_LIST), Call(collector, FLASH_FEE)]
    )
    if not head[0].success or not head[1].success:
        raise RpcError(f"Aave V3 Pool {pool} does not answer FLASHLOAN_PREMIUM_TOTAL/getReservesList")
    premium_bps = _word(head[0].data)
    (reserves,) = decode(["address[]"], head[1].data)
    reserves = [str(to_checksum_address(r)) for r in reserves]
    balancer_fee = _word(head[2].data) if head[2].success else 0
    # Balancer's fee is an 18-decimal fraction; in bps, rounded up so the bot never under-prices it.
    balancer_fee_bps = -(-balancer_fee * 10_000 // 10**18)
    data = multicall.aggregate3([Call(pool, RESERVE_DATA + encode(["address"], [r])) for r in reserves])
    a_tokens: dict[str, str] = {}
    enabled: list[str] = []
    for asset, result in zip(reserves, data, strict=True):
        if not result.success:
            logger.warning("lenders: getReserveData(%s) failed; reserve skipped", asset)
            continue
        configuration = _word(result.data, 0)
        a_tokens[asset] = str(
            to_checksum_address(result.data[32 * A_TOKEN_WORD + 12 : 32 * A_TOKEN_WORD + 32])
        )
        if configuration >> FLASHLOAN_ENABLED_BIT & 1:
            enabled.append(asset)
    vault_list = sorted(set(vault_tokens))
    balances = multicall.aggregate3(
        [balance_call(a, a_tokens[a]) for a in enabled] + [balance_call(t, vault) for t in vault_list]
    )
    aave_results, vault_results = balances[: len(enabled)], balances[len(enabled) :]
    aave_liquidity = {a: _word(r.data) for a, r in zip(enabled, aave_results, strict=True) if r.success}
    balancer_liquidity = {
        t: _word(r.data) for t, r in zip(vault_list, vault_results, strict=True) if r.success
    }
    terms = LenderTerms(
        aave_premium_bps=premium_bps,
        aave_assets=frozenset(enabled) if LenderSource.AAVE in allowed else frozenset(),
        balancer_assets=frozenset(balancer_liquidity) if LenderSource.BALANCER in allowed else frozenset(),
        balancer_fee_bps=balancer_fee_bps,
        aave_liquidity=aave_liquidity,
        balancer_liquidity=balancer_liquidity,
        pool_lender=LenderSource.FLASH_SWAP in allowed,
    )
    logger.info(
        "lenders: Aave premium %d bps, %d reserves with flash loans; Balancer fee %d bps, %d tokens",
        premium_bps,
        len(enabled),
        balancer_fee_bps,
        len(balancer_liquidity),
    )
    return LenderBook(terms, a_tokens, vault)
