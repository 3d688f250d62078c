// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IUniswapV3SwapRouter
/// @notice The single-pool exact-input swap of the Uniswap V3 SwapRouter (v3-periphery `ISwapRouter`).
/// Used only by the router-based executor of the gas benchmark.
interface IUniswapV3SwapRouter {
    /// @notice The parameters of `exactInputSingle`.
    /// @param tokenIn The token sold.
    /// @param tokenOut The token bought.
    /// @param fee The pool's fee tier, in hundredths of a bip.
    /// @param recipient The recipient of the output.
    /// @param deadline The last timestamp at which the swap may run.
    /// @param amountIn The exact input, pulled from the caller with `transferFrom`.
    /// @param amountOutMinimum The minimum output.
    /// @param sqrtPriceLimitX96 The price limit; 0 for none.
    struct ExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint24 fee;
        address recipient;
        uint256 deadline;
        uint256 amountIn;
        uint256 amountOutMinimum;
        uint160 sqrtPriceLimitX96;
    }

    /// @notice Swaps an exact input in one pool.
    /// @param params The swap.
    /// @return amountOut The output.
    function exactInputSingle(ExactInputSingleParams calldata params) external payable returns (uint256 amountOut);
}
