"""Mirrors Balancer V2 `LogExpMath` (solidity-utils contracts/math/LogExpMath.sol): pow, exp, ln and
log for 18-decimal fixed point, computed with 20-decimal (exp, ln) and 36-decimal (ln near 1)
intermediate precision.

Solidity's signed `/` and `%` truncate towards zero where Python's floor; `_div` and `_mod` keep the
Solidity behaviour for the negative intermediates (logarithms of numbers below one).
"""

from bot.errors import AmmError

ONE_18 = 10**18
ONE_20 = 10**20
ONE_36 = 10**36

MAX_NATURAL_EXPONENT = 130 * ONE_18
MIN_NATURAL_EXPONENT = -41 * ONE_18

# ln is computed with 36 decimals for arguments in this open interval around one
LN_36_LOWER_BOUND = ONE_18 - 10**17
LN_36_UPPER_BOUND = ONE_18 + 10**17

MILD_EXPONENT_BOUND = 2**254 // ONE_20

# x_n = 2 ** (7 - n) and a_n = e ** x_n; x0, x1 in 18 decimals with a0, a1 as plain integers, the
# rest in 20 decimals.
X0 = 128000000000000000000
A0 = 38877084059945950922200000000000000000000000000000000000
X1 = 64000000000000000000
A1 = 6235149080811616882910000000
_X_A_20 = (
    (3200000000000000000000, 7896296018268069516100000000000000),  # x2, a2
    (1600000000000000000000, 888611052050787263676000000),  # x3, a3
    (800000000000000000000, 298095798704172827474000),  # x4, a4
    (400000000000000000000, 5459815003314423907810),  # x5, a5
    (200000000000000000000, 738905609893065022723),  # x6, a6
    (100000000000000000000, 271828182845904523536),  # x7, a7
    (50000000000000000000, 164872127070012814685),  # x8, a8
    (25000000000000000000, 128402541668774148407),  # x9, a9
    (12500000000000000000, 113314845306682631683),  # x10, a10
    (6250000000000000000, 106449445891785942956),  # x11, a11
)
_EXP_TERMS = _X_A_20[:8]  # exp reduces by x2 .. x9; ln by x2 .. x11


def _div(a: int, b: int) -> int:
    """Solidity int256 division: truncates towards zero."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _mod(a: int, b: int) -> int:
    """Solidity int256 remainder: takes the sign of the dividend."""
    return a - b * _div(a, b)


def pow(x: int, y: int) -> int:  # noqa: A001 - the library's own name
    """x ** y for 18-decimal fixed point x >= 0, y >= 0 (LogExpMath.pow), as exp(y * ln(x))."""
    if y == 0:
        return ONE_18
    if x == 0:
        return 0
    if x >> 255:
        raise AmmError(f"LogExpMath.pow: base {x} does not fit in int256 (BAL#006 X_OUT_OF_BOUNDS)")
    if y >= MILD_EXPONENT_BOUND:
        raise AmmError(
            f"LogExpMath.pow: exponent {y} is not below {MILD_EXPONENT_BOUND} (BAL#007 Y_OUT_OF_BOUNDS)"
        )
    if LN_36_LOWER_BOUND < x < LN_36_UPPER_BOUND:
        ln_36_x = _ln_36(x)
        # ln_36_x has 36 decimals: split it so that the product with y keeps 18 decimals exactly
        logx_times_y = _div(ln_36_x, ONE_18) * y + _div(_mod(ln_36_x, ONE_18) * y, ONE_18)
    else:
        logx_times_y = _ln(x) * y
    logx_times_y = _div(logx_times_y, ONE_18)
    if not MIN_NATURAL_EXPONENT <= logx_times_y <= MAX_NATURAL_EXPONENT:
        raise AmmError(
            f"LogExpMath.pow: y * ln(x) = {logx_times_y} is outside [{MIN_NATURAL_EXPONENT}, "
            f"{MAX_NATURAL_EXPONENT}] (BAL#008 PRODUCT_OUT_OF_BOUNDS)"
        )
    return exp(logx_times_y)


def exp(x: int) -> int:
    """e ** x for 18-decimal fixed point x in [-41, 130] (LogExpMath.exp)."""
    if not MIN_NATURAL_EXPONENT <= x <= MAX_NATURAL_EXPONENT:
        raise AmmError(
            f"LogExpMath.exp: exponent {x} is outside [{MIN_NATURAL_EXPONENT}, {MAX_NATURAL_EXPONENT}] "
            "(BAL#009 INVALID_EXPONENT)"
        )
    if x < 0:
        # e^(-x) = 1 / e^x; the result has 18 decimals
        return (ONE_18 * ONE_18) // exp(-x)

    # x = x0 + x1 + ... as a sum of the x_n; e^x is the product of the a_n, times e^(rest) by Taylor.
    if x >= X0:
        x -= X0
        first_an = A0
    elif x >= X1:
        x -= X1
        first_an = A1
    else:
        first_an = 1
    x *= 100  # to 20 decimals

    product = ONE_20
    for x_n, a_n in _EXP_TERMS:
        if x >= x_n:
            x -= x_n
            product = product * a_n // ONE_20

    # Taylor series of e^x for the rest (x < x9 = 0.25), twelve terms
    series_sum = ONE_20
    term = x
    series_sum += term
    for n in range(2, 13):
        term = term * x // ONE_20 // n
        series_sum += term

    return product * series_sum // ONE_20 * first_an // 100


def ln(a: int) -> int:
    """Natural logarithm of an 18-decimal fixed point a > 0 (LogExpMath.ln)."""
    if a <= 0:
        raise AmmError(f"LogExpMath.ln: argument must be positive, got {a} (BAL#100 OUT_OF_BOUNDS)")
    if LN_36_LOWER_BOUND < a < LN_36_UPPER_BOUND:
        return _div(_ln_36(a), ONE_18)
    return _ln(a)


def log(arg: int, base: int) -> int:
    """Logarithm of `arg` in base `base`, both 18-decimal fixed point (LogExpMath.log)."""
    if LN_36_LOWER_BOUND < base < LN_36_UPPER_BOUND:
        log_base = _ln_36(base)
    else:
        log_base = _ln(base) * ONE_18
    if LN_36_LOWER_BOUND < arg < LN_36_UPPER_BOUND:
        log_arg = _ln_36(arg)
    else:
        log_arg = _ln(arg) * ONE_18
    if log_base == 0:
        raise AmmError(f"LogExpMath.log: base {base} has a zero logarithm")
    return _div(log_arg * ONE_18, log_base)


def _ln(a: int) -> int:
    """ln(a) with 20-decimal intermediate precision (LogExpMath._ln)."""
    if a < ONE_18:
        # ln(a) = -ln(1/a); 1/a keeps 18 decimals
        return -_ln((ONE_18 * ONE_18) // a)

    # a = a0 ^ k0 * a1 ^ k1 * ... * rest: ln(a) = sum of the x_n taken plus ln(rest)
    total = 0
    if a >= A0 * ONE_18:
        a //= A0  # an integer division, not a fixed point one
        total += X0
    if a >= A1 * ONE_18:
        a //= A1
        total += X1
    total *= 100  # to 20 decimals
    a *= 100
    for x_n, a_n in _X_A_20:
        if a >= a_n:
            a = a * ONE_20 // a_n
            total += x_n

    # ln(rest) = 2 * atanh(z), z = (rest - 1) / (rest + 1), by its series up to z^11 / 11
    z = (a - ONE_20) * ONE_20 // (a + ONE_20)
    z_squared = z * z // ONE_20
    num = z
    series_sum = num
    for n in (3, 5, 7, 9, 11):
        num = num * z_squared // ONE_20
        series_sum += num // n
    series_sum *= 2
    return (total + series_sum) // 100


def _ln_36(x: int) -> int:
    """ln(x) with 36 decimals for x close to one (LogExpMath._ln_36); the result has 36 decimals."""
    x *= ONE_18
    # 2 * atanh(z), z = (x - 1) / (x + 1), up to z^15 / 15; z is negative for x < 1
    z = _div((x - ONE_36) * ONE_36, x + ONE_36)
    z_squared = z * z // ONE_36
    num = z
    series_sum = num
    for n in (3, 5, 7, 9, 11, 13, 15):
        num = _div(num * z_squared, ONE_36)
        series_sum += _div(num, n)
    return series_sum * 2
