"""Balancer V2 ComposableStable pool swaps: StableMath._calculateInvariant, _calcOutGivenIn and
_getTokenBalanceGivenInvariantAndAllOtherBalances (pool-stable contracts/StableMath.sol) inside the
pool's swap path for two of its own tokens (pool-stable ComposableStablePool._swapGivenIn and
_onRegularSwap; BasePool._subtractSwapFeeAmount; solidity-utils ScalingHelpers._upscale /
_downscaleDown).

What the pool does, in this order, for a given input of token i sold for token j (neither its BPT):
1. the swap fee comes off the raw input, rounded up (amount - mulUp(amount, fee));
2. every registered balance and the input are upscaled with mulDown by the pool's scaling factors,
   which are 1e18 * 10**(18 - decimals) times the token's rate (the rate provider's rate as the pool
   cached it; 1e18 without a provider) - `getScalingFactors()` returns exactly these products;
3. the pool's own BPT is dropped from the balances and the indices skip it;
4. the invariant D is computed from the remaining balances with the amplification as the pool reads
   it (A times AMP_PRECISION = 1000), then the new balance of j given D, rounding up;
5. out = balance_j - new balance_j - 1, downscaled with divDown.
Solidity's checked arithmetic becomes AmmError here (a sub-zero output or an invariant that does not
converge in 255 rounds); raw integers never wrap.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.amm.balancer_fixed_point import div_down, mul_down, mul_up
from bot.errors import AmmError

AMP_PRECISION = 1_000
"""StableMath._AMP_PRECISION: getAmplificationParameter() reports A times this."""
MAX_ROUNDS = 255
"""StableMath's Newton iterations before it reverts (STABLE_INVARIANT_DIDNT_CONVERGE, BAL#321)."""


@dataclass(frozen=True, slots=True)
class StablePoolState:
    """An immutable snapshot of one Balancer V2 ComposableStable pool."""

    pool_id: str
    """The Vault's pool id (bytes32, 0x-hex)."""
    address: str
    """The pool contract, which is also its BPT."""
    tokens: tuple[str, ...]
    """The Vault's registered tokens (Vault.getPoolTokens), the pool's own BPT among them."""
    balances: tuple[int, ...]
    """Raw balances in the Vault, same order."""
    bpt_index: int
    """getBptIndex(): where the BPT sits in `tokens` (never traded here)."""
    scaling_factors: tuple[int, ...]
    """getScalingFactors(): 1e18 * 10**(18 - decimals) times each token's cached rate, same order."""
    amp: int
    """getAmplificationParameter().value: A times AMP_PRECISION."""
    swap_fee_percentage: int
    """getSwapFeePercentage(): 18-decimal fraction."""

    def __post_init__(self) -> None:
        n = len(self.tokens)
        where = f"StablePoolState {self.address}"
        if n < 3:
            raise AmmError(
                f"{where}: a ComposableStable pool registers its BPT and at least 2 tokens, got {n}"
            )
        for name in ("balances", "scaling_factors"):
            if len(getattr(self, name)) != n:
                raise AmmError(f"{where}: {name} has {len(getattr(self, name))} entries for {n} tokens")
        if not 0 <= self.bpt_index < n or self.tokens[self.bpt_index].lower() != self.address.lower():
            raise AmmError(f"{where}: bpt_index {self.bpt_index} does not point at the pool's own token")
        if any(f <= 0 for f in self.scaling_factors):
            raise AmmError(f"{where}: scaling factors must be positive, got {self.scaling_factors}")
        if self.amp <= 0:
            raise AmmError(f"{where}: amplification must be positive, got {self.amp}")
        if not 0 <= self.swap_fee_percentage < 10**18:
            raise AmmError(f"{where}: swap fee {self.swap_fee_percentage} is not below 1e18")

    def index(self, token: str) -> int:
        """The registered index of `token` (any case); the BPT is not a tradeable token here."""
        wanted = token.lower()
        for i, t in enumerate(self.tokens):
            if t.lower() == wanted and i != self.bpt_index:
                return i
        raise KeyError(f"token {token} is not a tradeable token of stable pool {self.address}")


def calculate_invariant(amp: int, balances: list[int]) -> int:
    """StableMath._calculateInvariant: D by Newton's method, every division rounding down."""
    total = sum(balances)
    if total == 0:
        return 0
    n = len(balances)
    invariant = total
    amp_times_total = amp * n
    for _ in range(MAX_ROUNDS):
        d_p = invariant
        for balance in balances:
            d_p = d_p * invariant // (balance * n)
        previous = invariant
        numerator = (amp_times_total * total // AMP_PRECISION + d_p * n) * invariant
        denominator = (amp_times_total - AMP_PRECISION) * invariant // AMP_PRECISION + (n + 1) * d_p
        invariant = numerator // denominator
        if abs(invariant - previous) <= 1:
            return invariant
    raise AmmError("BAL#321: the stable invariant did not converge")


def _div_up_raw(a: int, b: int) -> int:
    """Math.divUp for raw integers: 0 when a is 0, else 1 + (a - 1) // b."""
    if b == 0:
        raise AmmError("BAL#004: division by zero")
    return 0 if a == 0 else 1 + (a - 1) // b


def balance_given_invariant(amp: int, balances: list[int], invariant: int, index: int) -> int:
    """StableMath._getTokenBalanceGivenInvariantAndAllOtherBalances: the balance of token `index` that
    keeps D with every other balance as given, rounding up."""
    n = len(balances)
    amp_times_total = amp * n
    total = balances[0]
    p_d = balances[0] * n
    for balance in balances[1:]:
        p_d = p_d * balance * n // invariant
        total += balance
    total -= balances[index]
    inv2 = invariant * invariant
    c = _div_up_raw(inv2, amp_times_total * p_d) * AMP_PRECISION * balances[index]
    b = total + invariant // amp_times_total * AMP_PRECISION
    balance = _div_up_raw(inv2 + c, invariant + b)
    for _ in range(MAX_ROUNDS):
        previous = balance
        denominator = balance * 2 + b - invariant
        if denominator < 0:
            raise AmmError("BAL#001: subtraction underflow in the stable balance")
        balance = _div_up_raw(balance * balance + c, denominator)
        if abs(balance - previous) <= 1:
            return balance
    raise AmmError("BAL#322: the stable balance did not converge")


def calc_out_given_in(state: StablePoolState, i: int, j: int, amount_in: int) -> int:
    """The raw amount of registered token j the pool pays for `amount_in` raw units of token i (both
    registered indices, neither the BPT), as ComposableStablePool's GIVEN_IN swap computes it."""
    n = len(state.tokens)
    if i == j or not (0 <= i < n and 0 <= j < n) or state.bpt_index in (i, j):
        raise AmmError(
            f"stable pool {state.address}: cannot swap index {i} for {j} (BPT at {state.bpt_index})"
        )
    if amount_in < 0:
        raise AmmError(f"negative input {amount_in}")
    amount = amount_in - mul_up(amount_in, state.swap_fee_percentage)
    upscaled = [mul_down(b, f) for b, f in zip(state.balances, state.scaling_factors, strict=True)]
    amount = mul_down(amount, state.scaling_factors[i])
    balances = [b for k, b in enumerate(upscaled) if k != state.bpt_index]
    index_in = i - (i > state.bpt_index)
    index_out = j - (j > state.bpt_index)
    invariant = calculate_invariant(state.amp, balances)
    balances[index_in] += amount
    final_out = balance_given_invariant(state.amp, balances, invariant, index_out)
    out = balances[index_out] - final_out - 1
    if out < 0:
        raise AmmError("BAL#001: subtraction underflow in the stable swap output")
    return div_down(out, state.scaling_factors[j])
