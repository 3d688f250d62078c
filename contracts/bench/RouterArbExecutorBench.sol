// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAavePool} from "../../interfaces/IAavePool.sol";
import {IAaveFlashLoanSimpleReceiver} from "../../interfaces/IAaveFlashLoanSimpleReceiver.sol";
import {IERC20} from "../../interfaces/IERC20.sol";
import {IUniswapV2Router02} from "../../interfaces/IUniswapV2Router02.sol";
import {IUniswapV3SwapRouter} from "../../interfaces/IUniswapV3SwapRouter.sol";

/// @title RouterArbExecutorBench
/// @notice BENCHMARK ONLY. The conventional way to run a flash-loan arbitrage, kept as the yardstick
/// for FlashArb's gas: borrow from Aave V3 with `flashLoanSimple`, and inside `executeOperation` swap
/// through the protocols' routers (Uniswap V2 Router02 `swapExactTokensForTokens`, Uniswap V3
/// SwapRouter `exactInputSingle`) with an exact approval before each, check the profit, approve the
/// repayment, send the profit to the owner. Same guarantees as FlashArb where they cost gas (owner
/// only, authenticated callback, exact approvals, profit proven, event per trade), none of its tricks.
contract RouterArbExecutorBench is IAaveFlashLoanSimpleReceiver {
    /// @notice One swap through a router.
    /// @param v3 True for the Uniswap V3 SwapRouter, false for a Uniswap V2 Router02.
    /// @param router The router.
    /// @param tokenOut The token bought (the input is the previous step's output).
    /// @param fee The V3 pool's fee tier (unused for V2).
    struct Step {
        bool v3;
        address router;
        address tokenOut;
        uint24 fee;
    }

    error NotOwner(address caller);
    error UnexpectedCallback(address caller, address initiator);
    error InsufficientProfit(uint256 balance, uint256 owed, uint256 minProfit);

    /// @notice A trade went through.
    event Trade(address indexed asset, uint256 amount, uint256 premium, uint256 profit);

    IAavePool public immutable POOL;
    address public immutable owner;

    constructor(IAavePool pool) {
        POOL = pool;
        owner = msg.sender;
    }

    /// @notice Borrows `amount` of `asset` and swaps it through `steps`, keeping at least `minProfit`.
    function run(address asset, uint256 amount, uint256 minProfit, Step[] calldata steps) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        POOL.flashLoanSimple(address(this), asset, amount, abi.encode(minProfit, steps), 0);
    }

    /// @inheritdoc IAaveFlashLoanSimpleReceiver
    function executeOperation(address asset, uint256 amount, uint256 premium, address initiator, bytes calldata params)
        external
        returns (bool)
    {
        if (msg.sender != address(POOL) || initiator != address(this)) revert UnexpectedCallback(msg.sender, initiator);
        (uint256 minProfit, Step[] memory steps) = abi.decode(params, (uint256, Step[]));
        address tokenIn = asset;
        uint256 amountIn = amount;
        for (uint256 i; i < steps.length; ++i) {
            Step memory step = steps[i];
            IERC20(tokenIn).approve(step.router, amountIn);
            if (step.v3) {
                amountIn = IUniswapV3SwapRouter(step.router).exactInputSingle(
                    IUniswapV3SwapRouter.ExactInputSingleParams({
                        tokenIn: tokenIn,
                        tokenOut: step.tokenOut,
                        fee: step.fee,
                        recipient: address(this),
                        deadline: block.timestamp,
                        amountIn: amountIn,
                        amountOutMinimum: 0,
                        sqrtPriceLimitX96: 0
                    })
                );
            } else {
                address[] memory path = new address[](2);
                path[0] = tokenIn;
                path[1] = step.tokenOut;
                uint256[] memory amounts = IUniswapV2Router02(step.router).swapExactTokensForTokens(
                    amountIn, 0, path, address(this), block.timestamp
                );
                amountIn = amounts[1];
            }
            tokenIn = step.tokenOut;
        }
        uint256 owed = amount + premium;
        uint256 balance = IERC20(asset).balanceOf(address(this));
        if (balance < owed + minProfit) revert InsufficientProfit(balance, owed, minProfit);
        IERC20(asset).approve(address(POOL), owed);
        uint256 profit = balance - owed;
        if (profit != 0) IERC20(asset).transfer(owner, profit);
        emit Trade(asset, amount, premium, profit);
        return true;
    }
}
