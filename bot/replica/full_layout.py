"""The replica at Polygon scale (`--scale full`): every token of the address book on every venue kind,
600+ pools, liquidity spread like the real market (deep majors, a thin long tail).

The layout is a table, `VENUES`: one entry per venue kind, each a function of the book's tokens that
returns that venue's pool specifications in the shape its build module seeds (`uniswap_v2.PAIRS`,
`uniswap_v3.POOLS`, `balancer.POOLS`, curve pools). A venue kind added to the replica plugs in with one
entry here and one in `bot.replica.full_build.SEEDERS` (the step that builds its pools).

Depth: each token has a tier (`TIERS`: 1 for the majors, 2 for the mid caps, 3 for the long tail); a
pool's USD value is `DEPTH_USD[tier a][tier b]` times the venue's share (`VENUE_SHARE`), times a
deterministic spread between 1/2 and 3/2 drawn from the pool's name (sha256, no randomness), so pools of
the same kind are not all alike. Every amount comes from the one price table (`bot.replica.prices`)
through the same seeding code as the small replica.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from typing import Any

from bot.replica import algebra, sushiswap_v3

STABLES = ("USDC", "USDC.e", "USDT", "DAI")
TIERS: dict[str, int] = {
    "WMATIC": 1,
    "WETH": 1,
    "WBTC": 1,
    "USDC": 1,
    "USDC.e": 1,
    "USDT": 1,
    "DAI": 2,
    "LINK": 2,
    "AAVE": 2,
    "MaticX": 2,
    "QUICK": 3,
    "UNI": 3,
    "SUSHI": 3,
    "CRV": 3,
    "BAL": 3,
    "GHST": 3,
}
"""Depth tier per token: 1 majors, 2 mid caps, 3 long tail. A token missing here is long tail."""

DEPTH_USD: dict[tuple[int, int], int] = {
    (1, 1): 4_000_000,
    (1, 2): 800_000,
    (1, 3): 150_000,
    (2, 2): 120_000,
    (2, 3): 30_000,
    (3, 3): 8_000,
}
"""USD value of a pool between tokens of two tiers, before the venue's share and the spread."""

VENUE_SHARE: dict[str, Fraction] = {
    "quickswap": Fraction(1),
    "sushiswap": Fraction(2, 5),
    "uniswap_v3": Fraction(3, 4),
    "balancer": Fraction(1, 2),
    "curve": Fraction(2),
    "quickswap_v3": Fraction(1),
    "sushiswap_v3": Fraction(1, 4),
}
"""Each venue's depth relative to the table (QuickSwap V2 is the reference)."""

CONCENTRATED = ("curve", "uniswap_v3", "quickswap_v3", "sushiswap_v3")
"""Venues whose stable pairs are deep (stable math or tight ranges serve them), whatever the tiers."""

HUBS = ("WMATIC", "WETH", "USDC")
"""The tokens the long tail trades against on QuickSwap V3 (Algebra)."""

SUSHI_V3_FEE_BY_PAIR: dict[str, int] = {"stable": 100, "major": 500, "other": 3000}
"""SushiSwap V3's one fee tier per kind of pair."""

V3_TIERS_BY_PAIR: dict[str, tuple[int, ...]] = {
    "stable": (100, 500),
    "major": (500, 3000, 10000),
    "other": (3000, 10000),
}
"""Uniswap V3 fee tiers per kind of pair: stable-stable, major-major, anything else."""


def tier(symbol: str) -> int:
    return TIERS.get(symbol, 3)


def spread(name: str) -> Fraction:
    """A deterministic factor in [1/2, 3/2) from `name`."""
    digest = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")
    return Fraction(1, 2) + Fraction(digest % 1000, 1000)


def depth_usd(venue: str, symbols: tuple[str, ...]) -> int:
    """The USD value of a pool of `venue` between `symbols` (the two shallowest tiers decide)."""
    tiers = sorted(tier(s) for s in symbols)
    low, high = tiers[-2], tiers[-1]
    if all(s in STABLES for s in symbols) and venue in CONCENTRATED:
        low = high = 1  # stable pairs are deep where stable math or tight ranges serve them
    base = Fraction(DEPTH_USD[(low, high)]) * VENUE_SHARE[venue] * spread(venue + ":" + "/".join(symbols))
    return max(1_000, int(base) // 1_000 * 1_000)


def _pair_kind(a: str, b: str) -> str:
    if a in STABLES and b in STABLES:
        return "stable"
    if tier(a) == 1 and tier(b) == 1:
        return "major"
    return "other"


def _pairs(symbols: list[str]) -> list[tuple[str, str]]:
    return list(combinations(symbols, 2))


def quickswap_pairs(symbols: list[str]) -> list[tuple[str, str, str, int]]:
    """QuickSwap V2: every pair of tokens."""
    return [("quickswap", a, b, depth_usd("quickswap", (a, b))) for a, b in _pairs(symbols)]


def sushiswap_pairs(symbols: list[str]) -> list[tuple[str, str, str, int]]:
    """SushiSwap V2: every pair except those between two long-tail tokens."""
    return [
        ("sushiswap", a, b, depth_usd("sushiswap", (a, b)))
        for a, b in _pairs(symbols)
        if not (tier(a) == 3 and tier(b) == 3)
    ]


def uniswap_v3_pools(symbols: list[str]) -> list[tuple[str, str, int, int]]:
    """Uniswap V3: each pair at the fee tiers its kind trades at (V3_TIERS_BY_PAIR)."""
    pools = []
    for a, b in _pairs(symbols):
        fees = V3_TIERS_BY_PAIR[_pair_kind(a, b)]
        for k, fee in enumerate(fees):
            usd = depth_usd("uniswap_v3", (a, b)) // (k + 1)  # the main tier is deepest
            pools.append((a, b, fee, max(1_000, usd)))
    return pools


def quickswap_v3_pools(symbols: list[str]) -> list[tuple[str, str, int]]:
    """QuickSwap V3 (Algebra V1, one pool per pair, adaptive fee): every pair of majors and mid caps,
    each long-tail token against the hubs (HUBS), and the small replica's pairs (`algebra.POOLS`)."""
    pairs = [(a, b) for a, b in _pairs(symbols) if tier(a) < 3 and tier(b) < 3]
    pairs += [(s, hub) for s in symbols if tier(s) == 3 for hub in HUBS if hub in symbols]
    have = {frozenset(p) for p in pairs}
    pairs += [(a, b) for a, b, _ in algebra.POOLS if frozenset((a, b)) not in have]
    return [(a, b, depth_usd("quickswap_v3", (a, b))) for a, b in pairs]


def sushiswap_v3_pools(symbols: list[str]) -> list[tuple[str, str, int, int]]:
    """SushiSwap V3: every pair of majors, each mid cap against WETH, WMATIC and USDC, each long-tail
    token against WETH, at the one fee tier its kind of pair trades at (SUSHI_V3_FEE_BY_PAIR), and the
    small replica's pools (`sushiswap_v3.POOLS`) at their own fee tiers."""
    pairs = [(a, b) for a, b in _pairs(symbols) if tier(a) == tier(b) == 1]
    pairs += [(s, hub) for s in symbols if tier(s) == 2 for hub in HUBS if hub in symbols]
    pairs += [(s, "WETH") for s in symbols if tier(s) == 3 and "WETH" in symbols]
    pools = [(a, b, SUSHI_V3_FEE_BY_PAIR[_pair_kind(a, b)]) for a, b in pairs]
    have = {(frozenset((a, b)), fee) for a, b, fee in pools}
    pools += [(a, b, fee) for a, b, fee, _ in sushiswap_v3.POOLS if (frozenset((a, b)), fee) not in have]
    return [(a, b, fee, depth_usd("sushiswap_v3", (a, b))) for a, b, fee in pools]


def balancer_pools(symbols: list[str]) -> list[tuple[str, str, dict[str, int], int, int]]:
    """Balancer weighted: 80/20 pools of every non-major against WETH or WMATIC, 50/50 pools of the
    majors, and three-token pools of each mid cap with WETH and USDC."""
    pools: list[tuple[str, str, dict[str, int], int, int]] = []

    def add(weights: dict[str, int], fee: int) -> None:
        names = list(weights)
        label = "-".join(f"{weights[s]}{s}" for s in names)
        pools.append(
            (
                f"Balancer {' '.join(f'{weights[s]} {s}' for s in names)}",
                f"B-{label}",
                weights,
                fee,
                depth_usd("balancer", tuple(names)),
            )
        )

    majors = [s for s in symbols if tier(s) == 1]
    for a, b in _pairs(majors):
        add({a: 50, b: 50}, 3 * 10**15 if _pair_kind(a, b) != "stable" else 10**14)
    for s in symbols:
        if tier(s) == 1:
            continue
        add({s: 80, "WETH": 20}, 10**16)
        add({s: 80, "WMATIC": 20}, 10**16)
    for s in symbols:
        if tier(s) == 2 and s not in STABLES:
            add({s: 40, "WETH": 30, "USDC": 30}, 5 * 10**15)
    return pools


@dataclass(frozen=True)
class CurveSpec:
    """A CurveStableSwapReplica pool of the full replica."""

    name: str
    label: str
    """keccak256(label), last 20 bytes, is the pool's address (as for the book's replica pools)."""
    coins: tuple[str, ...]
    """Symbols in index order."""
    usd: int


def curve_pools(symbols: list[str]) -> list[CurveSpec]:
    """Curve StableSwap stand-ins over the stablecoins: every pair, and the 4-coin pool (the book's
    3pool comes from the address book and is built by the small replica's step)."""
    stables = [s for s in STABLES if s in symbols]
    specs = []
    for group in [*combinations(stables, 2), tuple(stables)]:
        name = "replica-" + "-".join(s.lower() for s in group)
        label = f"FlashArb Polygon replica: CurveStableSwapReplica {'/'.join(group)}"
        specs.append(CurveSpec(name, label, tuple(group), depth_usd("curve", tuple(group))))
    return specs


VENUES: dict[str, Callable[[list[str]], list[Any]]] = {
    "quickswap": quickswap_pairs,
    "sushiswap": sushiswap_pairs,
    "uniswap_v3": uniswap_v3_pools,
    "balancer_weighted": balancer_pools,
    "curve": curve_pools,
    "quickswap_v3": quickswap_v3_pools,
    "sushiswap_v3": sushiswap_v3_pools,
}
"""Venue kind -> its pools at full scale, from the token symbols (the book's order)."""


def layout(symbols: list[str]) -> dict[str, list[Any]]:
    """Every venue's pools at full scale."""
    return {venue: make(symbols) for venue, make in VENUES.items()}
