"""Curve's lending-pool StableSwap as Polygon's aave pool (am3CRV) computes it: Curve's aave-pool
template (curve-contract-polygon contracts/pools/aave/StableSwapAave.vy) and its stand-in
contracts/replica/CurveAavePoolReplica.sol, operation for operation.

What differs from the plain-pool template (bot.amm.curve_stableswap):
- get_D divides by `x * N + 1` (not `x * N`) in the D_P product;
- the off-peg dynamic fee: with m = offpeg_fee_multiplier (1e10 = 1),
  fee' = m * fee / ((m - 1e10) * 4 * xi * xj / (xi + xj)**2 + 1e10), evaluated on the averages of coin
  i's and coin j's normalised balances before and after the trade; `fee` itself when m <= 1e10;
- dy = xp[j] - y (no extra -1);
- `exchange` (and `exchange_underlying`) take the fee in normalised units and scale down once:
  (dy - dy * fee' // 1e10) // PRECISION_MUL[j]; the pool's `get_dy` / `get_dy_underlying` scale dy
  down first and take the fee on the coin amount: dy_c - fee' * dy_c // 1e10. The two may differ by a
  unit; what a trade pays is `exchange_dy`;
- the admin's share of the fee, dy * fee' // 1e10 * admin_fee // 1e10 // PRECISION_MUL[j], leaves the
  pool's balances (`balances(i)` is the aToken balance less `admin_balances[i]`).

The underlying coins trade 1:1 with the wrapped ones (an underlying amount is that many aToken units),
so the same functions serve `exchange_underlying` and `get_dy_underlying`.

Vyper's uint256 arithmetic reverts on underflow and division by zero; so does this module (AmmError).
"""

from __future__ import annotations

from bot.amm.curve_stableswap import FEE_DENOMINATOR, CurvePoolState, get_y
from bot.amm.curve_stableswap import get_d as stableswap_get_d
from bot.errors import AmmError


def get_d(xp: tuple[int, ...] | list[int], amp: int, a_precision: int = 100) -> int:
    """The invariant D (the lending template's get_D: each `x * N` divisor is `x * N + 1`)."""
    return stableswap_get_d(xp, amp, a_precision, offset=1)


def dynamic_fee(xpi: int, xpj: int, fee: int, offpeg_fee_multiplier: int) -> int:
    """The fee (1e10 precision) for normalised balances xpi and xpj (the pool's _dynamic_fee)."""
    if offpeg_fee_multiplier <= FEE_DENOMINATOR:
        return fee
    xps2 = (xpi + xpj) ** 2
    if xps2 == 0:
        raise AmmError("Curve dynamic fee: both balances are zero (division by zero in the pool)")
    return (offpeg_fee_multiplier * fee) // (
        (offpeg_fee_multiplier - FEE_DENOMINATOR) * 4 * xpi * xpj // xps2 + FEE_DENOMINATOR
    )


def _check(state: CurvePoolState, i: int, j: int, dx: int) -> None:
    n = len(state.coins)
    if not (0 <= i < n and 0 <= j < n):
        raise AmmError(f"Curve exchange on {state.address}: coin index {i} or {j} is outside 0..{n - 1}")
    if i == j:
        raise AmmError(f"Curve exchange on {state.address}: cannot exchange coin {i} for itself")
    if dx < 0:
        raise AmmError(f"Curve exchange on {state.address}: dx must not be negative, got {dx}")


def _trade(state: CurvePoolState, i: int, j: int, dx: int) -> tuple[int, int, int, list[int]]:
    """(dy in normalised units, the fee rate in force, y, xp) of selling dx of coin i for coin j."""
    _check(state, i, j, dx)
    mul = state.precision_multipliers
    xp = [b * m for b, m in zip(state.balances, mul, strict=True)]
    x = xp[i] + dx * mul[i]
    y = get_y(i, j, x, xp, state.amp, state.a_precision, state.invariant())
    dy = xp[j] - y
    if dy < 0:
        raise AmmError(f"Curve exchange on {state.address}: output underflows for dx {dx}")
    fee = dynamic_fee((xp[i] + x) // 2, (xp[j] + y) // 2, state.fee, state.offpeg_fee_multiplier)
    return dy, fee, y, xp


def exchange_dy(state: CurvePoolState, i: int, j: int, dx: int) -> int:
    """What `exchange(i, j, dx)` and `exchange_underlying(i, j, dx)` pay, in coin j's units."""
    dy, fee, _, _ = _trade(state, i, j, dx)
    dy_fee = dy * fee // FEE_DENOMINATOR
    return (dy - dy_fee) // state.precision_multipliers[j]


def get_dy_view(state: CurvePoolState, i: int, j: int, dx: int) -> int:
    """What the pool's `get_dy(i, j, dx)` and `get_dy_underlying(i, j, dx)` return (may differ from
    `exchange_dy` by one unit of coin j)."""
    dy_norm, fee, _, _ = _trade(state, i, j, dx)
    dy = dy_norm // state.precision_multipliers[j]
    return dy - fee * dy // FEE_DENOMINATOR


def admin_fee_out(state: CurvePoolState, i: int, j: int, dx: int, admin_fee: int) -> int:
    """The units of coin j that `exchange(i, j, dx)` adds to admin_balances[j] (they leave `balances`)."""
    if admin_fee == 0:
        return 0
    dy, fee, _, _ = _trade(state, i, j, dx)
    dy_fee = dy * fee // FEE_DENOMINATOR
    return dy_fee * admin_fee // FEE_DENOMINATOR // state.precision_multipliers[j]


def fee_now(state: CurvePoolState, i: int, j: int) -> int:
    """The pool's `dynamic_fee(i, j)`: the fee rate at the current balances (a trade of size zero)."""
    mul = state.precision_multipliers
    return dynamic_fee(
        state.balances[i] * mul[i], state.balances[j] * mul[j], state.fee, state.offpeg_fee_multiplier
    )
