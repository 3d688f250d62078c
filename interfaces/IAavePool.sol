// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IAavePool
/// @notice The flash-loan part of the Aave V3 Pool (aave-v3-core `IPool`).
interface IAavePool {
    /// @notice Lends `amount` of one `asset` to `receiverAddress` for the duration of one call.
    /// @dev The pool transfers the funds, calls `executeOperation` on the receiver with
    /// `initiator = msg.sender`, then pulls `amount + premium` with `transferFrom`: the receiver must
    /// approve the pool for that sum before returning.
    /// @param receiverAddress The contract receiving the funds; it implements IFlashLoanSimpleReceiver.
    /// @param asset The reserve to borrow.
    /// @param amount The amount to borrow.
    /// @param params Bytes passed unchanged to `executeOperation`.
    /// @param referralCode Referral program code; 0 for none.
    function flashLoanSimple(
        address receiverAddress,
        address asset,
        uint256 amount,
        bytes calldata params,
        uint16 referralCode
    ) external;

    /// @notice The flash-loan premium in basis points of the amount borrowed.
    /// @return The premium, in bps (5 on Polygon at the time of writing; always read it on-chain).
    function FLASHLOAN_PREMIUM_TOTAL() external view returns (uint128);
}
