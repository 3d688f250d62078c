"""Reading chain state into immutable pool snapshots: Multicall3 batches, discovery, per-block refresh.

    from bot.market import Multicall, MarketReader, discover
    multicall = Multicall(w3, book.multicall3.address)
    pools = discover(multicall, book, ["WMATIC", "USDC", "WETH"], balancer_pool_ids=[...])
    reader = MarketReader(multicall, pools, vault=book.balancer_v2.vault)
    result = reader.refresh()          # one eth_call per block in the steady state
    result.market                      # MarketState: every snapshot at result.market.block
    result.failed                      # pools whose read failed this block, with the reason

This package and bot.execution are the only ones that talk to the chain.
"""

from bot.market.discovery import V3_FEE_TIERS, discover
from bot.market.multicall import Call, CallResult, Multicall
from bot.market.pools import (
    BalancerPoolInfo,
    BalancerStablePoolInfo,
    CurvePoolInfo,
    PoolInfo,
    PoolSet,
    V2PairInfo,
    V3PoolInfo,
)
from bot.market.reader import MarketReader
from bot.market.snapshots import (
    BalancerPoolSnapshot,
    CurvePoolSnapshot,
    PoolSnapshot,
    V2PairSnapshot,
    V3PoolSnapshot,
)
from bot.market.state import MarketState, PoolFailure, RefreshResult

__all__ = [
    "V3_FEE_TIERS",
    "BalancerPoolInfo",
    "BalancerStablePoolInfo",
    "BalancerPoolSnapshot",
    "Call",
    "CallResult",
    "CurvePoolInfo",
    "CurvePoolSnapshot",
    "MarketReader",
    "MarketState",
    "Multicall",
    "PoolFailure",
    "PoolInfo",
    "PoolSet",
    "PoolSnapshot",
    "RefreshResult",
    "V2PairInfo",
    "V2PairSnapshot",
    "V3PoolInfo",
    "V3PoolSnapshot",
    "discover",
]
