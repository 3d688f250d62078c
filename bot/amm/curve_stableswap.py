"""Curve StableSwap exchange math: get_D, get_y and get_dy as Curve's plain-pool template computes
them (curve-contract pool-templates/base/SwapTemplateBase.vy: A stored times A_PRECISION, rates from
each coin's decimals, the fee taken from the output before it is scaled back to the coin's units)
and as contracts/replica/CurveStableSwapReplica.sol computes them, operation for operation.

The classic 3pool (A_PRECISION 1) differs only in A's precision: pass a_precision=1 and its A. Lending
pools of the aave-pool template (Polygon's aave pool: off-peg dynamic fee, underlying coins) are
bot.amm.curve_lending; a CurvePoolState with `lending=True` routes get_dy there. Pools whose rates move
(metapools, rate oracles) are not this formula: do not model them with it.

Vyper's uint256 arithmetic reverts on underflow and division by zero; so does this module (AmmError).
"""

from dataclasses import dataclass, field

from bot.errors import AmmError

FEE_DENOMINATOR = 10**10
PRECISION = 10**18
MAX_COINS = 8
_MAX_ITERATIONS = 255


@dataclass(frozen=True, slots=True)
class CurvePoolState:
    """An immutable snapshot of one Curve StableSwap pool."""

    address: str
    """The pool contract."""
    coins: tuple[str, ...]
    """coins(i), in the pool's order."""
    balances: tuple[int, ...]
    """balances(i): raw coin amounts the pool accounts for."""
    precision_multipliers: tuple[int, ...]
    """10 ** (18 - decimals) per coin (Curve's PRECISION_MUL; RATES[i] = PRECISION_MUL[i] * 1e18)."""
    amp: int
    """The amplification as the pool stores and uses it: A() * a_precision when A is not ramping
    (A_precise() on pools that have it)."""
    fee: int
    """fee(): the swap fee with 1e10 precision (4_000_000 = 0.04 %)."""
    a_precision: int = 100
    """A_PRECISION of the pool's code: 100 for the plain-pool template, 1 for the classic 3pool."""
    lending: bool = False
    """True for a lending pool of the aave-pool template (Polygon's aave pool): its get_D, dynamic fee
    and rounding are bot.amm.curve_lending's, and get_dy below delegates there."""
    offpeg_fee_multiplier: int = 0
    """Lending pools: offpeg_fee_multiplier() (1e10 precision; at most 1e10 means a flat fee)."""
    underlying_coins: tuple[str, ...] = ()
    """Lending pools: underlying_coins(i), traded 1:1 against coins(i) by exchange_underlying."""
    _invariant: list[int] = field(default_factory=list, init=False, repr=False, compare=False, hash=False)
    """The invariant D of this snapshot, computed on first use (it depends only on the fields above,
    so every quote on the snapshot shares it). Holds no reference back to the state."""

    def __post_init__(self) -> None:
        n = len(self.coins)
        where = f"CurvePoolState {self.address}"
        if not 2 <= n <= MAX_COINS:
            raise AmmError(f"{where}: a StableSwap pool has 2..{MAX_COINS} coins, got {n}")
        if len(self.balances) != n or len(self.precision_multipliers) != n:
            raise AmmError(
                f"{where}: {len(self.balances)} balances and {len(self.precision_multipliers)} precision "
                f"multipliers for {n} coins"
            )
        if any(b < 0 for b in self.balances):
            raise AmmError(f"{where}: balances must not be negative, got {self.balances}")
        if any(m <= 0 for m in self.precision_multipliers):
            raise AmmError(
                f"{where}: precision multipliers must be positive, got {self.precision_multipliers}"
            )
        if self.a_precision <= 0 or self.amp < self.a_precision:
            raise AmmError(
                f"{where}: amp {self.amp} must be at least A_PRECISION {self.a_precision} (A >= 1)"
            )
        if not 0 <= self.fee < FEE_DENOMINATOR:
            raise AmmError(f"{where}: fee {self.fee} must be in [0, {FEE_DENOMINATOR})")
        if self.offpeg_fee_multiplier < 0:
            raise AmmError(f"{where}: offpeg_fee_multiplier {self.offpeg_fee_multiplier} is negative")
        if not self.lending and (self.offpeg_fee_multiplier or self.underlying_coins):
            raise AmmError(f"{where}: offpeg_fee_multiplier and underlying_coins are for lending pools only")
        if self.underlying_coins and len(self.underlying_coins) != n:
            raise AmmError(f"{where}: {len(self.underlying_coins)} underlying coins for {n} coins")

    def invariant(self) -> int:
        """D for this snapshot's balances: get_D over the normalised balances, computed once."""
        cached = self._invariant
        if not cached:
            xp = [b * m for b, m in zip(self.balances, self.precision_multipliers, strict=True)]
            if self.lending:
                from bot.amm import curve_lending

                cached.append(curve_lending.get_d(xp, self.amp, self.a_precision))
            else:
                cached.append(get_d(xp, self.amp, self.a_precision))
        return cached[0]

    def index(self, coin: str) -> int:
        """Position of `coin` in the pool (case-insensitive address match)."""
        wanted = coin.lower()
        for k, c in enumerate(self.coins):
            if c.lower() == wanted:
                return k
        raise AmmError(f"CurvePoolState {self.address}: coin {coin} is not in the pool {self.coins}")


def get_d(xp: tuple[int, ...] | list[int], amp: int, a_precision: int = 100, offset: int = 0) -> int:
    """The invariant D for normalised balances xp (Curve's get_D): Newton's method from D = sum(xp),
    stopping when D moves by at most 1; raises after 255 rounds, as the pool does. `offset` is added
    to each `x * N` divisor: 0 in plain pools, 1 in the lending template (so no zero balance fails)."""
    n = len(xp)
    s = sum(xp)
    if s == 0:
        return 0
    d = s
    ann = amp * n
    for _ in range(_MAX_ITERATIONS):
        d_p = d
        for x in xp:
            if x == 0 and offset == 0:
                raise AmmError("Curve get_D: a coin balance is zero (division by zero in the pool)")
            d_p = d_p * d // (x * n + offset)
        d_prev = d
        d = (ann * s // a_precision + d_p * n) * d // ((ann - a_precision) * d // a_precision + (n + 1) * d_p)
        if abs(d - d_prev) <= 1:
            return d
    raise AmmError("Curve get_D: did not converge in 255 iterations")


def get_y(
    i: int,
    j: int,
    x: int,
    xp: tuple[int, ...] | list[int],
    amp: int,
    a_precision: int = 100,
    d: int | None = None,
) -> int:
    """The new normalised balance of coin j when coin i's becomes x, D held constant (Curve's get_y).
    `d` is get_D(xp, amp) when the caller already has it (the pool recomputes it every call; the value
    is the same, so passing it changes nothing but the time)."""
    n = len(xp)
    if i == j:
        raise AmmError(f"Curve get_y: cannot exchange coin {i} for itself")
    if not (0 <= i < n and 0 <= j < n):
        raise AmmError(f"Curve get_y: coin index {i} or {j} is outside 0..{n - 1}")
    if d is None:
        d = get_d(xp, amp, a_precision)
    ann = amp * n
    c = d
    s = 0
    for k in range(n):
        if k == i:
            x_k = x
        elif k != j:
            x_k = xp[k]
        else:
            continue
        if x_k == 0:
            raise AmmError("Curve get_y: a coin balance is zero (division by zero in the pool)")
        s += x_k
        c = c * d // (x_k * n)
    c = c * d * a_precision // (ann * n)
    b = s + d * a_precision // ann
    y = d
    for _ in range(_MAX_ITERATIONS):
        y_prev = y
        denominator = 2 * y + b - d
        if denominator <= 0:
            raise AmmError("Curve get_y: Newton step underflows")
        y = (y * y + c) // denominator
        if abs(y - y_prev) <= 1:
            return y
    raise AmmError("Curve get_y: did not converge in 255 iterations")


def get_dy(state: CurvePoolState, i: int, j: int, dx: int) -> int:
    """Raw amount of coin j out for a raw `dx` of coin i, fee deducted: what the pool's exchange pays
    (for a plain pool also its get_dy; a lending pool's is bot.amm.curve_lending.exchange_dy, which
    exchange_underlying pays too)."""
    if state.lending:
        from bot.amm import curve_lending

        return curve_lending.exchange_dy(state, i, j, dx)
    n = len(state.coins)
    if not (0 <= i < n and 0 <= j < n):
        raise AmmError(f"Curve get_dy on {state.address}: coin index {i} or {j} is outside 0..{n - 1}")
    if dx < 0:
        raise AmmError(f"Curve get_dy on {state.address}: dx must not be negative, got {dx}")
    mul = state.precision_multipliers
    xp = [b * m for b, m in zip(state.balances, mul, strict=True)]
    x = xp[i] + dx * mul[i]
    y = get_y(i, j, x, xp, state.amp, state.a_precision, state.invariant())
    dy = xp[j] - y - 1  # -1 against rounding in the pool's favour
    if dy < 0:
        raise AmmError(f"Curve get_dy on {state.address}: output underflows for dx {dx} (too small to trade)")
    fee = state.fee * dy // FEE_DENOMINATOR
    return (dy - fee) // mul[j]
