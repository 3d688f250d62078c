"""An Algebra V1 (QuickSwap V3) pool snapshot and its swap: AlgebraPool._calculateSwapAndLock (core
contracts/AlgebraPool.sol) over the snapshot's initialised ticks, at the fee in force at the swap.

What is the same as Uniswap V3 (and so runs on `bot.amm.v3_pool`): TickMath; the step math
(PriceMovementMath.movePriceTowardsTarget computes what SwapMath.computeSwapStep does, with
TokenDeltaMath = SqrtPriceMath's amount deltas and the same roundings); the tick walk
(TickTable.nextTickInTheSameRow is TickBitmap.nextInitializedTickWithinOneWord over ticks compressed
by the spacing, with the bound to MIN_TICK/MAX_TICK done inside instead of in the loop); crossing
(liquidityDelta = Uniswap's liquidityNet); the stop rules. Every pool has tick spacing 60.

What differs:
- The fee is per pool and moves: the first swap of a block with a new timestamp writes a timepoint
  and recomputes the fee from the day's volatility and volume (`algebra_data_storage.fee_at`); that
  swap and every later one in the block pay it. `fee_at(time)` gives the fee for a block timestamp.
- The community fee is taken out of the LP fee inside the pool; it changes nothing the trader pays
  or receives, so it plays no part here.
- An active farming incentive (`activeIncentive`) makes the pool call a virtual pool on every tick
  crossing; that costs gas but changes no amount.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.amm.algebra_adaptive_fee import FeeConfiguration
from bot.amm.algebra_data_storage import DataStorageHead, WindowStart, fee_at
from bot.amm.v3_pool import V3PoolState, V3SwapResult, swap

TICK_SPACING = 60
"""Algebra V1's tick spacing (Constants.TICK_SPACING), the same for every pool."""


@dataclass(frozen=True, slots=True)
class AlgebraPoolState:
    """An immutable snapshot of one Algebra V1 pool: enough to run its swap and its next fee exactly."""

    address: str
    """The pool's address."""
    token0: str
    """token0 (the lower address)."""
    token1: str
    """token1."""
    sqrt_price_x96: int
    """globalState.price."""
    tick: int
    """globalState.tick."""
    fee: int
    """globalState.fee: the fee of the block of the last timepoint, in hundredths of a bip."""
    liquidity: int
    """The in-range liquidity."""
    ticks: tuple[int, ...]
    """Every initialised tick inside [covered_from, covered_to], ascending."""
    liquidity_net: tuple[int, ...]
    """ticks(t).liquidityDelta for each tick in `ticks`."""
    covered_from: int
    """Lowest tick whose initialised ticks the snapshot knows completely."""
    covered_to: int
    """Highest such tick (inclusive)."""
    block_timestamp: int
    """The timestamp of the block the snapshot was read at."""
    head: DataStorageHead
    """The timepoints the next block's fee depends on."""
    fee_config: FeeConfiguration
    """The pool's DataStorageOperator.feeConfig()."""
    window_start: WindowStart | None = None
    """The accumulators at (next block time - 1 day), where the fee needs them (see algebra_data_storage)."""
    _by_fee: dict[int, V3PoolState] = field(default_factory=dict, init=False, repr=False, compare=False)

    def fee_at(self, time: int) -> int:
        """The fee a swap in a block with timestamp `time` pays, if nothing else touches the pool first."""
        return fee_at(
            self.head, self.fee, time, self.tick, self.liquidity, self.fee_config, self.window_start
        )

    def at_fee(self, fee: int) -> V3PoolState:
        """The snapshot as the swap loop sees it with `fee` in force (cached per fee)."""
        state = self._by_fee.get(fee)
        if state is None:
            state = self._by_fee.setdefault(
                fee,
                V3PoolState(
                    address=self.address,
                    token0=self.token0,
                    token1=self.token1,
                    fee=fee,
                    tick_spacing=TICK_SPACING,
                    sqrt_price_x96=self.sqrt_price_x96,
                    tick=self.tick,
                    liquidity=self.liquidity,
                    ticks=self.ticks,
                    liquidity_net=self.liquidity_net,
                    covered_from=self.covered_from,
                    covered_to=self.covered_to,
                ),
            )
        return state


def algebra_swap(
    state: AlgebraPoolState,
    zero_to_one: bool,
    amount_required: int,
    time: int,
    limit_sqrt_price: int | None = None,
) -> tuple[V3SwapResult, int]:
    """AlgebraPool.swap on the snapshot in a block with timestamp `time`: exact input for
    amount_required > 0, exact output for < 0. Returns the swap's result and the fee it paid."""
    fee = state.fee_at(time)
    return swap(state.at_fee(fee), zero_to_one, amount_required, limit_sqrt_price), fee
