// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IUniswapV3Pool
/// @notice The parts of a Uniswap V3 pool that FlashArb calls.
interface IUniswapV3Pool {
    /// @notice The lower-sorted token of the pool.
    /// @return The token address.
    function token0() external view returns (address);

    /// @notice The higher-sorted token of the pool.
    /// @return The token address.
    function token1() external view returns (address);

    /// @notice Swaps token0 for token1 or token1 for token0. The pool sends the output first, then
    /// calls `uniswapV3SwapCallback` on the caller, then checks that it was paid.
    /// @param recipient The recipient of the output.
    /// @param zeroForOne True to sell token0, false to sell token1.
    /// @param amountSpecified Positive: exact input; negative: exact output.
    /// @param sqrtPriceLimitX96 The price (Q64.96 square root) the swap may not cross.
    /// @param data Passed unchanged to the callback.
    /// @return amount0 The pool's token0 balance change (positive: the pool received).
    /// @return amount1 The pool's token1 balance change (positive: the pool received).
    function swap(
        address recipient,
        bool zeroForOne,
        int256 amountSpecified,
        uint160 sqrtPriceLimitX96,
        bytes calldata data
    ) external returns (int256 amount0, int256 amount1);
}
