"""What a built replica contains: a frozen, JSON-serialisable description (manifest.json)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class TokenInfo(_Frozen):
    address: str
    """The token's canonical Polygon address."""
    decimals: int
    """ERC20 decimals."""


class V2Pair(_Frozen):
    dex: str
    """The DEX's name in the address book ("quickswap", "sushiswap")."""
    address: str
    """The pair contract."""
    token0: str
    """The pair's token0 (lower address)."""
    token1: str
    """The pair's token1."""


class V3Pool(_Frozen):
    address: str
    """The UniswapV3Pool."""
    token0: str
    """token0 (lower address)."""
    token1: str
    """token1."""
    fee: int
    """Fee in hundredths of a basis point (500 = 0.05%)."""
    tick_spacing: int
    """The pool's tick spacing."""


class V3ForkPool(V3Pool):
    dex: str
    """The venue's name in the address book's uniswap_v3_forks ("sushiswap-v3")."""
    factory: str
    """The venue's factory, which created the pool."""


class AlgebraPool(_Frozen):
    address: str
    """The Algebra V1 (QuickSwap V3) pool."""
    token0: str
    """token0 (lower address)."""
    token1: str
    """token1."""
    data_storage_operator: str
    """The pool's DataStorageOperator (timepoints and the adaptive fee)."""


class BalancerPool(_Frozen):
    pool_id: str
    """The Vault's bytes32 pool id (0x-hex)."""
    address: str
    """The pool contract (also its BPT token)."""
    tokens: tuple[str, ...]
    """Tokens in the Vault's (sorted) order."""
    weights: tuple[int, ...]
    """Normalized weights, 18-decimal fixed point, summing to 1e18, in token order."""
    swap_fee: int
    """Swap fee percentage, 18-decimal fixed point (3e15 = 0.3%)."""


class BalancerStablePool(_Frozen):
    pool_id: str
    """The Vault's bytes32 pool id (0x-hex)."""
    address: str
    """The ComposableStablePool (also its BPT, which is one of its registered tokens)."""
    tokens: tuple[str, ...]
    """The Vault's registered tokens, the pool's own BPT included (at `bpt_index`)."""
    bpt_index: int
    """getBptIndex(): where the pool's own BPT sits in `tokens`."""
    rate_providers: tuple[str, ...]
    """getRateProviders() in the same order (the zero address: no provider; RateProviderReplica on the
    replica)."""
    amplification: int
    """The amplification parameter A the pool was created with (getAmplificationParameter() reports
    A times its precision, 1000)."""
    swap_fee: int
    """Swap fee percentage, 18-decimal fixed point."""


class CurvePool(_Frozen):
    name: str
    """The pool's name in the address book."""
    address: str
    """The pool contract."""
    coins: tuple[str, ...]
    """Coins in index order."""
    a: int
    """The amplification coefficient A."""
    fee: int
    """Fee, 1e10 precision (1_000_000 = 0.01%)."""


class CurveLendingPool(_Frozen):
    name: str
    """The pool's name in the address book."""
    address: str
    """The pool contract (the real pool's address)."""
    coins: tuple[str, ...]
    """Wrapped coins (the replica's Aave V3 aTokens) in index order."""
    underlying_coins: tuple[str, ...]
    """Their underlying assets, same order (what exchange_underlying trades)."""
    a: int
    """The amplification coefficient A."""
    fee: int
    """Fee at peg, 1e10 precision."""
    admin_fee: int
    """The admin's share of the fee, 1e10 precision."""
    offpeg_fee_multiplier: int
    """The off-peg fee multiplier, 1e10 precision."""


class AaveReserve(_Frozen):
    symbol: str
    """The asset's symbol in the address book."""
    asset: str
    """The underlying token."""
    a_token: str
    """The reserve's aToken proxy."""
    variable_debt_token: str
    """The variable debt token proxy."""
    stable_debt_token: str
    """The stable debt token proxy."""
    supplied: int
    """Amount of the asset the admin supplied at build time (smallest units)."""


class Manifest(_Frozen):
    input_hash: str
    """sha256 of the build inputs: the cache key this state was built for."""
    scale: str = "small"
    """The replica's size: "small" (the test suite's) or "full" (Polygon scale)."""
    chain_id: int = 137
    """Always 137; anvil must be started with --chain-id 137 (the state file does not keep it)."""
    admin: str
    """The replica admin (see bot.replica.admin): owner of every protocol and holder of the seeds."""
    block_number: int
    """The last block of the build."""
    block_timestamp: int
    """Its timestamp (builds pin time, so this is deterministic)."""
    prices_usd: dict[str, str]
    """The price table every venue was seeded from (symbol -> USD, decimal string)."""
    tokens: dict[str, TokenInfo]
    """symbol -> token."""
    v2_pairs: tuple[V2Pair, ...] = ()
    """Uniswap V2-style pairs, per DEX."""
    v3_pools: tuple[V3Pool, ...] = ()
    """Uniswap V3 pools."""
    v3_fork_pools: tuple[V3ForkPool, ...] = ()
    """Pools of venues running Uniswap V3 code at their own factory (SushiSwap V3)."""
    algebra_pools: tuple[AlgebraPool, ...] = ()
    """QuickSwap V3 (Algebra V1) pools."""
    balancer_pools: tuple[BalancerPool, ...] = ()
    """Balancer V2 weighted pools."""
    balancer_stable_pools: tuple[BalancerStablePool, ...] = ()
    """Balancer V2 ComposableStable pools (ComposableStablePoolFactory v3)."""
    curve_pools: tuple[CurvePool, ...] = ()
    """CurveStableSwapReplica pools (empty if the contract was not in the tree at build time)."""
    curve_lending_pools: tuple[CurveLendingPool, ...] = ()
    """CurveAavePoolReplica pools at real Curve addresses (Curve's Polygon aave pool)."""
    aave_reserves: tuple[AaveReserve, ...] = ()
    """Aave V3 reserves, all with flash loans enabled."""
    aave_flashloan_premium_total: int = Field(default=0, ge=0)
    """FLASHLOAN_PREMIUM_TOTAL set on the replica, in bps (read it on-chain in code)."""
    transactions: int = 0
    """Transactions the build sent."""
