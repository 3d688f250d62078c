"""Issue 10, item 4: FlashArb's invariants under a stateful fuzz on the fork.

A Hypothesis `RuleBasedStateMachine` plays every actor against one deployed FlashArb that holds a
standing balance of seven tokens and of the native coin (something to steal):

- **strangers** (an EOA, an attacker contract, a former owner, an unlisted executor key): random
  calldata to every FlashArb function and callback, raw bytes, the owner's own admin calls with
  arguments that would work for the owner, callbacks sent *from* the lenders' and pools' own addresses
  (impersonated) outside any trade, flash loans naming FlashArb (Aave `flashLoanSimple` and `flashLoan`,
  the Balancer Vault's `flashLoan`, a Uniswap V2 flash swap), and re-arming the attacker's lying pools;
- **the market**: a trader's big swaps in V2 pairs and V3 pools (so some cycles pay);
- **an executor** (whose key may be stolen): random cycles over the replica's genuine pools (random
  lender, amount, minimums), arbitrage through a pool the market moved (sized by simulation, as the bot
  does; every example starts with two, one borrowed from Aave or the Vault, one from the moved pool
  itself), routes over lying pools (`LyingPoolTestOnly`, `MaliciousV3PoolTestOnly`), raw and mutated
  route bytes;
- **compromised venues**: lying or malicious code placed at a genuine pair's or pool's address, so
  random routes meet it behind the CREATE2 check;
- **the owner**: `rescue` (tokens and native), `pause`/`unpause`, `setExecutor`, `revokeAllowance`,
  `setCurvePool` (including listing a lying pool by mistake), two-step `transferOwnership`.

After every step (SECURITY.md, "On-chain invariants"), from one Multicall3 read:

1. FlashArb's balance of every tracked token and of the native coin never falls, except by what
   `rescue` sent in that step (its `Rescued` logs; the owner rule checks rescue works exactly when it should);
2. FlashArb has no allowance left on any token to any lender, router, actor or attacker contract, nor
   to any pool on that pool's own tokens, nor to any (token, spender) an `Approval` log of the step names;
3. every beneficiary's (either owner's, the rescue address's) token gain equals the `Trade.profit`
   credited to it while it was owner plus what `rescue` sent it; executors and strangers never gain;
4. a transaction from anyone but a listed executor (while not paused) or the owner changes no balance
   and no role, and reverts when it calls FlashArb; the roles (owner, pending owner, paused, executors,
   listed Curve pools) are always exactly what the owner's own transactions made them.

The chain is rolled back (evm_snapshot/evm_revert) between Hypothesis examples: ape isolates tests, not
examples. Size with FLASHARB_INVARIANT_EXAMPLES and FLASHARB_INVARIANT_STEPS (the defaults, 40 x 40, take
about 100 s on two cores); FLASHARB_INVARIANT_SHRINK=0 skips shrinking a failure, FLASHARB_INVARIANT_VERBOSE=1
prints every outcome. The examples are derandomized (the same on every run and machine);
FLASHARB_INVARIANT_RANDOM=1 draws new ones, replayable with `--hypothesis-seed`.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from eth_abi.abi import encode
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    INITIALIZE_RULE_MARKER,
    RULE_MARKER,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from .invariant_harness import (
    APPROVAL_TOPIC,
    HOP_BALANCER,
    HOP_CURVE,
    HOP_V2,
    HOP_V3,
    LENDER_AAVE,
    LENDER_BALANCER,
    LENDER_V2,
    LENDER_V3,
    NATIVE,
    RESCUED_TOPIC,
    TRADE_TOPIC,
    ZERO,
    ErrorNames,
    Node,
    Probe,
    RawHop,
    Receipt,
    State,
    addr,
    calldata,
    decode_event,
    genuine_hops,
    pack_route,
    selector,
    topic_address,
)
from .venues import Venues

EXAMPLES = int(os.environ.get("FLASHARB_INVARIANT_EXAMPLES", "40"))
STEPS = int(os.environ.get("FLASHARB_INVARIANT_STEPS", "40"))
SHRINK = os.environ.get("FLASHARB_INVARIANT_SHRINK", "1") != "0"
# CI runs one fixed sequence of examples (the same on every machine, so a red run replays exactly);
# FLASHARB_INVARIANT_RANDOM=1 explores new ones, replayable with `--hypothesis-seed`.
RANDOM = os.environ.get("FLASHARB_INVARIANT_RANDOM", "0") == "1"

# What FlashArb holds before the actors start (whole tokens): something for every actor to try to take.
STANDING = {
    "USDC.e": 5_000,
    "USDT": 5_000,
    "USDC": 5_000,
    "DAI": 5_000,
    "WETH": 10,
    "WBTC": 1,
    "WMATIC": 10_000,
}
STANDING_NATIVE = 25 * 10**18

LENDER_NAMES = {
    LENDER_AAVE: "Aave",
    LENDER_BALANCER: "the Vault",
    LENDER_V2: "a V2 pair",
    LENDER_V3: "a V3 pool",
}

CALLBACKS = ("executeOperation", "receiveFlashLoan", "uniswapV2Call", "uniswapV3SwapCallback")


@dataclass(frozen=True)
class Liar:
    """A lying pool of the attacker: its address, its two tokens in index order."""

    address: str
    coins: tuple[str, str]


@dataclass
class World:
    """Everything the machine needs, set up once per test; the machine rolls back to it per example."""

    node: Node
    probe: Probe
    errors: ErrorNames
    venues: Venues
    flasharb: str
    functions: list[tuple[str, list[str], str]]
    """FlashArb's state-changing functions: (signature, argument types, name)."""
    owners: tuple[str, str]
    safe: str
    executors: tuple[str, str]
    stranger: str
    forwarder: str
    trader: str
    aave_pool: str
    vault: str
    swap_router: str
    tokens: dict[str, str]
    decimals: dict[str, int]
    held: list[str]
    hops: dict[str, list[RawHop]]
    movable_v2: list[Any]
    """V2 pairs and V3 pools with a held token whose pair trades on another venue too."""
    movable_v3: list[Any]
    liars: list[Liar]
    malicious: Liar
    liar_code: bytes
    malicious_code: bytes
    curve_coins: dict[str, tuple[str, ...]]
    """What setCurvePool would list for each candidate pool (missing: it must refuse)."""
    curve_candidates: list[str]
    aave_assets: list[str]
    vault_assets: set[str]
    interesting_addresses: list[str]
    interesting_amounts: list[int]
    sample_routes: list[bytes]
    spenders: list[str]
    initial_roles: dict[Any, Any]
    fund: Callable[[str, str, int], None]
    stats: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    read_seconds: float = 0.0

    def listed_liars(self, roles: dict[Any, Any]) -> set[str]:
        return {liar.address for liar in self.liars if roles.get(("curve", liar.address))}


@dataclass
class Step:
    """What one rule did: who acted (as what) and its transactions. The roles it meant to change are in
    the machine's model (`FlashArbMachine.roles`)."""

    actor: str
    """stranger | market | venue | executor | owner | handover."""
    rule: str
    receipts: list[Receipt] = field(default_factory=list)


# ---- the machine ---------------------------------------------------------------------------------


class FlashArbMachine(RuleBasedStateMachine):
    w: World

    def __init__(self) -> None:
        super().__init__()
        w = self.w
        self.snapshot_id = w.node.snapshot()
        w.stats["examples"] += 1
        self.roles: dict[Any, Any] = dict(w.initial_roles)
        self.initial: State = w.probe.read()
        self.prev: State = self.initial
        assert self.initial.roles == self.roles, (
            f"the deployment's roles: {_diff(self.initial.roles, self.roles)}"
        )
        self.credited: Counter[tuple[str, str]] = Counter()
        self.step: Step | None = None
        self.moves: list[tuple[RawHop, RawHop]] = []
        """Market moves as (the move's own direction, the hop back that now pays) in the moved pool."""
        self.compromised: list[str] = []

    def teardown(self) -> None:
        self.w.node.revert(self.snapshot_id)

    # ---- helpers -------------------------------------------------------------------------------

    def _begin(self, actor: str, name: str) -> Step:
        assert self.step is None, f"{self.step.rule} was not checked before {name} began"
        self.step = Step(actor, name)
        self.w.stats[f"rule:{name}"] += 1
        self.w.stats["steps"] += 1
        return self.step

    def _send(
        self, sender: str, to: str, data: bytes, value: int = 0, via: str | None = None, label: str = ""
    ) -> Receipt:
        """One transaction of the current step; `via` a forwarder contract makes it the caller."""
        w = self.w
        if via is not None:
            data = calldata("forward(address,bytes)", to, data)
            to = via
        r = w.node.send(sender, to, data, value)
        assert self.step is not None
        self.step.receipts.append(r)
        w.stats["transactions"] += 1
        w.outcomes[f"{label or self.step.rule}: {'ok' if r.status else r.error}"] += 1
        return r

    def _listed(self, account: str) -> bool:
        return bool(self.roles[("isExecutor", account)])

    def _stranger_sender(self, data: st.DataObject) -> tuple[str, str | None]:
        """A sender that is neither owner, nor pending owner, nor listed executor; maybe via the
        attacker contract."""
        w = self.w
        pool = [w.stranger]
        pool += [o for o in w.owners if o not in (self.roles["owner"], self.roles["pendingOwner"])]
        pool += [e for e in w.executors if not self._listed(e)]
        sender = data.draw(st.sampled_from(pool), label="sender")
        via = w.forwarder if data.draw(st.booleans(), label="via attacker contract") else None
        return sender, via

    def _value(self, t: str) -> st.SearchStrategy[Any]:
        """Random ABI values, biased to FlashArb's world (its tokens, balances, routes, neighbours)."""
        w = self.w
        if t.endswith("[]"):
            return st.lists(self._value(t[:-2]), max_size=3)
        if t == "address":
            return st.integers(0, 3).flatmap(
                lambda k: (
                    st.sampled_from(w.interesting_addresses)
                    if k
                    else st.binary(min_size=20, max_size=20).map(lambda b: addr("0x" + b.hex()))
                )
            )
        if t == "bool":
            return st.booleans()
        if t == "bytes":
            return st.one_of(st.just(b""), st.sampled_from(w.sample_routes), st.binary(max_size=400))
        if t.startswith("uint"):
            bits = int(t[4:] or 256)
            return st.integers(0, 3).flatmap(
                lambda k: (
                    st.sampled_from([a for a in w.interesting_amounts if a < 2**bits])
                    if k
                    else st.integers(0, 2**bits - 1)
                )
            )
        if t.startswith("int"):
            bits = int(t[3:] or 256)
            half = 2 ** (bits - 1)
            return st.one_of(
                st.sampled_from([a for a in w.interesting_amounts if a < half]).flatmap(
                    lambda a: st.sampled_from([a, -a])
                ),
                st.integers(-half, half - 1),
            )
        raise NotImplementedError(t)

    def _call_data(self, data: st.DataObject, names: Sequence[str] | None = None) -> tuple[str, bytes]:
        fns = [f for f in self.w.functions if names is None or f[2] in names]
        signature, types, name = data.draw(st.sampled_from(fns), label="function")
        args = [data.draw(self._value(t), label=f"{name} arg {i}") for i, t in enumerate(types)]
        return name, selector(signature) + encode(types, args)

    def _amount(self, data: st.DataObject, token: str, low: int = -4, high: int = 4) -> int:
        decimals = self.w.decimals[token]
        exponent = data.draw(st.integers(low, high), label="amount exponent")
        mantissa = data.draw(st.integers(1, 9), label="amount mantissa")
        return max(1, mantissa * int(10 ** max(0, decimals + exponent)))

    def _lender(self, data: st.DataObject, asset: str, hops: Sequence[RawHop]) -> int:
        """A lender that can lend `asset` for these hops, or (one time in ten) any lender kind."""
        valid = [LENDER_AAVE] if asset in self.w.aave_assets else []
        # Aave can lend every held token; the others, where they can, twice as often, so that each
        # lender's callback path runs many times per run.
        if asset in self.w.vault_assets and all(h.kind != HOP_BALANCER for h in hops):
            valid += [LENDER_BALANCER, LENDER_BALANCER]
        if hops[0].kind == HOP_V2:
            valid += [LENDER_V2, LENDER_V2]
        if hops[0].kind == HOP_V3:
            valid += [LENDER_V3, LENDER_V3]
        if not valid or data.draw(st.integers(0, 9), label="any lender") == 0:
            return data.draw(st.integers(0, 3), label="lender")
        return data.draw(st.sampled_from(valid), label="lender")

    def _minimums(self, data: st.DataObject, hops: list[RawHop]) -> list[RawHop]:
        if data.draw(st.integers(0, 4), label="hop minimums") == 0:
            return [
                h.with_min_out(data.draw(st.sampled_from([0, 1, 2**128 - 1]), label="minOut")) for h in hops
            ]
        return hops

    def _min_profit(self, data: st.DataObject, asset: str) -> int:
        choice = data.draw(st.integers(0, 9), label="min profit kind")
        if choice == 0:
            return data.draw(st.integers(0, 10 ** self.w.decimals[asset]), label="min profit")
        if choice == 1:
            return 2**128 - 1
        return 0

    def _execute(
        self, data: st.DataObject, route: bytes, hops: Sequence[RawHop] = (), senders: Sequence[str] = ()
    ) -> Receipt:
        """Sends `route` from an executor key (one of `senders`, else any, listed or not); checks who may
        trade."""
        w = self.w
        assert self.step is not None
        label = self.step.rule
        if any(h.pool in self.compromised for h in hops):
            label += " [through a compromised venue]"
        elif any(h.pool in w.listed_liars(self.roles) for h in hops if h.kind == HOP_CURVE):
            label += " [through a lying pool the owner listed]"
        sender = data.draw(
            st.sampled_from(senders or [w.executors[0]] * 4 + [w.executors[1]]), label="executor"
        )
        allowed = self._listed(sender) and not self.roles["paused"]
        if not allowed:
            self.step.actor = "stranger"  # an unlisted or paused key is nobody
        r = self._send(sender, w.flasharb, calldata("execute(bytes)", route), label=label)
        if not allowed:
            paused = self.roles["paused"]
            assert r.status == 0, (
                f"execute went through from {sender} (listed: {self._listed(sender)}, paused: {paused})"
            )
        if r.status:
            w.stats["trades"] += 1
            w.stats[f"trades lent by {LENDER_NAMES[route[0]]}"] += 1
        return r

    # ---- strangers -------------------------------------------------------------------------------

    @rule(data=st.data())
    def stranger_calls_flasharb(self, data: st.DataObject) -> None:
        """Random arguments to any FlashArb function or callback, from a nobody or its contract."""
        self._begin("stranger", "stranger_calls_flasharb")
        sender, via = self._stranger_sender(data)
        name, payload = self._call_data(data)
        r = self._send(sender, self.w.flasharb, payload, via=via)
        assert r.status == 0, f"a stranger's {name} went through"

    @rule(data=st.data())
    def stranger_mimics_owner(self, data: st.DataObject) -> None:
        """The owner's own admin calls, with arguments that would work for the owner (rescue what is
        there, to the stranger), sent by someone else."""
        w = self.w
        assert self.prev is not None
        self._begin("stranger", "stranger_mimics_owner")
        sender, via = self._stranger_sender(data)
        me = via or sender
        token = data.draw(st.sampled_from([*w.held, NATIVE]), label="token")
        balance = self.prev.balances[(w.flasharb, token)]
        choices = {
            "rescue": lambda: calldata(
                "rescue(address,address,uint256)",
                token,
                me,
                data.draw(st.sampled_from([0, 1, balance]), label="amount"),
            ),
            "pause": lambda: calldata("pause()"),
            "unpause": lambda: calldata("unpause()"),
            "setExecutor": lambda: calldata(
                "setExecutor(address,bool)",
                data.draw(st.sampled_from([me, *w.executors])),
                data.draw(st.booleans()),
            ),
            "setCurvePool": lambda: calldata(
                "setCurvePool(address,bool)",
                data.draw(st.sampled_from(w.curve_candidates)),
                data.draw(st.booleans()),
            ),
            "revokeAllowance": lambda: calldata(
                "revokeAllowance(address,address)",
                data.draw(st.sampled_from(w.held)),
                data.draw(st.sampled_from(w.spenders)),
            ),
            "transferOwnership": lambda: calldata("transferOwnership(address)", me),
            "acceptOwnership": lambda: calldata("acceptOwnership()"),
        }
        name = data.draw(st.sampled_from(sorted(choices)), label="admin function")
        r = self._send(sender, w.flasharb, choices[name](), via=via)
        assert r.status == 0, f"{me} (not the owner) called {name} successfully"

    @rule(data=st.data())
    def stranger_sends_raw_calldata(self, data: st.DataObject) -> None:
        w = self.w
        self._begin("stranger", "stranger_sends_raw_calldata")
        sender, via = self._stranger_sender(data)
        head = data.draw(
            st.one_of(st.sampled_from([selector(f[0]) for f in w.functions]), st.binary(max_size=4)),
            label="head",
        )
        payload = head + data.draw(st.binary(max_size=300), label="tail")
        value = data.draw(st.sampled_from([0, 0, 0, 1, 10**18]), label="value")
        r = self._send(sender, w.flasharb, payload, value=value, via=via if not value else None)
        assert r.status == 0, f"raw calldata 0x{payload.hex()} went through"

    @rule(data=st.data())
    def impersonated_callback(self, data: st.DataObject) -> None:
        """A callback sent from the very address of a lender, a pool, or a lying pool, outside any trade:
        the caller is right, the moment is not."""
        w = self.w
        self._begin("stranger", "impersonated_callback")
        m = w.venues.manifest
        callers = [
            w.aave_pool,
            w.vault,
            *[liar.address for liar in w.liars],
            w.malicious.address,
            *self.compromised,
        ]
        callers += [data.draw(st.sampled_from([p.address for p in m.v2_pairs]), label="pair")]
        callers += [data.draw(st.sampled_from([p.address for p in m.v3_pools]), label="pool")]
        sender = addr(data.draw(st.sampled_from(callers), label="caller"))
        asset = data.draw(st.sampled_from(w.held), label="asset")
        amount = data.draw(st.sampled_from([a for a in w.interesting_amounts if a < 2**255]), label="amount")
        small = data.draw(st.integers(0, 10**6), label="fee")
        route = data.draw(st.one_of(st.sampled_from(w.sample_routes), st.binary(max_size=200)), label="route")
        kind = data.draw(st.sampled_from(CALLBACKS), label="callback")
        if kind == "executeOperation":
            initiator = data.draw(
                st.sampled_from([w.flasharb, w.flasharb, w.stranger, sender]), label="initiator"
            )
            payload = calldata(
                "executeOperation(address,uint256,uint256,address,bytes)",
                asset,
                amount,
                small,
                initiator,
                route,
            )
        elif kind == "receiveFlashLoan":
            payload = calldata(
                "receiveFlashLoan(address[],uint256[],uint256[],bytes)", [asset], [amount], [small], route
            )
        elif kind == "uniswapV2Call":
            who = data.draw(st.sampled_from([w.flasharb, w.flasharb, sender]), label="sender arg")
            payload = calldata("uniswapV2Call(address,uint256,uint256,bytes)", who, amount, small, route)
        else:
            d0, d1 = data.draw(
                st.sampled_from([(amount, -small), (-small, amount), (amount, amount)]), label="deltas"
            )
            payload = calldata("uniswapV3SwapCallback(int256,int256,bytes)", d0, d1, route)
        w.node.impersonate(sender)
        r = self._send(sender, w.flasharb, payload)
        assert r.status == 0, f"{kind} from {sender} outside a trade went through"

    @rule(data=st.data())
    def stranger_flash_loan_naming_flasharb(self, data: st.DataObject) -> None:
        """A flash loan someone else starts with FlashArb as the receiver: Aave `flashLoanSimple` or
        `flashLoan`, the Balancer Vault's `flashLoan`, or a Uniswap V2 flash swap that sends the output to
        FlashArb and calls its `uniswapV2Call`."""
        w = self.w
        self._begin("stranger", "stranger_flash_loan_naming_flasharb")
        sender, via = self._stranger_sender(data)
        params = data.draw(
            st.one_of(st.sampled_from(w.sample_routes), st.binary(min_size=1, max_size=200), st.just(b"")),
            label="params",
        )
        lender = data.draw(st.sampled_from(["Aave flashLoanSimple", "Aave flashLoan", "Vault", "V2 pair"]))
        if lender.startswith("Aave"):
            target = w.aave_pool
            asset = data.draw(st.sampled_from(w.aave_assets), label="asset")
            amount = self._amount(data, asset, -2, 2)
            if lender == "Aave flashLoanSimple":
                payload = calldata(
                    "flashLoanSimple(address,address,uint256,bytes,uint16)",
                    w.flasharb,
                    asset,
                    amount,
                    params,
                    0,
                )
            else:
                payload = calldata(
                    "flashLoan(address,address[],uint256[],uint256[],address,bytes,uint16)",
                    w.flasharb, [asset], [amount], [0], w.stranger, params, 0,
                )  # fmt: skip
        elif lender == "Vault":
            target = w.vault
            assets = sorted(
                set(data.draw(st.lists(st.sampled_from(w.held), min_size=1, max_size=2), label="assets")),
                key=str.lower,
            )
            amounts = [self._amount(data, a, -2, 2) for a in assets]
            payload = calldata(
                "flashLoan(address,address[],uint256[],bytes)", w.flasharb, assets, amounts, params
            )
        else:
            genuine = [p for p in w.venues.manifest.v2_pairs if addr(p.address) not in self.compromised]
            pair = data.draw(st.sampled_from(genuine), label="pair")
            target = pair.address
            side = data.draw(st.booleans(), label="token1 out")
            out = self._amount(data, addr(pair.token1 if side else pair.token0), -4, 1)
            payload = calldata(
                "swap(uint256,uint256,address,bytes)",
                0 if side else out,
                out if side else 0,
                w.flasharb,
                params or b"\0",
            )
        r = self._send(
            sender, target, payload, via=via, label=f"stranger_flash_loan_naming_flasharb ({lender})"
        )
        assert r.status == 0, f"a {lender} flash loan naming FlashArb went through"

    @rule(data=st.data())
    def attacker_configures_liar(self, data: st.DataObject) -> None:
        """The attacker re-arms its lying pools (claimed output, refund to the caller, forged error)."""
        w = self.w
        self._begin("stranger", "attacker_configures_liar")
        liar = data.draw(st.sampled_from([liar.address for liar in w.liars]), label="liar")
        reported = data.draw(
            st.sampled_from([0, 1, 10**18, 32 * 10**18, 10**30, 2**112 - 1]), label="reported"
        )
        refund_token = data.draw(st.sampled_from(w.held), label="refund token")
        refund = self._amount(data, refund_token, -3, 3) if data.draw(st.booleans(), label="refund?") else 0
        mode = data.draw(st.sampled_from([0, 0, 0, 1]), label="mode")
        r = self._send(
            w.stranger,
            liar,
            calldata("configure(uint256,address,uint256,uint256)", reported, refund_token, refund, mode),
        )
        assert r.status == 1

    # ---- the market --------------------------------------------------------------------------------

    @rule(data=st.data())
    def market_move(self, data: st.DataObject) -> None:
        """A trader's big swap straight into a V2 pair or through the V3 router: prices move."""
        self._begin("market", "market_move")
        self._move_market(data)

    def _move_market(self, data: st.DataObject, v2: bool | None = None) -> tuple[RawHop, RawHop] | None:
        """Sells 2-20% of a pool's balance of one token into it (a pool of a pair that has another
        venue, so the move opens an arbitrage). Returns (the hop the trader made, the hop back), both in
        the moved pool, and remembers them. `v2`: a V2 pair (True), a V3 pool (False), either (None)."""
        w = self.w
        frac = data.draw(st.sampled_from([20, 50, 100, 200]), label="per mille of the pool")
        if v2 if v2 is not None else data.draw(st.booleans(), label="v2"):
            # Only pools that still run their own code: a compromised one is no market.
            pair = data.draw(
                st.sampled_from([p for p in w.movable_v2 if addr(p.address) not in self.compromised])
            )
            zero_for_one = data.draw(st.booleans(), label="sell token0")
            sell, buy = (pair.token0, pair.token1) if zero_for_one else (pair.token1, pair.token0)
            ok, raw = w.node.call(ZERO, pair.address, selector("getReserves()"))
            r0, r1 = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big")
            r_in, r_out = (r0, r1) if zero_for_one else (r1, r0)
            amount = r_in * frac // 1000
            out = amount * 997 * r_out // (r_in * 1000 + amount * 997)
            w.fund(sell, w.trader, amount)
            self._send(
                w.trader, sell, calldata("transfer(address,uint256)", pair.address, amount), label="trader"
            )
            swap = calldata(
                "swap(uint256,uint256,address,bytes)",
                0 if zero_for_one else out,
                out if zero_for_one else 0,
                w.trader,
                b"",
            )
            r = self._send(w.trader, pair.address, swap, label="trader")
            moved, back = RawHop.v2(pair.address, buy), RawHop.v2(pair.address, sell)
        else:
            pool = data.draw(
                st.sampled_from([p for p in w.movable_v3 if addr(p.address) not in self.compromised])
            )
            zero_for_one = data.draw(st.booleans(), label="sell token0")
            sell, buy = (pool.token0, pool.token1) if zero_for_one else (pool.token1, pool.token0)
            ok, raw = w.node.call(ZERO, sell, calldata("balanceOf(address)", pool.address))
            amount = max(1, int.from_bytes(raw[:32], "big") * frac // 1000)
            w.fund(sell, w.trader, amount)
            self._send(
                w.trader, sell, calldata("approve(address,uint256)", w.swap_router, amount), label="trader"
            )
            params = (sell, buy, pool.fee, w.trader, 2**64, amount, 0, 0)
            r = self._send(
                w.trader,
                w.swap_router,
                calldata(
                    "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))",
                    params,
                ),
                label="trader",
            )
            moved, back = RawHop.v3(pool.address, buy), RawHop.v3(pool.address, sell)
        if not r.status:
            return None
        self.moves.append((moved, back))
        return moved, back

    # ---- executors ---------------------------------------------------------------------------------

    def _cycle(
        self,
        data: st.DataObject,
        start: str,
        hops_table: dict[str, list[RawHop]],
        asset: str | None = None,
        done: int = 0,
    ) -> list[RawHop]:
        """A random walk over `hops_table` from `start` that (mostly) closes back into `asset` (by default
        `start`) after 2-4 hops in all, `done` of them already taken."""
        asset = asset or start
        n = data.draw(st.integers(max(2, done + 1), 4), label="hops") - done
        token, hops = start, []
        for i in range(n):
            options = hops_table.get(token, [])
            if not options:
                break
            if i == n - 1:
                closing = [h for h in options if h.token_out == asset]
                options = closing or options
            elif i == n - 2:
                near = [
                    h for h in options if any(x.token_out == asset for x in hops_table.get(h.token_out, []))
                ]
                if near and data.draw(st.integers(0, 5), label="steer home") != 0:
                    options = near
            hop = data.draw(st.sampled_from(options), label=f"hop {i}")
            hops.append(hop)
            token = hop.token_out
        return hops

    @rule(data=st.data())
    def executor_random_route(self, data: st.DataObject) -> None:
        """A random cycle over genuine pools, random lender, amount and minimums."""
        w = self.w
        self._begin("executor", "executor_random_route")
        if self.moves and data.draw(st.booleans(), label="through a moved pool") is True:
            moved, back = data.draw(st.sampled_from(self.moves), label="move")
            asset = moved.token_out
            hops = [back] + self._cycle(data, back.token_out, w.hops, asset, 1)
        else:
            # Mostly a token every lender has (FlashArb holds those too); sometimes any token with a pool.
            assets = w.held if data.draw(st.integers(0, 3), label="held asset") else sorted(w.hops)
            asset = data.draw(st.sampled_from(assets), label="asset")
            hops = self._cycle(data, asset, w.hops)
        if len(hops) < 2:
            hops = [w.hops[asset][0], w.hops[asset][0]]
        hops = self._minimums(data, hops)
        route = pack_route(
            self._lender(data, asset, hops),
            asset,
            self._amount(data, asset),
            hops,
            self._min_profit(data, asset),
        )
        self._execute(data, route, hops)

    # Every example starts with two trades that pay, one borrowed from Aave or the Vault and one from the
    # moved pool itself, so that each lender's path (callback, repayment, allowances) runs to the end
    # many times per run, whatever the rules drawn later do to prices and roles.

    @initialize(data=st.data())
    def arbitrage_borrowing_from_a_lender(self, data: st.DataObject) -> None:
        self._begin("executor", "arbitrage_borrowing_from_a_lender")
        self._arbitrage(data, data.draw(st.sampled_from([LENDER_AAVE, LENDER_BALANCER]), label="lender"))

    @initialize(data=st.data())
    def arbitrage_borrowing_from_the_pool(self, data: st.DataObject) -> None:
        self._begin("executor", "arbitrage_borrowing_from_the_pool")
        self._arbitrage(data, data.draw(st.sampled_from([LENDER_V2, LENDER_V3]), label="lender"))

    @rule(data=st.data())
    def executor_arbitrage(self, data: st.DataObject) -> None:
        """A cycle through a pool the market moved, the profitable way round. Unless it picks an earlier
        move, the step starts with the trader's move (which touches no tracked holder)."""
        self._begin("executor", "executor_arbitrage")
        self._arbitrage(data)

    def _arbitrage(self, data: st.DataObject, lender: int | None = None) -> None:
        """Arbitrage through a moved pool; with `lender`, the move and the route are made to suit it
        (a pool lender lends from the moved pool, the Vault lends one of its tokens)."""
        w = self.w
        move = None
        pool_lender = lender in (LENDER_V2, LENDER_V3)
        if lender is not None or not self.moves or data.draw(st.integers(0, 2), label="fresh move"):
            v2 = True if lender == LENDER_V2 else False if lender == LENDER_V3 else None
            move = self._move_market(data, v2)
        if move is None:
            if not self.moves:
                return
            move = data.draw(st.sampled_from(self.moves), label="move")
        moved, back = move
        # The trader sold `sold` into the pool for `bought`: `sold` is now plentiful there, so buying it
        # in that pool (hop `back`) pays, and selling it in another pool of the pair closes the cycle.
        bought, sold = moved.token_out, back.token_out
        others = [h for h in w.hops.get(sold, []) if h.token_out == bought and h.pool != back.pool]
        if lender == LENDER_BALANCER:
            others = [h for h in others if h.kind != HOP_BALANCER]
        if not others:
            others = [h for h in w.hops.get(sold, []) if h.token_out == bought]
        other = data.draw(st.sampled_from(others), label="closing pool")
        if pool_lender or (lender == LENDER_BALANCER and bought in w.vault_assets):
            start_in_moved = True
        elif lender == LENDER_BALANCER and sold in w.vault_assets:
            start_in_moved = False
        else:
            start_in_moved = data.draw(st.booleans(), label="start in the moved pool")
        if start_in_moved:
            asset, hops = bought, [back, other]
        else:
            asset, hops = sold, [other, back]
        ok, raw = w.node.call(ZERO, asset, calldata("balanceOf(address)", back.pool))
        pool_balance = int.from_bytes(raw[:32], "big") if ok and raw else 0
        pool_balance = pool_balance or 10 ** w.decimals[asset]
        if lender is None or (lender == LENDER_BALANCER and asset not in w.vault_assets):
            lender = self._lender(data, asset, hops)
        min_profit = self._min_profit(data, asset)
        # Size it as a bot would: simulate a few sizes (eth_call from the executor) and send one that
        # passes; when none does (paused, unlisted, no edge left), send one anyway.
        routes = [
            pack_route(lender, asset, max(1, pool_balance * per_ten_thousand // 10_000), hops, min_profit)
            for per_ten_thousand in (3, 10, 30, 100, 300, 1000)
        ]
        listed = [e for e in w.executors if self._listed(e)]
        passing = [
            r
            for r in routes
            if listed and w.node.call(listed[0], w.flasharb, calldata("execute(bytes)", r))[0]
        ]
        route = data.draw(st.sampled_from(passing or routes), label="route")
        self._execute(data, route, hops, listed)

    def _lying_hops(self, token: str) -> list[RawHop]:
        out = []
        for liar in [*self.w.liars, self.w.malicious]:
            if token in liar.coins:
                other = liar.coins[1] if token == liar.coins[0] else liar.coins[0]
                i, j = liar.coins.index(token), liar.coins.index(other)
                out += [RawHop.v2(liar.address, other), RawHop.v3(liar.address, other)]
                out += [RawHop.curve(liar.address, i, j, other)]
        return out

    @rule(data=st.data())
    def executor_lying_route(self, data: st.DataObject) -> None:
        """Routes over the attacker's lying pools (as V2, V3 or Curve), mixed with genuine hops: the
        drain of issue 10 and its variations."""
        w = self.w
        self._begin("executor", "executor_lying_route")
        table: dict[str, list[RawHop]] = {}
        mix = data.draw(st.integers(1, 4), label="liars per genuine")
        for token, genuine in w.hops.items():
            # The attacker's pools, and the genuine addresses that now run its code, weighted up.
            lying = self._lying_hops(token) + [h for h in genuine if h.pool in self.compromised]
            table[token] = lying * mix * 3 + genuine if lying else genuine
        asset = data.draw(st.sampled_from(sorted({c for liar in w.liars for c in liar.coins})), label="asset")
        hops = self._cycle(data, asset, table)
        if len(hops) < 2:
            return
        hops = self._minimums(data, hops)
        route = pack_route(
            self._lender(data, asset, hops),
            asset,
            self._amount(data, asset, -3, 3),
            hops,
            self._min_profit(data, asset),
        )
        self._execute(data, route, hops)

    @rule(data=st.data())
    def executor_raw_route(self, data: st.DataObject) -> None:
        """Route bytes that are random, or a genuine route with a few bytes changed."""
        w = self.w
        self._begin("executor", "executor_raw_route")
        if data.draw(st.booleans(), label="mutate"):
            route = bytearray(data.draw(st.sampled_from(w.sample_routes), label="base"))
            for _ in range(data.draw(st.integers(1, 4), label="mutations")):
                at = data.draw(st.integers(0, len(route) - 1), label="at")
                route[at] = data.draw(st.integers(0, 255), label="byte")
            payload = bytes(route)
        else:
            payload = data.draw(st.binary(max_size=330), label="route")
        self._execute(data, payload)

    # ---- compromised venues ------------------------------------------------------------------------

    @precondition(lambda self: len(self.compromised) < 2)
    @rule(data=st.data())
    def compromise_venue(self, data: st.DataObject) -> None:
        """Lying or malicious code at a genuine pair's or pool's address (as if a factory were bad): it
        passes the CREATE2 check, so what stops it is measuring outputs and the callback checks."""
        w = self.w
        self._begin("venue", "compromise_venue")
        m = w.venues.manifest
        held = {addr(t) for t in w.held}
        pools = [(p.address, p.token0, p.token1, "v2") for p in m.v2_pairs] + [
            (p.address, p.token0, p.token1, "v3") for p in m.v3_pools
        ]
        pools = [p for p in pools if {addr(p[1]), addr(p[2])} <= held and addr(p[0]) not in self.compromised]
        target, t0, t1, kind = data.draw(st.sampled_from(pools), label="venue")
        lying = kind == "v2" or data.draw(st.booleans(), label="lying (else malicious)")
        w.node.set_code(target, w.liar_code if lying else w.malicious_code)
        for slot in range(8):
            w.node.set_storage(target, slot, 0)
        if lying:
            w.node.set_storage(target, 0, int(addr(t0), 16))
            w.node.set_storage(target, 1, int(addr(t1), 16))
            refund_token = data.draw(st.sampled_from([addr(t0), addr(t1)]), label="refund token")
            refund = (
                self._amount(data, refund_token, -3, 2) if data.draw(st.booleans(), label="refund?") else 0
            )
            w.fund(refund_token, target, refund * 10)
            reported = data.draw(st.sampled_from([0, 10**18, 2**100]), label="reported")
            mode = data.draw(st.sampled_from([0, 0, 1]), label="mode")
            payload = calldata(
                "configure(uint256,address,uint256,uint256)", reported, refund_token, refund, mode
            )
        else:
            w.node.set_storage(target, 1, int(min(addr(t0), addr(t1), key=str.lower), 16))
            w.node.set_storage(target, 2, int(max(addr(t0), addr(t1), key=str.lower), 16))
            mode = data.draw(st.integers(0, 4), label="mode")
            _, inner = self._call_data(data)
            payload = calldata("configure(uint256,address,bytes)", mode, w.flasharb, inner)
        r = self._send(w.stranger, target, payload)
        assert r.status == 1
        self.compromised.append(addr(target))

    # ---- the owner ---------------------------------------------------------------------------------

    def _owner_send(self, name: str, data_: bytes) -> Receipt:
        self._begin("owner", name)
        return self._send(self.roles["owner"], self.w.flasharb, data_)

    @rule(data=st.data())
    def owner_rescue(self, data: st.DataObject) -> None:
        w = self.w
        assert self.prev is not None
        token = data.draw(st.sampled_from([*w.held, NATIVE]), label="token")
        balance = self.prev.balances[(w.flasharb, token)]
        amount = data.draw(
            st.sampled_from([0, 1, balance // 3, balance, balance + 1]).filter(lambda a: a >= 0),
            label="amount",
        )
        to = data.draw(st.sampled_from([self.roles["owner"], w.safe, w.safe, ZERO]), label="to")
        r = self._owner_send("owner_rescue", calldata("rescue(address,address,uint256)", token, to, amount))
        expected = to != ZERO and amount <= balance
        assert r.status == int(expected), (
            f"rescue({token}, {to}, {amount}) of {balance}: status {r.status} {r.error}"
        )

    @rule(pause=st.sampled_from([False, False, False, True]))
    def owner_pauses(self, pause: bool) -> None:
        r = self._owner_send("owner_pauses", calldata("pause()" if pause else "unpause()"))
        assert r.status == 1
        self.roles["paused"] = pause

    @rule(data=st.data())
    def owner_sets_executor(self, data: st.DataObject) -> None:
        who = data.draw(st.sampled_from(self.w.executors), label="executor")
        allowed = data.draw(st.sampled_from([True, True, False]), label="allowed")
        r = self._owner_send("owner_sets_executor", calldata("setExecutor(address,bool)", who, allowed))
        assert r.status == 1
        self.roles[("isExecutor", who)] = allowed

    @rule(data=st.data())
    def owner_revokes_allowance(self, data: st.DataObject) -> None:
        w = self.w
        token = data.draw(st.sampled_from(list(w.tokens.values())), label="token")
        spender = data.draw(st.sampled_from(w.spenders), label="spender")
        r = self._owner_send(
            "owner_revokes_allowance", calldata("revokeAllowance(address,address)", token, spender)
        )
        assert r.status == 1, r.error

    @rule(data=st.data())
    def owner_sets_curve_pool(self, data: st.DataObject) -> None:
        """List or unlist the genuine Curve pool, a lying pool (the owner's mistake), or a non-pool."""
        w = self.w
        pool = data.draw(st.sampled_from(w.curve_candidates), label="pool")
        allowed = data.draw(st.booleans(), label="allowed")
        r = self._owner_send("owner_sets_curve_pool", calldata("setCurvePool(address,bool)", pool, allowed))
        coins = w.curve_coins.get(pool)
        if allowed and coins is None:
            assert r.status == 0, f"setCurvePool listed {pool}, which has no coins"
            return
        assert r.status == 1, r.error
        self.roles[("curve", pool)] = coins if allowed else ()

    @rule(data=st.data())
    def owner_transfers_ownership(self, data: st.DataObject) -> None:
        other = next(o for o in self.w.owners if o != self.roles["owner"])
        to = data.draw(st.sampled_from([other, other, ZERO]), label="new owner")
        r = self._owner_send("owner_transfers_ownership", calldata("transferOwnership(address)", to))
        assert r.status == 1
        self.roles["pendingOwner"] = addr(to)

    @precondition(lambda self: self.roles["pendingOwner"] != ZERO)
    @rule()
    def pending_owner_accepts(self) -> None:
        self._begin("handover", "pending_owner_accepts")
        r = self._send(self.roles["pendingOwner"], self.w.flasharb, selector("acceptOwnership()"))
        assert r.status == 1, r.error
        self.roles["owner"], self.roles["pendingOwner"] = self.roles["pendingOwner"], ZERO

    # ---- the invariants ----------------------------------------------------------------------------

    @invariant(check_during_init=True)  # also between the two initialize rules
    def flasharb_invariants(self) -> None:
        w = self.w
        t0 = time.perf_counter()
        now = w.probe.read()
        w.read_seconds += time.perf_counter() - t0
        step, prev = self.step, self.prev
        self.step = None
        step = step or Step("stranger", "(nothing)")  # right after __init__: nothing may have changed
        assert prev is not None and self.initial is not None
        fa = w.flasharb
        receipts = [r for r in step.receipts if r.status]
        owner_before = prev.roles["owner"]

        # What the step's logs say moved out of FlashArb on purpose.
        rescued: Counter[str] = Counter()
        trades = 0
        approvals: set[tuple[str, str]] = set()
        for r in receipts:
            for log in r.logs:
                if log.address == fa and log.topics[0] == TRADE_TOPIC:
                    assert step.actor == "executor", f"a Trade event in a {step.actor} step ({step.rule})"
                    asset = topic_address(log.topics[2])
                    _amount, _fee, profit, _hops = decode_event(log, ["uint256"] * 4)
                    self.credited[(owner_before, asset)] += profit
                    trades += 1
                    w.stats["profitable trades" if profit else "break-even trades"] += 1
                elif log.address == fa and log.topics[0] == RESCUED_TOPIC:
                    assert step.actor == "owner", f"a Rescued event in a {step.actor} step ({step.rule})"
                    token, to = topic_address(log.topics[1]), topic_address(log.topics[2])
                    (amount,) = decode_event(log, ["uint256"])
                    rescued[token] += amount
                    self.credited[(to, token)] += amount
                elif (
                    log.topics[0] == APPROVAL_TOPIC
                    and len(log.topics) == 3
                    and topic_address(log.topics[1]) == fa
                ):
                    approvals.add((log.address, topic_address(log.topics[2])))
        if step.actor == "executor":
            executes = sum(1 for r in receipts if r.to == fa)
            assert trades == executes, f"{executes} trades went through, {trades} Trade events"

        # 1. FlashArb's balances never fall, but by what rescue sent; nothing but a trade may raise them.
        for token in [*w.tokens.values(), NATIVE]:
            before, after = prev.balances[(fa, token)], now.balances[(fa, token)]
            floor = before - rescued[token]
            assert after >= floor, (
                f"FlashArb's {token} fell from {before} to {after} in {step.rule} (rescued {rescued[token]})"
            )
            if step.actor != "executor":
                assert after == floor, f"FlashArb's {token} went {before} -> {after} in {step.rule}"
            elif after > floor:
                w.stats["trades that left FlashArb more"] += 1

        # 2. No allowance from FlashArb survives the transaction.
        left = {k: v for k, v in now.allowances.items() if v}
        assert not left, f"allowances left after {step.rule}: {left}"
        if approvals:
            w.stats["approvals by FlashArb seen in logs"] += len(approvals)
            stray = {k: v for k, v in w.probe.allowances_of(sorted(approvals)).items() if v}
            assert not stray, f"allowances left after {step.rule}: {stray}"

        # 3. Every beneficiary gained exactly its Trade profits and rescues; nobody else gained anything.
        for (holder, token), balance in now.balances.items():
            if holder == fa or (token == NATIVE and holder != w.safe):
                continue  # FlashArb: above. Native coin: senders pay gas; only the rescue address is exact.
            gained = balance - self.initial.balances[(holder, token)]
            assert gained == self.credited[(holder, token)], (
                f"{holder} gained {gained} of {token}, but Trade profits and rescues credit it "
                f"{self.credited[(holder, token)]} (after {step.rule})"
            )

        # 4. Roles are what the owner made them; no one else changes them.
        assert now.roles == self.roles, f"roles after {step.rule}: {_diff(now.roles, self.roles)}"
        if step.actor not in ("owner", "handover"):
            assert now.roles == prev.roles
        self.prev = now


def _errors_of(project: Any, name: str) -> list[Any]:
    try:
        return list(getattr(project, name).contract_type.errors)
    except AttributeError:
        return []


def _diff(a: dict[Any, Any], b: dict[Any, Any]) -> dict[Any, Any]:
    return {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}


# ---- setup and the test ------------------------------------------------------------------------


@pytest.fixture
def world(
    project: Any,
    flasharb: Any,
    venues: Venues,
    book: Any,
    w3: Any,
    accounts: Any,
    owner: Any,
    executor: Any,
    stranger: Any,
    trader: Any,
    fund: Any,
) -> World:
    m = venues.manifest
    # FlashArb's errors, and the replica's own contracts' (a token's InsufficientBalance, Curve's), for
    # the run's statistics.
    errors = ErrorNames(
        [
            *flasharb.contract_type.errors,
            *[e for name in ("ReplicaToken", "CurveStableSwapReplica") for e in _errors_of(project, name)],
        ]
    )
    node = Node(w3, errors)
    fa = addr(flasharb)
    tokens = {symbol: addr(t.address) for symbol, t in m.tokens.items()}
    decimals = {addr(t.address): t.decimals for t in m.tokens.values()}
    owner2, safe, executor2 = addr(accounts[4]), addr(accounts[5]), addr(accounts[6])

    # The standing balance: something to steal.
    for symbol, whole in STANDING.items():
        fund(tokens[symbol], fa, whole * 10 ** decimals[tokens[symbol]])
    node.rpc("anvil_setBalance", [fa, hex(STANDING_NATIVE)])
    held = [tokens[s] for s in STANDING]

    # The attacker's contracts: a call forwarder and lying pools, funded to pay refunds.
    forwarder = addr(stranger.deploy(project.CallForwarderTestOnly))
    usdc, weth, usdt = tokens["USDC.e"], tokens["WETH"], tokens["USDT"]
    liars = []
    for a, b in ((usdc, weth), (usdc, weth), (weth, usdt)):
        pool = stranger.deploy(project.LyingPoolTestOnly, a, b)
        coins = (addr(pool.tokens(0)), addr(pool.tokens(1)))
        for t in coins:
            fund(t, pool.address, 10**6 * 10 ** decimals[t])
        liars.append(Liar(addr(pool), coins))
    ok, raw = node.call(ZERO, book.aave_v3.pool, selector("FLASHLOAN_PREMIUM_TOTAL()"))
    premium = int.from_bytes(raw[:32], "big")
    refund = 10_000 * 10**6 * (10_000 + premium) // 10_000 + 1
    arms = [(32 * 10**18, usdc, 0), (32 * 10**18, usdc, refund), (10**30, weth, 10**18)]
    for liar, (reported, refund_token, amount) in zip(liars, arms, strict=True):
        configure = calldata("configure(uint256,address,uint256,uint256)", reported, refund_token, amount, 0)
        assert node.send(stranger, liar.address, configure).status == 1
    evil = stranger.deploy(project.MaliciousV3PoolTestOnly, weth, usdc)
    malicious = Liar(addr(evil), tuple(sorted((weth, usdc), key=str.lower)))  # type: ignore[arg-type]

    curve = m.curve_pools[0]
    curve_coins = {addr(curve.address): tuple(addr(c) for c in curve.coins)}
    for liar in liars:
        curve_coins[liar.address] = liar.coins
    curve_candidates = [*curve_coins, malicious.address, addr(stranger)]

    # Allowances read every step: every token to every lender, router, attacker contract and actor; every
    # pool for its own tokens (the pool a hop would pull from). An Approval log from FlashArb adds its
    # (token, spender) to the step's check, so an allowance to anyone else is caught there.
    spenders = [addr(book.aave_v3.pool), addr(book.balancer_v2.vault), addr(book.uniswap_v3.swap_router)]
    spenders += [addr(d.router) for d in book.uniswap_v2_dexes] + [addr(c) for c in curve_coins]
    spenders += [malicious.address, forwarder, fa, ZERO]
    spenders += [addr(a) for a in (owner, owner2, safe, executor, executor2, stranger, trader)]
    spenders = list(dict.fromkeys(spenders))
    allowance_pairs = [(t, s) for t in tokens.values() for s in spenders]
    for p in [*m.v2_pairs, *m.v3_pools]:
        allowance_pairs += [(addr(p.token0), addr(p.address)), (addr(p.token1), addr(p.address))]
    for b in m.balancer_pools:
        allowance_pairs += [(addr(t), addr(b.address)) for t in b.tokens]
    for pool in m.curve_pools:
        allowance_pairs += [(addr(t), addr(pool.address)) for t in pool.coins]
    allowance_pairs = list(dict.fromkeys(allowance_pairs))
    spenders += [addr(p.address) for p in [*m.v2_pairs, *m.v3_pools, *m.balancer_pools]]

    holders = [fa, addr(owner), owner2, safe, addr(executor), executor2, addr(stranger), forwarder]
    probe = Probe(
        node,
        addr(book.multicall3.address),
        fa,
        list(tokens.values()),
        holders,
        [fa, safe, forwarder],
        allowance_pairs,
        [addr(executor), executor2],
        curve_candidates,
    )

    hops = genuine_hops(m)
    venues_of: Counter[frozenset[str]] = Counter()
    for token_in, out in hops.items():
        for h in out:
            venues_of[frozenset((token_in, h.token_out))] += 1  # each venue counted once per direction
    held_set = set(held)

    def movable(p: Any) -> bool:
        pair = frozenset((addr(p.token0), addr(p.token1)))
        return bool(pair & held_set) and venues_of[pair] >= 4

    samples = []
    u_w = [h for h in hops[usdc] if h.token_out == weth and h.kind == HOP_V2][0]
    w_u = [h for h in hops[weth] if h.token_out == usdc and h.kind == HOP_V3][0]
    for lender in (LENDER_AAVE, LENDER_BALANCER, LENDER_V2):
        samples.append(pack_route(lender, usdc, 1_000 * 10**6, [u_w, w_u]))
    samples.append(pack_route(LENDER_V3, weth, 10**18, [w_u, u_w]))
    samples.append(
        pack_route(
            LENDER_AAVE,
            usdc,
            100 * 10**6,
            [RawHop.v2(liars[0].address, weth), RawHop.v2(liars[1].address, usdc)],
        )
    )
    samples.append(pack_route(LENDER_BALANCER, weth, 10**17, [RawHop.v2(liars[0].address, usdc), u_w]))

    functions = [
        (
            f"{f.name}({','.join(i.canonical_type for i in f.inputs)})",
            [i.canonical_type for i in f.inputs],
            f.name,
        )
        for f in flasharb.contract_type.abi
        if f.type == "function" and f.stateMutability not in ("view", "pure")
    ]
    interesting_addresses = [
        fa,
        *held,
        addr(owner),
        owner2,
        safe,
        addr(executor),
        executor2,
        addr(stranger),
        forwarder,
    ]
    interesting_addresses += [addr(book.aave_v3.pool), addr(book.balancer_v2.vault), ZERO]
    interesting_addresses += [liar.address for liar in liars] + [malicious.address, u_w.pool, w_u.pool]
    interesting_amounts = sorted(
        {0, 1, 10**6, 10**18, 2**128 - 1, 2**255 - 1, 2**256 - 1, STANDING_NATIVE}
        | {whole * 10 ** decimals[tokens[s]] for s, whole in STANDING.items()}
    )
    aave_assets = [addr(r.asset) for r in m.aave_reserves]
    initial_roles: dict[Any, Any] = {"owner": addr(owner), "pendingOwner": ZERO, "paused": False}
    initial_roles |= {("isExecutor", addr(executor)): True, ("isExecutor", executor2): False}
    for pool in curve_candidates:
        initial_roles[("curve", pool)] = curve_coins[pool] if pool == addr(curve.address) else ()

    return World(
        node=node,
        probe=probe,
        errors=errors,
        venues=venues,
        flasharb=fa,
        functions=functions,
        owners=(addr(owner), owner2),
        safe=safe,
        executors=(addr(executor), executor2),
        stranger=addr(stranger),
        forwarder=forwarder,
        trader=addr(trader),
        aave_pool=addr(book.aave_v3.pool),
        vault=addr(book.balancer_v2.vault),
        swap_router=addr(book.uniswap_v3.swap_router),
        tokens=tokens,
        decimals=decimals,
        held=held,
        hops=hops,
        movable_v2=[p for p in m.v2_pairs if movable(p)],
        movable_v3=[p for p in m.v3_pools if movable(p)],
        liars=liars,
        malicious=malicious,
        liar_code=node.code(liars[0].address),
        malicious_code=node.code(malicious.address),
        curve_coins=curve_coins,
        curve_candidates=curve_candidates,
        aave_assets=aave_assets,
        vault_assets={addr(t) for b in m.balancer_pools for t in b.tokens},
        interesting_addresses=list(dict.fromkeys(interesting_addresses)),
        interesting_amounts=interesting_amounts,
        sample_routes=samples,
        spenders=spenders,
        initial_roles=initial_roles,
        fund=lambda token, account, amount: fund(token, account, amount),
    )


def test_flasharb_invariants_under_random_actors(
    world: World, request: Any, capsys: Any, record_property: Any
) -> None:
    machine = type("FlashArbMachineOnTheFork", (FlashArbMachine,), {"w": world})
    started = time.perf_counter()
    try:
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                derandomize=not RANDOM,
                database=None if not RANDOM else settings.default.database,
                suppress_health_check=list(HealthCheck),
                # Shrinking a failure replays steps on the chain and can take minutes;
                # FLASHARB_INVARIANT_SHRINK=0 reports the first failing sequence as found.
                phases=[p for p in Phase if SHRINK or p not in (Phase.shrink, Phase.explain)],
            ),
        )
    finally:
        with capsys.disabled():  # the summary shows with -q too
            _report(world, time.perf_counter() - started, request, record_property)
    # The run exercised what it claims to: every rule ran, and every lender's path (its callback,
    # repayment and allowance handling) ran through to a trade.
    ran = {k[5:] for k in world.stats if k.startswith("rule:")}
    declared = {
        name
        for name, f in vars(FlashArbMachine).items()
        if hasattr(f, RULE_MARKER) or hasattr(f, INITIALIZE_RULE_MARKER)
    }
    assert declared <= ran, f"rules that never ran: {declared - ran}"
    for name in LENDER_NAMES.values():
        assert world.stats[f"trades lent by {name}"] > 0, (
            f"no trade borrowed from {name}: {dict(world.stats)}"
        )


def _report(world: World, elapsed: float, request: Any, record_property: Any) -> None:
    """The run's size and what it reached, on the terminal (also with -q) and in the JUnit properties."""
    s = world.stats
    lines = [
        f"invariant fuzz: {s['examples']} examples, {s['steps']} steps, {s['transactions']} transactions, "
        f"{s['trades']} trades ({s['profitable trades']} profitable) in {elapsed:.1f} s",
        "  trades by lender: " + ", ".join(f"{n} {s['trades lent by ' + n]}" for n in LENDER_NAMES.values()),
        "  steps per rule: "
        + ", ".join(f"{k[5:]} {v}" for k, v in sorted(s.items()) if k.startswith("rule:")),
    ]
    if os.environ.get("FLASHARB_INVARIANT_VERBOSE"):
        lines += [f"    {key}: {value}" for key, value in sorted(world.outcomes.items())]
        for key in (
            "approvals by FlashArb seen in logs",
            "trades that left FlashArb more",
            "break-even trades",
        ):
            lines.append(f"  {key}: {s[key]}")
        lines.append(f"  seconds reading state: {world.read_seconds:.1f}")
    for key, value in s.items():
        record_property(key, value)
    record_property("seconds", round(elapsed, 1))
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("")
        for line in lines:
            reporter.write_line(line)
