"""Exact integer AMM math, one module per on-chain library it mirrors. No I/O, no floats.

Uniswap V2 (`uniswap_v2`), Uniswap V3 (`full_math`, `unsafe_math`, `bit_math`, `tick_math`,
`sqrt_price_math`, `swap_math`, `liquidity_math`, `tick_bitmap`, `v3_pool`), Balancer V2 weighted
pools (`balancer_fixed_point`, `balancer_log_exp`, `balancer_weighted`), Curve StableSwap
(`curve_stableswap`) and Algebra V1 / QuickSwap V3 (`algebra_adaptive_fee`, `algebra_data_storage`,
`algebra_pool`, whose swap runs on the Uniswap V3 modules). Every function returns the integers the
chain computes for the same inputs and raises `bot.errors.AmmError` where the chain would revert.
"""
