// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IUniswapV3Pool} from "../../interfaces/IUniswapV3Pool.sol";
import {Failure, BadReturnData, AmountTooLarge, PartialFill} from "./Errors.sol";

/// @title UniswapV3Hop
/// @notice An exact-input swap in a Uniswap V3 pool, called directly. The pool sends the output, then
/// calls `uniswapV3SwapCallback` on this contract, which pays what the pool asks for in the input token.
/// Only pools whose address FlashArb has checked against the Uniswap V3 factory (CREATE2) get here.
/// @dev The price limit is the far end of the pool's range, so the pool fills the whole input unless
/// it runs out of liquidity; the caller checks the fill (`PartialFill`) and the output (`minOut`).
library UniswapV3Hop {
    /// @dev TickMath.MIN_SQRT_RATIO + 1: the lowest limit a token0 -> token1 swap accepts.
    uint160 internal constant MIN_SQRT_RATIO_PLUS_ONE = 4295128740;
    /// @dev TickMath.MAX_SQRT_RATIO - 1: the highest limit a token1 -> token0 swap accepts.
    uint160 internal constant MAX_SQRT_RATIO_MINUS_ONE = 1461446703485210103287273052203988822378723970341;

    /// @notice Swaps exactly `amountIn`; the pool is paid in the callback.
    /// @param hop The hop's index, for errors.
    /// @param pool The pool.
    /// @param zeroForOne True when the input is the pool's token0.
    /// @param amountIn The input.
    /// @param recipient Where the pool sends the output (this contract, or the next hop's pair).
    function swap(uint256 hop, address pool, bool zeroForOne, uint256 amountIn, address recipient) internal {
        if (amountIn > uint256(type(int256).max)) revert AmountTooLarge(hop, amountIn);
        bool success;
        bool ok;
        int256 amount0;
        int256 amount1;
        assembly ("memory-safe") {
            let m := mload(0x40) // scratch: the free memory pointer is not advanced
            mstore(m, shl(224, 0x128acb08)) // swap(address,bool,int256,uint160,bytes)
            mstore(add(m, 0x04), recipient) // recipient
            mstore(add(m, 0x24), zeroForOne) // zeroForOne
            mstore(add(m, 0x44), amountIn) // amountSpecified > 0: exact input
            mstore(
                add(m, 0x64),
                // sqrtPriceLimitX96: the far end in the swap's direction
                xor(MAX_SQRT_RATIO_MINUS_ONE, mul(zeroForOne, xor(MAX_SQRT_RATIO_MINUS_ONE, MIN_SQRT_RATIO_PLUS_ONE)))
            )
            mstore(add(m, 0x84), 0xa0) // offset of `data`
            mstore(add(m, 0xa4), 0) // data.length = 0
            success := call(gas(), pool, 0, m, 0xc4, 0x00, 0x40)
            ok := and(success, gt(returndatasize(), 0x3f)) // (amount0, amount1) came back
            amount0 := mload(0x00)
            amount1 := mload(0x20)
        }
        if (!ok) {
            if (!success) Failure.callFailed(pool);
            revert BadReturnData(pool);
        }
        // The output is measured by the caller as a balance change; only the fill is checked here.
        int256 paid = zeroForOne ? amount0 : amount1;
        if (paid != int256(amountIn)) revert PartialFill(pool, paid < 0 ? 0 : uint256(paid), amountIn);
    }

    /// @notice Starts a swap whose output arrives before its input is paid: the pool sends the
    /// output, then calls back with `data`; the callback runs the rest of the route and pays the pool.
    /// @param pool The pool.
    /// @param zeroForOne True when the input is the pool's token0.
    /// @param amountIn The input.
    /// @param recipient Where the pool sends the output (this contract, or the next hop's pair).
    /// @param data The route, passed back to the callback.
    function flashSwap(address pool, bool zeroForOne, uint256 amountIn, address recipient, bytes calldata data)
        internal
    {
        uint160 limit = zeroForOne ? MIN_SQRT_RATIO_PLUS_ONE : MAX_SQRT_RATIO_MINUS_ONE;
        // The route's amount is a uint128, so the cast cannot turn negative.
        (bool ok,) = pool.call(
            abi.encodeCall(IUniswapV3Pool.swap, (recipient, zeroForOne, int256(amountIn), limit, data))
        );
        if (!ok) Failure.callFailed(pool);
    }
}
