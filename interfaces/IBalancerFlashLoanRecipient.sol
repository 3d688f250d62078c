// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IBalancerFlashLoanRecipient
/// @notice The callback the Balancer V2 Vault makes on the recipient of `flashLoan`.
/// @dev Anyone can start a Vault flash loan naming any recipient, and the Vault does not report who
/// did: an implementation must check that the caller is the Vault and that it started the loan itself.
interface IBalancerFlashLoanRecipient {
    /// @notice Runs with the borrowed tokens in hand; repay by transferring `amounts[i] + feeAmounts[i]`
    /// of each token back to the Vault before returning.
    /// @param tokens The borrowed tokens.
    /// @param amounts The amount of each.
    /// @param feeAmounts The fee owed on each.
    /// @param userData The bytes given to `flashLoan`.
    function receiveFlashLoan(
        address[] calldata tokens,
        uint256[] calldata amounts,
        uint256[] calldata feeAmounts,
        bytes calldata userData
    ) external;
}
