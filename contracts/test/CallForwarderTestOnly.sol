// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title CallForwarderTestOnly
/// @notice TEST ONLY. An attacker contract: it makes any call it is told to (a forged callback, a flash
/// loan naming someone else as receiver) and bubbles up the callee's revert unchanged, so a test sees
/// the exact error the victim raised.
contract CallForwarderTestOnly {
    /// @notice Calls `target` with `data`.
    /// @param target The contract to call.
    /// @param data The calldata.
    /// @return result The call's return data.
    function forward(address target, bytes calldata data) external returns (bytes memory result) {
        bool ok;
        (ok, result) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }
}
