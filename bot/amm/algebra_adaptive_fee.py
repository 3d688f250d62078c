"""Mirrors Algebra V1 `AdaptiveFee` (core contracts/libraries/AdaptiveFee.sol): the dynamic fee as
a base fee plus two sigmoids of the pool's volatility, scaled by a sigmoid of its volume per liquidity.

    fee = baseFee + sigmoid(volumePerLiquidity, volumeGamma, s1 + s2, volumeBeta)
    s1  = sigmoid(volatility, gamma1, alpha1, beta1),  s2 = sigmoid(volatility, gamma2, alpha2, beta2)

Each sigmoid is alpha / (1 + e^(-(x - beta) / gamma)), computed in integers with `exp` (an 8-term
Taylor expansion of g^8 * e^(x/g)) and floor divisions exactly as the library does. The fee is in
hundredths of a bip (100 = 0.01 %).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import AmmError

_MAX_UINT16 = (1 << 16) - 1


@dataclass(frozen=True, slots=True)
class FeeConfiguration:
    """AdaptiveFee.Configuration, as DataStorageOperator.feeConfig() returns it."""

    alpha1: int
    """Maximum of the first sigmoid."""
    alpha2: int
    """Maximum of the second sigmoid."""
    beta1: int
    """Shift along x of the first sigmoid."""
    beta2: int
    """Shift along x of the second sigmoid."""
    gamma1: int
    """Horizontal stretch of the first sigmoid (non-zero)."""
    gamma2: int
    """Horizontal stretch of the second sigmoid (non-zero)."""
    volume_beta: int
    """Shift along x of the outer volume sigmoid."""
    volume_gamma: int
    """Horizontal stretch of the outer volume sigmoid (non-zero)."""
    base_fee: int
    """The minimum fee."""

    def __post_init__(self) -> None:
        if min(self.gamma1, self.gamma2, self.volume_gamma) <= 0:
            raise AmmError(f"Algebra fee configuration {self}: gammas must be > 0")
        if self.alpha1 + self.alpha2 + self.base_fee > _MAX_UINT16:
            raise AmmError(f"Algebra fee configuration {self}: alpha1 + alpha2 + baseFee exceeds uint16")


def get_fee(volatility: int, volume_per_liquidity: int, config: FeeConfiguration) -> int:
    """AdaptiveFee.getFee: the fee for a (volatility, volume per liquidity) average."""
    sum_of_sigmoids = sigmoid(volatility, config.gamma1, config.alpha1, config.beta1) + sigmoid(
        volatility, config.gamma2, config.alpha2, config.beta2
    )
    sum_of_sigmoids = min(sum_of_sigmoids, _MAX_UINT16)
    return config.base_fee + sigmoid(
        volume_per_liquidity, config.volume_gamma, sum_of_sigmoids, config.volume_beta
    )


def sigmoid(x: int, g: int, alpha: int, beta: int) -> int:
    """AdaptiveFee.sigmoid: alpha / (1 + e^((beta - x) / g)) in integers."""
    if x > beta:
        x -= beta
        if x >= 6 * g:
            return alpha
        g8 = g**8
        ex = exp(x, g, g8)
        return (alpha * ex) // (g8 + ex)
    x = beta - x
    if x >= 6 * g:
        return 0
    g8 = g**8
    ex = g8 + exp(x, g, g8)
    return (alpha * g8) // ex


def exp(x: int, g: int, g_highest_degree: int) -> int:
    """AdaptiveFee.exp: g^8 * e^(x/g) by its Taylor series to the 8th power, floor divisions as on-chain."""
    x_lowest_degree = x
    res = g_highest_degree  # g**8
    g_highest_degree //= g  # g**7
    res += x_lowest_degree * g_highest_degree
    g_highest_degree //= g  # g**6
    x_lowest_degree *= x  # x**2
    res += (x_lowest_degree * g_highest_degree) // 2
    g_highest_degree //= g  # g**5
    x_lowest_degree *= x  # x**3
    res += (x_lowest_degree * g_highest_degree) // 6
    g_highest_degree //= g  # g**4
    x_lowest_degree *= x  # x**4
    res += (x_lowest_degree * g_highest_degree) // 24
    g_highest_degree //= g  # g**3
    x_lowest_degree *= x  # x**5
    res += (x_lowest_degree * g_highest_degree) // 120
    g_highest_degree //= g  # g**2
    x_lowest_degree *= x  # x**6
    res += (x_lowest_degree * g_highest_degree) // 720
    x_lowest_degree *= x  # x**7
    return res + (x_lowest_degree * g) // 5040 + (x_lowest_degree * x) // 40320
