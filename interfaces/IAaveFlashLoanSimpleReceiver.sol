// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IAaveFlashLoanSimpleReceiver
/// @notice The callback an Aave V3 Pool makes on the receiver of `flashLoanSimple`
/// (aave-v3-core `IFlashLoanSimpleReceiver`).
/// @dev Anyone can start a flash loan naming any receiver: an implementation must check that the
/// caller is the Pool and that `initiator` is itself.
interface IAaveFlashLoanSimpleReceiver {
    /// @notice Runs with the borrowed funds in hand.
    /// @param asset The borrowed asset.
    /// @param amount The amount borrowed.
    /// @param premium The fee owed on top of `amount`.
    /// @param initiator The account that called `flashLoanSimple`.
    /// @param params The bytes given to `flashLoanSimple`.
    /// @return True when the pool may pull `amount + premium`.
    function executeOperation(
        address asset,
        uint256 amount,
        uint256 premium,
        address initiator,
        bytes calldata params
    ) external returns (bool);
}
