// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Failure, BadReturnData, TransferFailed, ApproveFailed} from "./Errors.sol";

/// @title TokenOps
/// @notice ERC-20 calls that accept tokens returning `true` or nothing, and fail with a FlashArb error.
/// @dev A call "returning nothing" only counts as success when the token has code, so a transfer of a
/// token that does not exist fails instead of passing silently. A token that reverts gets its revert
/// data wrapped in `CallFailed(token, reason)` (never passed through as if it were FlashArb's error); a
/// token that returns false or garbage gets `TransferFailed` / `ApproveFailed`.
library TokenOps {
    /// @notice This contract's balance of `token`.
    /// @param token The token.
    /// @return amount The balance.
    function balanceOfSelf(address token) internal view returns (uint256 amount) {
        return balanceOf(token, address(this));
    }

    /// @notice `account`'s balance of `token`.
    /// @param token The token.
    /// @param account The holder.
    /// @return amount The balance.
    function balanceOf(address token, address account) internal view returns (uint256 amount) {
        bool ok;
        assembly ("memory-safe") {
            mstore(0x00, 0x70a08231) // balanceOf(address), right-aligned in the first word
            mstore(0x20, account) // the account
            // Arguments run right to left: the staticcall first, then the return size check.
            ok := and(gt(returndatasize(), 0x1f), staticcall(gas(), token, 0x1c, 0x24, 0x00, 0x20))
            amount := mload(0x00)
        }
        if (!ok) revert BadReturnData(token);
    }

    /// @notice The allowance this contract gives `spender` on `token`.
    /// @param token The token.
    /// @param spender The spender.
    /// @return amount The allowance.
    function allowanceOfSelf(address token, address spender) internal view returns (uint256 amount) {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40) // scratch: the free memory pointer is not advanced
            mstore(m, shl(224, 0xdd62ed3e)) // allowance(address,address)
            mstore(add(m, 0x04), address()) // owner
            mstore(add(m, 0x24), spender) // spender
            ok := and(gt(returndatasize(), 0x1f), staticcall(gas(), token, m, 0x44, 0x00, 0x20))
            amount := mload(0x00)
        }
        if (!ok) revert BadReturnData(token);
    }

    /// @notice Sends `amount` of `token` from this contract to `to`.
    /// @param token The token.
    /// @param to The recipient.
    /// @param amount The amount.
    function transfer(address token, address to, uint256 amount) internal {
        (bool ok, bool reverted) = _call(token, 0xa9059cbb, to, amount);
        if (!ok) {
            if (reverted) Failure.wrap(token);
            revert TransferFailed(token, to, amount);
        }
    }

    /// @notice Lets `spender` move exactly `amount` of this contract's `token`.
    /// @param token The token.
    /// @param spender The spender.
    /// @param amount The allowance.
    function approve(address token, address spender, uint256 amount) internal {
        (bool ok, bool reverted) = _call(token, 0x095ea7b3, spender, amount);
        if (!ok) {
            if (reverted) Failure.wrap(token);
            revert ApproveFailed(token, spender, amount);
        }
    }

    /// @notice Sets the allowance `spender` has on this contract's `token` back to zero if it is not.
    /// @dev Reads first: a genuine pull leaves zero behind, and the read is cheaper than an approval
    /// (which writes and logs).
    /// @param token The token.
    /// @param spender The spender.
    function clearAllowance(address token, address spender) internal {
        if (allowanceOfSelf(token, spender) != 0) approve(token, spender, 0);
    }

    /// @dev Calls `selector(account, amount)` on `token`. `ok`: it did not revert and returned true, or
    /// returned nothing from an address with code. `reverted`: the call itself reverted.
    function _call(address token, uint256 selector, address account, uint256 amount)
        private
        returns (bool ok, bool reverted)
    {
        assembly ("memory-safe") {
            let m := mload(0x40) // free memory; left as is, the call data is scratch
            mstore(m, shl(224, selector)) // selector in the first four bytes
            mstore(add(m, 0x04), account) // first argument
            mstore(add(m, 0x24), amount) // second argument
            mstore(0x00, 0) // clear the return slot so a short return cannot read stale data
            let success := call(gas(), token, 0, m, 0x44, 0x00, 0x20)
            reverted := iszero(success)
            // Success: the call did not revert, and it returned exactly true (1), or nothing at all from
            // a contract.
            ok := and(success, or(and(eq(mload(0x00), 1), gt(returndatasize(), 0x1f)),
                                  and(iszero(returndatasize()), gt(extcodesize(token), 0))))
        }
    }
}
