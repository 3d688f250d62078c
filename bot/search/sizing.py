"""The input that maximises a cycle's profit: out(x) - x - lender_fee(x), all integers.

Every hop is concave in its input, so the cycle's output is concave and the profit unimodal.

- All hops constant product (Uniswap V2): the hops compose into one virtual constant-product curve
  out = G*B*x / (A + G*x) (exact rationals), whose optimum is analytic:
  x* = (sqrt(G*A*B / (1 + f)) - A) / G. The integer chain only rounds down, so the curve bounds the
  real profit from above; the integers where that bound still beats the best integer found form an
  interval around x*, and when it is short (small pools) it is scanned in full, which makes the result
  the exact integer optimum. In deep pools the interval spans millions of units, every one of them
  within a few units of profit of x*, and x* is kept.
- Otherwise: a bracketed search over integer inputs, started from a constant-product approximation
  of each hop (the optimum of the composed curve), bracketed by growing steps either side of it, then
  narrowed by successive parabolic interpolation with golden-section steps as the safeguard (a
  smooth concave profit takes a handful of steps). Every candidate is evaluated with the exact
  integer AMM math; an input a pool cannot take (beyond a V3 snapshot's tick range, over
  Balancer's 30 % limit) counts as infinitely bad, which keeps the profit unimodal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from bot.errors import AmmError
from bot.search.quote import Quoter

PERCENTAGE_FACTOR = 10_000
_GOLD_STEP = (3 - math.sqrt(5)) / 2  # 0.382: the golden-section step into the larger segment
_NEG_INF = -math.inf


def aave_premium(amount: int, bps: int) -> int:
    """Aave V3's flash-loan premium: amount.percentMul(bps), rounding half up (PercentageMath)."""
    if bps == 0:
        return 0
    return (amount * bps + PERCENTAGE_FACTOR // 2) // PERCENTAGE_FACTOR


FeeFunction = Callable[[int], int]
"""amount borrowed -> the lender's fee. Any fee within half a unit of amount * bps / 10000 (Aave's
half-up rounding, Balancer's rounding up) keeps the closed form's scan bound valid."""


@dataclass(frozen=True, slots=True)
class Sized:
    """The best input found for a cycle and what it yields (gas not included)."""

    amount_in: int
    """The input (the borrowed amount)."""
    amount_out: int
    """The cycle's exact output for that input."""
    profit: int
    """amount_out - amount_in - the lender's fee."""
    evaluations: int
    """Exact evaluations of the cycle the sizer ran."""
    amounts: tuple[int, ...] = ()
    """Each hop's exact output at amount_in, in order (the last is amount_out); empty if unknown."""


def run_cycle(quoters: Sequence[Quoter], amount: int) -> int | None:
    """The exact output of the hops in sequence; None if a pool cannot take its input (AmmError).
    A hop that outputs nothing ends the cycle with output 0."""
    for quote in quoters:
        if amount <= 0:
            return 0
        try:
            amount = quote(amount)
        except AmmError:
            return None
    return amount


class _Objective:
    """profit(x) with a cache; -inf where the cycle cannot run."""

    def __init__(
        self, quoters: Sequence[Quoter], lender_fee: FeeFunction | None, max_amount: int | None
    ) -> None:
        self.quoters = quoters
        self.lender_fee = lender_fee
        self.max_amount = max_amount
        self.cache: dict[int, tuple[float, int, tuple[int, ...]]] = {}

    def __call__(self, x: int) -> float:
        hit = self.cache.get(x)
        if hit is not None:
            return hit[0]
        amounts: tuple[int, ...] = ()
        if x <= 0 or (self.max_amount is not None and x > self.max_amount):
            value, out = _NEG_INF, 0
        else:
            trace = []
            amount = x
            try:
                for quote in self.quoters:  # run_cycle, keeping each hop's output
                    if amount <= 0:
                        amount = 0
                        break
                    amount = quote(amount)
                    trace.append(amount)
            except AmmError:
                value, out = _NEG_INF, 0
            else:
                out = amount
                amounts = tuple(trace)
                value = out - x - (self.lender_fee(x) if self.lender_fee is not None else 0)
        self.cache[x] = (value, out, amounts)
        return value

    def best(self) -> Sized | None:
        feasible = [(v, x, out, amounts) for x, (v, out, amounts) in self.cache.items() if v != _NEG_INF]
        if not feasible:
            return None
        value, x, out, amounts = max(feasible, key=lambda item: (item[0], -item[1]))
        return Sized(x, out, int(value), len(self.cache), amounts)


def compose(hops: Sequence[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Compose constant-product hops (a, b, g) into one (A, B, G) (floats)."""
    big_a, big_b, big_g = hops[0]
    for a, b, g in hops[1:]:
        denominator = a + g * big_b
        big_a, big_b = big_a * a / denominator, g * big_b * b / denominator
    return big_a, big_b, big_g


def optimum(big_a: float, big_b: float, big_g: float, lender_bps: int) -> float:
    """argmax of G*B*x/(A+G*x) - (1+f)*x over x >= 0 (0 when no input is profitable)."""
    k = 1 + lender_bps / PERCENTAGE_FACTOR
    root = math.sqrt(big_g * big_a * big_b / k) if big_a > 0 and big_b > 0 else 0.0
    return max(0.0, (root - big_a) / big_g)


def size_constant_product(
    hops: Sequence[tuple[int, int, int, int]],
    quoters: Sequence[Quoter],
    lender_bps: int = 0,
    *,
    lender_fee: FeeFunction | None = None,
    scan_limit: int = 1024,
    max_amount: int | None = None,
) -> Sized | None:
    """The optimum of a cycle of constant-product hops (reserve_in, reserve_out, fee_numerator,
    fee_denominator), by the closed form and an exact integer scan around it (module docstring).
    `quoters` are the same hops' exact output functions; the lender charges `lender_fee(x)`, about
    `lender_bps` of x (Aave's rounding by default). None if no input is profitable."""
    if lender_fee is None and lender_bps:
        lender_fee = lambda amount: aave_premium(amount, lender_bps)  # noqa: E731
    big_a = Fraction(hops[0][0])
    big_b = Fraction(hops[0][1])
    big_g = Fraction(hops[0][2], hops[0][3])
    for reserve_in, reserve_out, numerator, denominator in hops[1:]:
        g = Fraction(numerator, denominator)
        scale = reserve_in + g * big_b
        big_a, big_b = big_a * reserve_in / scale, g * big_b * reserve_out / scale
    k = 1 + Fraction(lender_bps, PERCENTAGE_FACTOR)
    if big_g * big_b <= k * big_a:
        return None  # the marginal rate at zero is not above 1 + fee: nothing pays
    target = big_g * big_a * big_b / k
    root = Fraction(math.isqrt(target.numerator * target.denominator), target.denominator)
    x_star = max(1, math.floor((root - big_a) / big_g))
    if max_amount is not None:
        x_star = min(x_star, max_amount)
    objective = _Objective(quoters, lender_fee, max_amount)
    for x in (x_star - 1, x_star, x_star + 1):
        objective(x)
    best = objective.best()
    if best is None:
        return None
    # the integers where the continuous bound u(x) >= best + 1/2 could still beat `best`
    af, bf, gf, kf = float(big_a), float(big_b), float(big_g), float(k)
    c = best.profit + 0.5
    linear = gf * bf - kf * af - c * gf
    discriminant = linear * linear - 4 * kf * gf * c * af
    if discriminant < 0:
        return best
    spread = math.sqrt(discriminant)
    low = (linear - spread) / (2 * kf * gf)
    high = (linear + spread) / (2 * kf * gf)
    slack = 2 + 1e-9 * max(abs(low), abs(high))
    first, last = max(1, math.floor(low - slack)), math.ceil(high + slack)
    if max_amount is not None:
        last = min(last, max_amount)
    if last - first + 1 > scan_limit:
        # deep pools: the candidates span more than the scan limit, all within a few units of the
        # best profit found (the integer rounding's bumps); x* and its neighbours are kept
        return best
    for x in range(first, last + 1):
        objective(x)
    return objective.best()


def size_bracketed(
    quoters: Sequence[Quoter],
    guess: float | None,
    lender_fee: FeeFunction | None = None,
    *,
    max_amount: int | None = None,
    rel_tol: float = 1e-5,
    max_evaluations: int = 120,
    first_step: float = 1.05,
) -> Sized | None:
    """The integer input maximising the exact profit, searched from `guess`: bracket the maximum
    (steps of `first_step` either side of the guess, growing while the profit keeps rising), then
    successive parabolic interpolation safeguarded by golden-section steps until the bracket or the
    step is below `rel_tol` of the input. The lender charges `lender_fee(x)`."""
    objective = _Objective(quoters, lender_fee, max_amount)
    x = max(1, int(guess)) if guess is not None and math.isfinite(guess) and guess >= 1 else 10**6
    if max_amount is not None:
        x = max(1, min(x, max_amount))
    a, b, c = _bracket(objective, x, first_step, max_evaluations // 2)
    _parabolic(objective, a, b, c, rel_tol, max_evaluations)
    return objective.best()


def _bracket(profit: Callable[[int], float], x: int, step: float, budget: int) -> tuple[int, int, int]:
    """(a, b, c) with a < b < c and profit(b) >= profit(a), profit(c): a bracket of the maximum.
    The steps start at `step` and square on every move (1.05, 1.10, 1.22, 1.48, 2.2, 4, 4, ...)."""
    while profit(x) == _NEG_INF and x > 1 and budget > 0:  # out of an infeasible start
        x //= 2
        budget -= 1
    ratio = step
    a, c = min(x - 1, int(x / ratio)), max(x + 1, int(x * ratio))
    while budget > 0:
        budget -= 1
        pa, pb, pc = profit(a), profit(x), profit(c)
        if pb >= pa and pb >= pc:
            break
        ratio = min(ratio * ratio, 4.0)
        if pc > pb:  # still rising: move up
            a, x = x, c
            c = max(x + 1, int(x * ratio))
        else:  # falling: move down
            if a <= 1:
                return 0, 1, x  # profit(1) > profit(x); profit(0) counts as -inf
            c, x = x, a
            a = min(x - 1, int(x / ratio))
    return a, x, c


def _parabolic(profit: _Objective, a: int, b: int, c: int, rel_tol: float, max_evaluations: int) -> None:
    """Shrink the bracket (a, b, c) around the maximum; results land in the objective's cache."""
    golden_next = False
    while len(profit.cache) < max_evaluations:
        tolerance = max(2.0, rel_tol * b)
        if c - a <= 2 * tolerance:
            break
        fa, fb, fc = profit(a), profit(b), profit(c)
        x: float | None = None
        if not golden_next and fa != _NEG_INF and fc != _NEG_INF:
            # the vertex of the parabola through the three points (exact integer differences)
            p = (b - a) * (fb - fc)
            q = (b - c) * (fb - fa)
            denominator = p - q
            if denominator != 0:
                x = b - 0.5 * ((b - a) * p - (b - c) * q) / denominator
        parabolic = x is not None and a < x < c
        if not parabolic:
            x = b + _GOLD_STEP * (c - b) if c - b > b - a else b - _GOLD_STEP * (b - a)
        assert x is not None
        golden_next = False
        if parabolic and abs(x - b) < tolerance:
            # converged: one last look a tolerance to the side the vertex points at, then stop
            x = b + tolerance if x > b else b - tolerance
            profit(round(x))
            break
        point = round(x)
        if point == b:
            point = b + 1 if c - b > b - a else b - 1
        if not a < point < c:
            break
        width = c - a
        fx = profit(point)
        if fx > fb:
            if point < b:
                c = b
            else:
                a = b
            b = point
        elif point < b:
            a = point
        else:
            c = point
        golden_next = parabolic and (c - a) > 0.7 * width  # a parabolic step that barely shrank
    if c - a <= 8:
        for point in range(max(1, a), c + 1):
            profit(point)
