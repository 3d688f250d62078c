"""Mirrors Balancer V2 `FixedPoint` (solidity-utils contracts/math/FixedPoint.sol): 18-decimal
fixed point arithmetic on uint256 with explicit rounding direction, and the error codes it reverts
with (BAL#000 ..).
"""

from bot.amm import balancer_log_exp
from bot.errors import AmmError

ONE = 10**18
TWO = 2 * ONE
FOUR = 4 * ONE
MAX_POW_RELATIVE_ERROR = 10_000  # 10 ** -14, the bound on LogExpMath.pow's relative error
MAX_UINT256 = (1 << 256) - 1


def add(a: int, b: int) -> int:
    c = a + b
    if c > MAX_UINT256:
        raise AmmError(f"FixedPoint.add: {a} + {b} overflows (BAL#000 ADD_OVERFLOW)")
    return c


def sub(a: int, b: int) -> int:
    if b > a:
        raise AmmError(f"FixedPoint.sub: {a} - {b} underflows (BAL#001 SUB_OVERFLOW)")
    return a - b


def mul_down(a: int, b: int) -> int:
    product = a * b
    if product > MAX_UINT256:
        raise AmmError(f"FixedPoint.mulDown: {a} * {b} overflows (BAL#003 MUL_OVERFLOW)")
    return product // ONE


def mul_up(a: int, b: int) -> int:
    product = a * b
    if product > MAX_UINT256:
        raise AmmError(f"FixedPoint.mulUp: {a} * {b} overflows (BAL#003 MUL_OVERFLOW)")
    return (product - 1) // ONE + 1 if product else 0


def div_down(a: int, b: int) -> int:
    if b == 0:
        raise AmmError(f"FixedPoint.divDown: {a} / 0 (BAL#004 ZERO_DIVISION)")
    a_inflated = a * ONE
    if a_inflated > MAX_UINT256:
        raise AmmError(f"FixedPoint.divDown: {a} * 1e18 overflows (BAL#005 DIV_INTERNAL)")
    return a_inflated // b


def div_up(a: int, b: int) -> int:
    if b == 0:
        raise AmmError(f"FixedPoint.divUp: {a} / 0 (BAL#004 ZERO_DIVISION)")
    a_inflated = a * ONE
    if a_inflated > MAX_UINT256:
        raise AmmError(f"FixedPoint.divUp: {a} * 1e18 overflows (BAL#005 DIV_INTERNAL)")
    return (a_inflated - 1) // b + 1 if a_inflated else 0


def pow_down(x: int, y: int) -> int:
    """x ** y rounded down: LogExpMath.pow less its maximum error (exact for y = 1, 2, 4)."""
    if y == ONE:
        return x
    if y == TWO:
        return mul_down(x, x)
    if y == FOUR:
        square = mul_down(x, x)
        return mul_down(square, square)
    raw = balancer_log_exp.pow(x, y)
    max_error = add(mul_up(raw, MAX_POW_RELATIVE_ERROR), 1)
    return 0 if raw < max_error else sub(raw, max_error)


def pow_up(x: int, y: int) -> int:
    """x ** y rounded up: LogExpMath.pow plus its maximum error (exact for y = 1, 2, 4)."""
    if y == ONE:
        return x
    if y == TWO:
        return mul_up(x, x)
    if y == FOUR:
        square = mul_up(x, x)
        return mul_up(square, square)
    raw = balancer_log_exp.pow(x, y)
    max_error = add(mul_up(raw, MAX_POW_RELATIVE_ERROR), 1)
    return add(raw, max_error)


def complement(x: int) -> int:
    """1 - x, or 0 when x >= 1."""
    return ONE - x if x < ONE else 0
