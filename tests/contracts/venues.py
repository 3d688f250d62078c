"""Test helpers: the replica's pools by token pair, price moves by big swaps, and route building.

Every venue is reached at its canonical address with the ABI from its own npm artifact, so the
helpers work on the replica and (with pool addresses of real Polygon) on a real fork alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ape import Contract

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"

ERC20_ABI = [
    {"type": "function", "name": n, "stateMutability": m, "inputs": i, "outputs": o}
    for n, m, i, o in [
        ("balanceOf", "view", [{"name": "a", "type": "address"}], [{"name": "", "type": "uint256"}]),
        (
            "allowance",
            "view",
            [{"name": "o", "type": "address"}, {"name": "s", "type": "address"}],
            [{"name": "", "type": "uint256"}],
        ),
        (
            "approve",
            "nonpayable",
            [{"name": "s", "type": "address"}, {"name": "v", "type": "uint256"}],
            [{"name": "", "type": "bool"}],
        ),
        (
            "transfer",
            "nonpayable",
            [{"name": "t", "type": "address"}, {"name": "v", "type": "uint256"}],
            [{"name": "", "type": "bool"}],
        ),
        ("decimals", "view", [], [{"name": "", "type": "uint8"}]),
    ]
]


@cache
def abi(relative: str) -> list[dict[str, Any]]:
    """The ABI of an npm artifact (hardhat or waffle JSON, or a bare ABI list)."""
    data = json.loads((NODE_MODULES / relative).read_text())
    return data["abi"] if isinstance(data, dict) else data


V2_PAIR = "@uniswap/v2-core/build/UniswapV2Pair.json"
V2_FACTORY = "@uniswap/v2-core/build/UniswapV2Factory.json"
V3_POOL = "@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json"
SWAP_ROUTER = "@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json"
AAVE_POOL = "@aave/core-v3/artifacts/contracts/protocol/pool/Pool.sol/Pool.json"
VAULT = "@balancer-labs/v2-deployments/dist/tasks/20210418-vault/abi/Vault.json"


def erc20(address: str) -> Any:
    return Contract(address, abi=ERC20_ABI)


def contract(address: str, artifact: str) -> Any:
    return Contract(address, abi=abi(artifact))


@dataclass
class Venues:
    """The replica's pools, looked up by token symbols, and ways to move their prices."""

    book: Any
    manifest: Any
    fund: Any

    def token(self, symbol: str) -> str:
        return str(self.book.token(symbol).address)

    def _pair_key(self, a: str, b: str) -> tuple[str, str]:
        x, y = self.token(a), self.token(b)
        return (x, y) if x.lower() < y.lower() else (y, x)

    def v2_pair(self, dex: str, a: str, b: str) -> str:
        t0, t1 = self._pair_key(a, b)
        for p in self.manifest.v2_pairs:
            if p.dex == dex and (p.token0, p.token1) == (t0, t1):
                return str(p.address)
        raise LookupError(f"no {dex} pair {a}/{b} in the replica")

    def v3_pool(self, a: str, b: str, fee: int) -> str:
        t0, t1 = self._pair_key(a, b)
        for p in self.manifest.v3_pools:
            if (p.token0, p.token1, p.fee) == (t0, t1, fee):
                return str(p.address)
        raise LookupError(f"no Uniswap V3 pool {a}/{b} fee {fee} in the replica")

    def v3_fork_pool(self, dex: str, a: str, b: str, fee: int) -> str:
        """The pool of a venue running Uniswap V3 code at its own factory ("sushiswap-v3")."""
        t0, t1 = self._pair_key(a, b)
        for p in self.manifest.v3_fork_pools:
            if (p.dex, p.token0, p.token1, p.fee) == (dex, t0, t1, fee):
                return str(p.address)
        raise LookupError(f"no {dex} pool {a}/{b} fee {fee} in the replica")

    def balancer_pool_id(self, a: str, b: str) -> str:
        x, y = self.token(a), self.token(b)
        for p in self.manifest.balancer_pools:
            if set(p.tokens) == {x, y}:
                return str(p.pool_id)
        raise LookupError(f"no two-token Balancer pool {a}/{b} in the replica")

    def curve_pool(self) -> Any:
        return self.manifest.curve_pools[0]

    def curve_index(self, symbol: str) -> int:
        return list(self.curve_pool().coins).index(self.token(symbol))

    # ---- price moves: a trader's big swap straight into one pool ----------------------------

    def push_v2(self, dex: str, sell: str, buy: str, amount: int, trader: Any) -> int:
        """Sells `amount` of `sell` for `buy` in a V2 pair, moving its price; returns the output."""
        pair = contract(self.v2_pair(dex, sell, buy), V2_PAIR)
        token_in = self.token(sell)
        self.fund(token_in, trader, amount)
        erc20(token_in).transfer(pair.address, amount, sender=trader)
        r0, r1, _ = pair.getReserves()
        zero_for_one = token_in.lower() < self.token(buy).lower()
        r_in, r_out = (r0, r1) if zero_for_one else (r1, r0)
        out = amount * 997 * r_out // (r_in * 1000 + amount * 997)
        pair.swap(0 if zero_for_one else out, out if zero_for_one else 0, trader, b"", sender=trader)
        return out

    def push_v3(self, sell: str, buy: str, fee: int, amount: int, trader: Any) -> None:
        """Sells `amount` of `sell` for `buy` in a V3 pool through the SwapRouter."""
        router = contract(self.book.uniswap_v3.swap_router, SWAP_ROUTER)
        token_in = self.token(sell)
        self.fund(token_in, trader, amount)
        erc20(token_in).approve(router.address, amount, sender=trader)
        params = (token_in, self.token(buy), fee, trader.address, 2**64, amount, 0, 0)
        router.exactInputSingle(params, sender=trader)

    def push_balancer(self, sell: str, buy: str, amount: int, trader: Any) -> None:
        """Sells `amount` of `sell` for `buy` in the two-token Balancer pool of the pair."""
        vault = contract(self.book.balancer_v2.vault, VAULT)
        token_in = self.token(sell)
        self.fund(token_in, trader, amount)
        erc20(token_in).approve(vault.address, amount, sender=trader)
        single = (self.balancer_pool_id(sell, buy), 0, token_in, self.token(buy), amount, b"")
        funds = (trader.address, False, trader.address, False)
        vault.swap(single, funds, 0, 2**64, sender=trader)

    def push_curve(self, project: Any, sell: str, buy: str, amount: int, trader: Any) -> None:
        """Sells `amount` of `sell` for `buy` in the replica's Curve pool."""
        pool = project.CurveStableSwapReplica.at(self.curve_pool().address)
        token_in = self.token(sell)
        self.fund(token_in, trader, amount)
        erc20(token_in).approve(pool.address, amount, sender=trader)
        pool.exchange(self.curve_index(sell), self.curve_index(buy), amount, 0, sender=trader)
