"""Simulated market flow: traders who swap on the replica's venues every block and open price gaps.

Real Polygon prices drift apart between venues because traders hit one pool at a time. On the
replica nothing moves unless someone trades, so `MarketFlow` plays those traders: each block it sends
a few swaps of random size and direction through the real routers (UniswapV2Router02 for QuickSwap
and SushiSwap, Uniswap V3 SwapRouter, the Algebra SwapRouter for QuickSwap V3, Balancer Vault.swap)
from dev accounts it funds itself. SushiSwap V3 has no router on the replica: the flow deploys Uniswap
V3's SwapRouter bound to SushiSwap's factory for its traders (a traders' router, not Sushi's own).

    flow = MarketFlow(w3, replica.manifest, seed=7, intensity=3)
    for block in range(start, start + 100):
        flow.step(block)          # the swaps of this block, executed; returns their results

Reproducible: the swaps of a block are a pure function of (seed, block, the pool depths read when the
flow was made), so the same seed on the same starting state gives the same swaps and the same prices.

Sizes are fractions of the venue's depth on the input side (V2 reserves, the tokens a V3 pool holds,
Balancer balances), drawn in parts per million from bands: most swaps are small, a few
are large enough to open a gap worth a few to tens of USD after fees. All amounts are integers.

Needs a dev node (anvil: the replica or a fork of it): traders are impersonated accounts whose token
balances are set with `bot.replica.deal`.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode, encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from bot.addressbook import AddressBook, load
from bot.errors import ReplicaError
from bot.market.abi import selector
from bot.replica.artifacts import npm_artifact
from bot.replica.deal import deal
from bot.replica.manifest import Manifest

logger = logging.getLogger(__name__)

TRADERS = 4
"""Distinct trader accounts (derived from the seed)."""
TRADER_NATIVE_WEI = 10_000 * 10**18
"""Native balance each trader gets for gas."""
SWAP_GAS = 1_500_000
"""Gas limit of one swap (no estimate round trip; V3 swaps crossing ticks stay far below)."""
DEADLINE = 2**63
MAX_UINT256 = 2**256 - 1
MAX_INTENSITY = 100

SIZE_BANDS_PPM: tuple[tuple[int, int, int], ...] = (
    # (weight in percent, smallest, largest) fraction of the input side's depth, parts per million
    (55, 5, 100),
    (33, 100, 1_000),
    (9, 1_000, 4_000),
    (3, 4_000, 10_000),
)
"""Most swaps move a pool by hundredths of a percent; about 3 in 100 move a V2 pool by 1-2%, which
on the replica's $0.1-3M pools opens a gap worth a few to tens of USD after both venues' fees."""


APPROVE = selector("approve(address,uint256)")
ALLOWANCE = selector("allowance(address,address)")
V2_SWAP = selector("swapExactTokensForTokens(uint256,uint256,address[],address,uint256)")
V2_RESERVES = selector("getReserves()")
V3_SWAP = selector("exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))")
ALGEBRA_SWAP = selector("exactInputSingle((address,address,address,uint256,uint256,uint256,uint160))")
BALANCE_OF = selector("balanceOf(address)")
VAULT_SWAP = selector(
    "swap((bytes32,uint8,address,address,uint256,bytes),(address,bool,address,bool),uint256,uint256)"
)
VAULT_POOL_TOKENS = selector("getPoolTokens(bytes32)")
TRANSFER_TOPIC = keccak(text="Transfer(address,address,uint256)")


@dataclass(frozen=True, slots=True)
class Venue:
    """A pool the traders can hit."""

    kind: str
    """"v2", "v3" (Uniswap V3 and its forks), "algebra" or "balancer"."""
    name: str
    """Readable, e.g. "quickswap WMATIC/USDC"."""
    pool: str
    """The pair / pool contract."""
    tokens: tuple[str, ...]
    """Tradeable tokens (V2/V3: token0, token1; Balancer: the Vault's order)."""
    spender: str
    """Where the trader approves and sends: the V2 router, a SwapRouter or the Vault."""
    fee: int = 0
    """V3: the pool fee (hundredths of a bp)."""
    pool_id: str = ""
    """Balancer: the pool id."""


@dataclass(frozen=True, slots=True)
class PlannedSwap:
    """One swap of the flow, before it is sent."""

    block: int
    venue: Venue
    trader: str
    token_in: str
    token_out: str
    amount_in: int
    size_ppm: int
    """amount_in as parts per million of the venue's depth in token_in."""


@dataclass(frozen=True, slots=True)
class SwapResult:
    """A swap as executed."""

    swap: PlannedSwap
    tx_hash: str
    ok: bool
    """The transaction succeeded."""
    amount_out: int
    """token_out the trader received (0 if it reverted)."""


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


class MarketFlow:
    """Seeded simulated traders on the venues of `manifest`. See the module docstring."""

    def __init__(
        self, w3: Any, manifest: Manifest, seed: int, intensity: int = 3, book: AddressBook | None = None
    ) -> None:
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ReplicaError(f"market flow: seed must be an integer, got {seed!r}")
        if (
            not isinstance(intensity, int)
            or isinstance(intensity, bool)
            or not 0 <= intensity <= MAX_INTENSITY
        ):
            raise ReplicaError(
                f"market flow: intensity (mean swaps per block) must be an integer 0-{MAX_INTENSITY}, "
                f"got {intensity!r}"
            )
        self.w3 = w3
        self.manifest = manifest
        self.seed = seed
        self.intensity = intensity
        self.book = book if book is not None else load(manifest.chain_id)
        self.traders = tuple(self._trader(i) for i in range(TRADERS))
        self.depths: dict[str, tuple[int, ...]] = {}
        self._approved: set[tuple[str, str, str]] = set()
        self._ready: set[str] = set()
        self.venues = self._venues()
        if not self.venues:
            raise ReplicaError("market flow: the manifest lists no V2, V3 or Balancer pools to trade on")
        self.refresh_depths()

    # Setup ----------------------------------------------------------------------------------------
    def _venues(self) -> tuple[Venue, ...]:
        symbols = {info.address.lower(): symbol for symbol, info in self.manifest.tokens.items()}

        def label(tokens: tuple[str, ...]) -> str:
            return "/".join(symbols.get(t.lower(), t[:8]) for t in tokens)

        venues: list[Venue] = []
        for pair in self.manifest.v2_pairs:
            tokens = (pair.token0, pair.token1)
            router = self.book.dex(pair.dex).router
            venues.append(Venue("v2", f"{pair.dex} {label(tokens)}", pair.address, tokens, router))
        swap_router = self.book.uniswap_v3.swap_router
        for pool in self.manifest.v3_pools:
            tokens = (pool.token0, pool.token1)
            name = f"uniswap-v3 {label(tokens)} {pool.fee}"
            venues.append(Venue("v3", name, pool.address, tokens, swap_router, fee=pool.fee))
        routers: dict[str, str] = {}
        for fpool in self.manifest.v3_fork_pools:
            if fpool.factory not in routers:
                routers[fpool.factory] = self._fork_router(fpool.factory)
            tokens = (fpool.token0, fpool.token1)
            name = f"{fpool.dex} {label(tokens)} {fpool.fee}"
            venues.append(Venue("v3", name, fpool.address, tokens, routers[fpool.factory], fee=fpool.fee))
        for apool in self.manifest.algebra_pools:
            tokens = (apool.token0, apool.token1)
            name = f"quickswap-v3 {label(tokens)}"
            venues.append(Venue("algebra", name, apool.address, tokens, self.book.quickswap_v3.swap_router))
        vault = self.book.balancer_v2.vault
        for bpool in self.manifest.balancer_pools:
            name = f"balancer {label(bpool.tokens)}"
            venues.append(Venue("balancer", name, bpool.address, bpool.tokens, vault, pool_id=bpool.pool_id))
        for spool in self.manifest.balancer_stable_pools:
            # a ComposableStable pool's own BPT is registered among its tokens; traders never swap it
            traded = tuple(t for t in spool.tokens if t != spool.address)
            name = f"balancer-stable {label(traded)}"
            venues.append(Venue("balancer", name, spool.address, traded, vault, pool_id=spool.pool_id))
        return tuple(venues)

    def _fork_router(self, factory: str) -> str:
        """Uniswap V3's SwapRouter bound to a V3 fork's `factory`: deployed at nonce 0 of an account
        derived from the factory, so every flow on the same chain finds (or makes) the same router."""
        deployer = to_checksum_address(
            keccak(b"flasharb market flow router" + bytes.fromhex(factory[2:]))[12:]
        )
        # CREATE at nonce 0: keccak(rlp([deployer, 0])), the RLP list being 0xd6 0x94 <20 bytes> 0x80
        address = to_checksum_address(keccak(b"\xd6\x94" + bytes.fromhex(deployer[2:]) + b"\x80")[12:])
        if self._rpc("eth_getCode", [address, "latest"]) not in ("0x", "0x0", ""):
            return address
        artifact = npm_artifact("SwapRouter")
        wmatic = self.book.token("WMATIC").address
        creation = bytes.fromhex(artifact.bytecode) + encode(["address", "address"], [factory, wmatic])
        self._prepare_trader(deployer)
        tx = {"from": deployer, "data": _hex(creation), "gas": hex(6_000_000)}
        receipt = self._receipt(str(self._rpc("eth_sendTransaction", [tx])))
        if receipt["status"] != 1 or receipt.get("contractAddress") != address:
            raise ReplicaError(
                f"market flow: deploying a SwapRouter for factory {factory} failed (or its deployer "
                f"{deployer} had sent before)"
            )
        return address

    def _trader(self, index: int) -> str:
        digest = keccak(
            b"flasharb market flow trader" + self.seed.to_bytes(32, "big", signed=True) + bytes([index])
        )
        return to_checksum_address(digest[12:])

    def _rpc(self, method: str, params: list[Any]) -> Any:
        reply = self.w3.provider.make_request(method, params)
        if "error" in reply:
            raise ReplicaError(f"market flow: {method} failed: {reply['error']}")
        return reply["result"]

    def _call(self, to: str, data: bytes) -> bytes:
        raw = self._rpc("eth_call", [{"to": to, "data": _hex(data)}, "latest"])
        return bytes.fromhex(str(raw).removeprefix("0x"))

    def _prepare_trader(self, trader: str) -> None:
        if trader in self._ready:
            return
        self._rpc("anvil_impersonateAccount", [trader])
        self._rpc("anvil_setBalance", [trader, hex(TRADER_NATIVE_WEI)])
        self._ready.add(trader)

    # Depths and plans ---------------------------------------------------------------------------
    def read_depths(self) -> dict[str, tuple[int, ...]]:
        """Each venue's depth per token (pool address -> amounts in the venue's token order): V2
        reserves, the V3 pool's token balances, Balancer balances. (V3 virtual reserves of a narrow
        range are tens of times larger: sized on them, one swap would move a whole market.)"""
        depths: dict[str, tuple[int, ...]] = {}
        for venue in self.venues:
            if venue.kind == "v2":
                r0, r1, _ = decode(["uint112", "uint112", "uint32"], self._call(venue.pool, V2_RESERVES))
                depths[venue.pool] = (int(r0), int(r1))
            elif venue.kind in ("v3", "algebra"):
                depths[venue.pool] = tuple(
                    int(
                        decode(
                            ["uint256"], self._call(token, BALANCE_OF + encode(["address"], [venue.pool]))
                        )[0]
                    )
                    for token in venue.tokens
                )
            else:
                data = VAULT_POOL_TOKENS + encode(
                    ["bytes32"], [bytes.fromhex(venue.pool_id.removeprefix("0x"))]
                )
                registered, balances, _ = decode(
                    ["address[]", "uint256[]", "uint256"], self._call(self.book.balancer_v2.vault, data)
                )
                by_token = {str(t).lower(): int(b) for t, b in zip(registered, balances, strict=True)}
                depths[venue.pool] = tuple(by_token[t.lower()] for t in venue.tokens)
        return depths

    def refresh_depths(self) -> None:
        """Re-read the depths that size later swaps (the plans of a seed depend on them)."""
        self.depths = self.read_depths()

    def plan(self, block: int) -> tuple[PlannedSwap, ...]:
        """The swaps of `block`: a pure function of (seed, block, self.depths)."""
        rng = random.Random(f"flasharb-market-flow:{self.seed}:{block}")
        count = rng.randint(0, 2 * self.intensity)
        weights = [band[0] for band in SIZE_BANDS_PPM]
        swaps: list[PlannedSwap] = []
        for _ in range(count):
            venue = self.venues[rng.randrange(len(self.venues))]
            i, j = rng.sample(range(len(venue.tokens)), 2)
            _, low, high = rng.choices(SIZE_BANDS_PPM, weights=weights)[0]
            ppm = rng.randint(low, high)
            trader = self.traders[rng.randrange(len(self.traders))]
            amount = self.depths[venue.pool][i] * ppm // 1_000_000
            if amount == 0:
                continue
            swaps.append(PlannedSwap(block, venue, trader, venue.tokens[i], venue.tokens[j], amount, ppm))
        return tuple(swaps)

    # Execution ------------------------------------------------------------------------------------
    def _send(self, sender: str, to: str, data: bytes) -> str:
        tx = {"from": sender, "to": to, "data": _hex(data), "gas": hex(SWAP_GAS)}
        return str(self._rpc("eth_sendTransaction", [tx]))

    def _receipt(self, tx_hash: str) -> dict[str, Any]:
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60)
        return dict(receipt)

    def _approve(self, trader: str, token: str, spender: str) -> None:
        key = (trader, token.lower(), spender.lower())
        if key in self._approved:
            return
        allowance = int(
            decode(
                ["uint256"], self._call(token, ALLOWANCE + encode(["address", "address"], [trader, spender]))
            )[0]
        )
        if allowance < MAX_UINT256 // 2:
            tx_hash = self._send(
                trader, token, APPROVE + encode(["address", "uint256"], [spender, MAX_UINT256])
            )
            if self._receipt(tx_hash)["status"] != 1:
                raise ReplicaError(
                    f"market flow: approve of {spender} for token {token} by {trader} reverted"
                )
        self._approved.add(key)

    def _calldata(self, swap: PlannedSwap) -> bytes:
        venue = swap.venue
        if venue.kind == "v2":
            return V2_SWAP + encode(
                ["uint256", "uint256", "address[]", "address", "uint256"],
                [swap.amount_in, 0, [swap.token_in, swap.token_out], swap.trader, DEADLINE],
            )
        if venue.kind == "v3":
            params = (swap.token_in, swap.token_out, venue.fee, swap.trader, DEADLINE, swap.amount_in, 0, 0)
            return V3_SWAP + encode(
                ["(address,address,uint24,address,uint256,uint256,uint256,uint160)"], [params]
            )
        if venue.kind == "algebra":
            exact_in = (swap.token_in, swap.token_out, swap.trader, DEADLINE, swap.amount_in, 0, 0)
            return ALGEBRA_SWAP + encode(
                ["(address,address,address,uint256,uint256,uint256,uint160)"], [exact_in]
            )
        single = (
            bytes.fromhex(venue.pool_id.removeprefix("0x")),
            0,
            swap.token_in,
            swap.token_out,
            swap.amount_in,
            b"",
        )
        funds = (swap.trader, False, swap.trader, False)
        return VAULT_SWAP + encode(
            [
                "(bytes32,uint8,address,address,uint256,bytes)",
                "(address,bool,address,bool)",
                "uint256",
                "uint256",
            ],
            [single, funds, 0, DEADLINE],
        )

    def _amount_out(self, receipt: dict[str, Any], swap: PlannedSwap) -> int:
        trader_topic = bytes(12) + bytes.fromhex(swap.trader.removeprefix("0x"))
        received = 0
        for log in receipt["logs"]:
            topics = [bytes(t) for t in log["topics"]]
            if (
                str(log["address"]).lower() == swap.token_out.lower()
                and len(topics) == 3
                and topics[0] == TRANSFER_TOPIC
                and topics[2] == trader_topic
            ):
                data = log["data"]
                received += int.from_bytes(
                    bytes(data) if not isinstance(data, str) else bytes.fromhex(data[2:]), "big"
                )
        return received

    def execute(self, swap: PlannedSwap) -> SwapResult:
        """Fund the trader with exactly `amount_in` of token_in and send the swap; wait for the receipt."""
        self._prepare_trader(swap.trader)
        self._approve(swap.trader, swap.token_in, swap.venue.spender)
        deal(self.w3, swap.token_in, swap.trader, swap.amount_in)
        tx_hash = self._send(swap.trader, swap.venue.spender, self._calldata(swap))
        receipt = self._receipt(tx_hash)
        ok = receipt["status"] == 1
        if not ok:
            logger.warning("market flow: swap on %s reverted (%s)", swap.venue.name, tx_hash)
        amount_out = self._amount_out(receipt, swap) if ok else 0
        logger.debug(
            "market flow: block %d %s sold %d of %s for %d (%d ppm of depth)",
            swap.block,
            swap.venue.name,
            swap.amount_in,
            swap.token_in,
            amount_out,
            swap.size_ppm,
        )
        return SwapResult(swap, tx_hash if tx_hash.startswith("0x") else "0x" + tx_hash, ok, amount_out)

    def step(self, block: int) -> tuple[SwapResult, ...]:
        """Send (and wait for) the swaps planned for `block`, in order."""
        return tuple(self.execute(swap) for swap in self.plan(block))
