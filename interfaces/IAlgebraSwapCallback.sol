// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IAlgebraSwapCallback
/// @notice The callback an Algebra V1 pool (QuickSwap V3) makes on the caller of `swap`.
/// @dev Anyone can call this function: an implementation must check that the caller is a pool the
/// canonical pool deployer created (CREATE2) and the one it is swapping with right now.
interface IAlgebraSwapCallback {
    /// @notice Pay the pool what the swap owes it.
    /// @param amount0Delta The pool's token0 balance change; positive means the caller must pay it.
    /// @param amount1Delta The pool's token1 balance change; positive means the caller must pay it.
    /// @param data The bytes given to `swap`.
    function algebraSwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external;
}
