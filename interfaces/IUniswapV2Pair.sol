// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IUniswapV2Pair
/// @notice The parts of a Uniswap V2 pair (and of its forks: QuickSwap, SushiSwap) that FlashArb calls.
interface IUniswapV2Pair {
    /// @notice The lower-sorted token of the pair.
    /// @return The token address.
    function token0() external view returns (address);

    /// @notice The higher-sorted token of the pair.
    /// @return The token address.
    function token1() external view returns (address);

    /// @notice The reserves the pair's invariant is checked against.
    /// @return reserve0 The reserve of token0.
    /// @return reserve1 The reserve of token1.
    /// @return blockTimestampLast The timestamp of the last reserve update (mod 2**32).
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);

    /// @notice Sends out the given amounts; the input must already be in the pair, or be paid inside
    /// the `uniswapV2Call` made on `to` when `data` is not empty (a flash swap).
    /// @param amount0Out The token0 amount to send.
    /// @param amount1Out The token1 amount to send.
    /// @param to The recipient (and the callee of a flash swap).
    /// @param data Empty for a plain swap; otherwise passed to `uniswapV2Call`.
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
}
