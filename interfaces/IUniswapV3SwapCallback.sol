// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IUniswapV3SwapCallback
/// @notice The callback a Uniswap V3 pool makes on the caller of `swap`.
/// @dev Anyone can call this function: an implementation must check that the caller is the pool it is
/// swapping with right now.
interface IUniswapV3SwapCallback {
    /// @notice Pay the pool what the swap owes it.
    /// @param amount0Delta The pool's token0 balance change; positive means the caller must pay it.
    /// @param amount1Delta The pool's token1 balance change; positive means the caller must pay it.
    /// @param data The bytes given to `swap`.
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external;
}
