"""Balancer V2 weighted pool swaps: WeightedMath._calcOutGivenIn / _calcInGivenOut
(pool-weighted contracts/WeightedMath.sol) inside the pool's onSwap (pool-utils
BaseMinimalSwapInfoPool.onSwap, BasePool._subtractSwapFeeAmount / _addSwapFeeAmount, solidity-utils
ScalingHelpers._upscale / _downscaleDown / _downscaleUp).

The order of operations is the pool's: for a given input the swap fee comes off the raw amount
first (rounded up), then every amount is upscaled to 18 decimals; for a given output the result is
downscaled rounding up, then the fee is added (rounded up). Balances are the Vault's raw balances
(Vault.getPoolTokens), scaling factors are the pool's (getScalingFactors: 1e18 * 10**(18 - decimals)).
"""

from dataclasses import dataclass

from bot.amm.balancer_fixed_point import (
    ONE,
    complement,
    div_down,
    div_up,
    mul_down,
    mul_up,
    pow_up,
    sub,
)
from bot.amm.balancer_fixed_point import add as fp_add
from bot.errors import AmmError

MAX_IN_RATIO = 3 * 10**17  # 0.3: an input at most 30 % of the input balance
MAX_OUT_RATIO = 3 * 10**17  # 0.3: an output at most 30 % of the output balance


@dataclass(frozen=True, slots=True)
class WeightedPoolState:
    """An immutable snapshot of one Balancer V2 weighted pool."""

    pool_id: str
    """The Vault's pool id (bytes32, 0x-hex)."""
    address: str
    """The pool contract."""
    tokens: tuple[str, ...]
    """The pool's tokens in the Vault's order (Vault.getPoolTokens)."""
    balances: tuple[int, ...]
    """Raw token balances in the Vault, same order."""
    normalized_weights: tuple[int, ...]
    """getNormalizedWeights(): 18-decimal fractions summing to 1e18."""
    swap_fee_percentage: int
    """getSwapFeePercentage(): 18-decimal fraction (3e15 = 0.3 %)."""
    scaling_factors: tuple[int, ...]
    """getScalingFactors(): 1e18 * 10 ** (18 - decimals) per token."""

    def __post_init__(self) -> None:
        n = len(self.tokens)
        where = f"WeightedPoolState {self.address}"
        if n < 2:
            raise AmmError(f"{where}: a weighted pool has at least 2 tokens, got {n}")
        for name in ("balances", "normalized_weights", "scaling_factors"):
            if len(getattr(self, name)) != n:
                raise AmmError(f"{where}: {name} has {len(getattr(self, name))} entries for {n} tokens")
        if any(w <= 0 for w in self.normalized_weights):
            raise AmmError(f"{where}: normalized weights must be positive, got {self.normalized_weights}")
        if any(f <= 0 for f in self.scaling_factors):
            raise AmmError(f"{where}: scaling factors must be positive, got {self.scaling_factors}")
        if any(b < 0 for b in self.balances):
            raise AmmError(f"{where}: balances must not be negative, got {self.balances}")
        if not 0 <= self.swap_fee_percentage < ONE:
            raise AmmError(f"{where}: swap fee {self.swap_fee_percentage} must be in [0, 1e18)")

    def index(self, token: str) -> int:
        """Position of `token` in the pool (case-insensitive address match)."""
        wanted = token.lower()
        for k, t in enumerate(self.tokens):
            if t.lower() == wanted:
                return k
        raise AmmError(f"WeightedPoolState {self.address}: token {token} is not in the pool {self.tokens}")


def weighted_out_given_in(
    balance_in: int, weight_in: int, balance_out: int, weight_out: int, amount_in: int
) -> int:
    """WeightedMath._calcOutGivenIn on upscaled (18-decimal) amounts:
    balance_out * (1 - (balance_in / (balance_in + amount_in)) ** (weight_in / weight_out))."""
    if amount_in > mul_down(balance_in, MAX_IN_RATIO):
        raise AmmError(
            f"Balancer weighted: input {amount_in} exceeds 30 % of the balance {balance_in} "
            "(BAL#304 MAX_IN_RATIO)"
        )
    denominator = fp_add(balance_in, amount_in)
    base = div_up(balance_in, denominator)
    exponent = div_down(weight_in, weight_out)
    power = pow_up(base, exponent)
    return mul_down(balance_out, complement(power))


def weighted_in_given_out(
    balance_in: int, weight_in: int, balance_out: int, weight_out: int, amount_out: int
) -> int:
    """WeightedMath._calcInGivenOut on upscaled (18-decimal) amounts:
    balance_in * ((balance_out / (balance_out - amount_out)) ** (weight_out / weight_in) - 1)."""
    if amount_out > mul_down(balance_out, MAX_OUT_RATIO):
        raise AmmError(
            f"Balancer weighted: output {amount_out} exceeds 30 % of the balance {balance_out} "
            "(BAL#305 MAX_OUT_RATIO)"
        )
    base = div_up(balance_out, sub(balance_out, amount_out))
    exponent = div_up(weight_out, weight_in)
    power = pow_up(base, exponent)
    ratio = sub(power, ONE)
    return mul_up(balance_in, ratio)


def _check_indices(state: WeightedPoolState, i: int, j: int) -> None:
    n = len(state.tokens)
    if not (0 <= i < n and 0 <= j < n):
        raise AmmError(f"WeightedPoolState {state.address}: token index {i} or {j} is outside 0..{n - 1}")
    if i == j:
        raise AmmError(f"WeightedPoolState {state.address}: cannot swap token {i} for itself")


def calc_out_given_in(state: WeightedPoolState, i: int, j: int, amount_in: int) -> int:
    """Raw amount of token j out for a raw `amount_in` of token i, as the pool's onSwap (GIVEN_IN)
    returns it (and so as Vault.swap and BalancerQueries.querySwap report it)."""
    _check_indices(state, i, j)
    if amount_in <= 0:
        raise AmmError(f"Balancer weighted: amount_in must be positive, got {amount_in}")
    scale_in = state.scaling_factors[i]
    scale_out = state.scaling_factors[j]
    balance_in = mul_down(state.balances[i], scale_in)
    balance_out = mul_down(state.balances[j], scale_out)
    amount = sub(amount_in, mul_up(amount_in, state.swap_fee_percentage))
    amount = mul_down(amount, scale_in)
    amount_out = weighted_out_given_in(
        balance_in, state.normalized_weights[i], balance_out, state.normalized_weights[j], amount
    )
    return div_down(amount_out, scale_out)


def calc_in_given_out(state: WeightedPoolState, i: int, j: int, amount_out: int) -> int:
    """Raw amount of token i in for a raw `amount_out` of token j, as the pool's onSwap (GIVEN_OUT)
    returns it, swap fee included."""
    _check_indices(state, i, j)
    if amount_out <= 0:
        raise AmmError(f"Balancer weighted: amount_out must be positive, got {amount_out}")
    scale_in = state.scaling_factors[i]
    scale_out = state.scaling_factors[j]
    balance_in = mul_down(state.balances[i], scale_in)
    balance_out = mul_down(state.balances[j], scale_out)
    amount = mul_down(amount_out, scale_out)
    amount_in = weighted_in_given_out(
        balance_in, state.normalized_weights[i], balance_out, state.normalized_weights[j], amount
    )
    amount_in = div_up(amount_in, scale_in)
    return div_up(amount_in, complement(state.swap_fee_percentage))
