// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IBalancerVault
/// @notice The single-swap and flash-loan parts of the Balancer V2 Vault.
/// @dev `swap` and `flashLoan` share the Vault's reentrancy guard: a swap through the Vault cannot run
/// inside a Vault flash loan.
interface IBalancerVault {
    /// @notice Whether `amount` in a single swap is the exact input or the exact output.
    enum SwapKind {
        GIVEN_IN,
        GIVEN_OUT
    }

    /// @notice One swap in one pool.
    /// @param poolId The pool (its address in the high 20 bytes, then specialization and nonce).
    /// @param kind GIVEN_IN or GIVEN_OUT.
    /// @param assetIn The token sent to the pool (address(0) for the native coin).
    /// @param assetOut The token received from the pool.
    /// @param amount The exact input (GIVEN_IN) or output (GIVEN_OUT).
    /// @param userData Pool-specific data; empty for weighted pools.
    struct SingleSwap {
        bytes32 poolId;
        SwapKind kind;
        address assetIn;
        address assetOut;
        uint256 amount;
        bytes userData;
    }

    /// @notice Where a swap takes its input and sends its output.
    /// @param sender The account the Vault pulls from (it must have approved the Vault).
    /// @param fromInternalBalance Use the sender's Vault internal balance instead of ERC-20 transfers.
    /// @param recipient The account receiving the output.
    /// @param toInternalBalance Credit the recipient's internal balance instead of transferring.
    struct FundManagement {
        address sender;
        bool fromInternalBalance;
        address payable recipient;
        bool toInternalBalance;
    }

    /// @notice Swaps in one pool.
    /// @param singleSwap The swap.
    /// @param funds Where the tokens come from and go to.
    /// @param limit For GIVEN_IN the minimum output, for GIVEN_OUT the maximum input.
    /// @param deadline The last timestamp at which the swap may run.
    /// @return amountCalculated The output (GIVEN_IN) or input (GIVEN_OUT).
    function swap(SingleSwap memory singleSwap, FundManagement memory funds, uint256 limit, uint256 deadline)
        external
        payable
        returns (uint256 amountCalculated);

    /// @notice Lends `amounts` of `tokens` to `recipient` for the duration of one call.
    /// @dev The Vault transfers the tokens, calls `receiveFlashLoan`, then checks that its balances
    /// grew by the fees: the recipient repays by transferring `amount + fee` back to the Vault.
    /// @param recipient The contract receiving the funds; it implements IBalancerFlashLoanRecipient.
    /// @param tokens The tokens to borrow, sorted ascending and without duplicates.
    /// @param amounts The amount of each token.
    /// @param userData Bytes passed unchanged to `receiveFlashLoan`.
    function flashLoan(address recipient, address[] memory tokens, uint256[] memory amounts, bytes memory userData)
        external;
}
