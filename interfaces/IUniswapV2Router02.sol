// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IUniswapV2Router02
/// @notice The exact-input swap of the Uniswap V2 router (QuickSwap's and SushiSwap's routers are
/// the same contract). Used only by the router-based executor of the gas benchmark.
interface IUniswapV2Router02 {
    /// @notice Swaps an exact input along `path`, pulling it from the caller with `transferFrom`.
    /// @param amountIn The exact input.
    /// @param amountOutMin The minimum final output.
    /// @param path The tokens, input first.
    /// @param to The recipient of the output.
    /// @param deadline The last timestamp at which the swap may run.
    /// @return amounts The amount at each step of `path`.
    function swapExactTokensForTokens(
        uint256 amountIn,
        uint256 amountOutMin,
        address[] calldata path,
        address to,
        uint256 deadline
    ) external returns (uint256[] memory amounts);
}
