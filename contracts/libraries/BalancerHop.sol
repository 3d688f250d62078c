// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBalancerVault} from "../../interfaces/IBalancerVault.sol";
import {Failure, BadReturnData} from "./Errors.sol";
import {TokenOps} from "./TokenOps.sol";

/// @title BalancerHop
/// @notice An exact-input single swap through the Balancer V2 Vault. The Vault pulls the input with
/// `transferFrom`, so this approves exactly the input first; the pull brings the allowance back to zero.
library BalancerHop {
    /// @notice Swaps exactly `amountIn` of `tokenIn` for `tokenOut` in pool `poolId`.
    /// @param vault The Balancer V2 Vault.
    /// @param poolId The pool.
    /// @param tokenIn The token sold.
    /// @param tokenOut The token bought.
    /// @param amountIn The input.
    /// @return amountOut The output, sent to this contract.
    function swap(address vault, bytes32 poolId, address tokenIn, address tokenOut, uint256 amountIn)
        internal
        returns (uint256 amountOut)
    {
        TokenOps.approve(tokenIn, vault, amountIn);
        IBalancerVault.SingleSwap memory single =
            IBalancerVault.SingleSwap(poolId, IBalancerVault.SwapKind.GIVEN_IN, tokenIn, tokenOut, amountIn, "");
        IBalancerVault.FundManagement memory funds =
            IBalancerVault.FundManagement(address(this), false, payable(address(this)), false);
        // The minimum is checked by the caller with FlashArb's own error, so the Vault's limit is 0.
        (bool ok, bytes memory ret) =
            vault.call(abi.encodeCall(IBalancerVault.swap, (single, funds, 0, block.timestamp)));
        if (!ok) Failure.callFailed(vault);
        if (ret.length < 0x20) revert BadReturnData(vault);
        amountOut = abi.decode(ret, (uint256));
    }
}
