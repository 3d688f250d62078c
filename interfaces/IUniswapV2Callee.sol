// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IUniswapV2Callee
/// @notice The flash-swap callback a Uniswap V2 pair makes on the recipient of `swap` when `data` is
/// not empty.
/// @dev Any contract can call this function, and any pair can be told to call it: an implementation
/// must check that the caller is the pair it is swapping with and that `sender` is itself.
interface IUniswapV2Callee {
    /// @notice Runs with the swap's output in hand; the pair checks its invariant on return.
    /// @param sender The account that called `swap`.
    /// @param amount0 The token0 amount sent.
    /// @param amount1 The token1 amount sent.
    /// @param data The bytes given to `swap`.
    function uniswapV2Call(address sender, uint256 amount0, uint256 amount1, bytes calldata data) external;
}
