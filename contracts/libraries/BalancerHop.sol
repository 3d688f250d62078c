// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBalancerVault} from "../../interfaces/IBalancerVault.sol";
import {Failure} from "./Errors.sol";
import {TokenOps} from "./TokenOps.sol";

/// @title BalancerHop
/// @notice An exact-input single swap through the Balancer V2 Vault. The Vault pulls the input with
/// `transferFrom`, so this approves exactly the input first, and afterwards sets the allowance back to
/// zero if the pull left any.
/// @dev The Vault checks that the pool holds both tokens (it reverts otherwise); the output is measured
/// by the caller as a balance change, not taken from the Vault's return value.
library BalancerHop {
    /// @notice Swaps exactly `amountIn` of `tokenIn` for `tokenOut` in pool `poolId`.
    /// @param vault The Balancer V2 Vault.
    /// @param poolId The pool.
    /// @param tokenIn The token sold.
    /// @param tokenOut The token bought.
    /// @param amountIn The input.
    /// @param recipient Where the Vault sends the output (this contract, or the next hop's pair).
    function swap(address vault, bytes32 poolId, address tokenIn, address tokenOut, uint256 amountIn, address recipient)
        internal
    {
        TokenOps.approve(tokenIn, vault, amountIn);
        IBalancerVault.SingleSwap memory single =
            IBalancerVault.SingleSwap(poolId, IBalancerVault.SwapKind.GIVEN_IN, tokenIn, tokenOut, amountIn, "");
        IBalancerVault.FundManagement memory funds =
            IBalancerVault.FundManagement(address(this), false, payable(recipient), false);
        // The minimum is checked by the caller on the measured output, so the Vault's limit is 0.
        (bool ok,) = vault.call(abi.encodeCall(IBalancerVault.swap, (single, funds, 0, block.timestamp)));
        // The Vault does not call back during a swap: its revert data (which can be a token's) is wrapped.
        if (!ok) Failure.wrap(vault);
        TokenOps.clearAllowance(tokenIn, vault);
    }
}
