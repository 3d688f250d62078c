// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IAavePoolAddressesProvider
/// @notice The registry of an Aave V3 market (aave-v3-core `IPoolAddressesProvider`), read for the
/// address of its Pool proxy.
interface IAavePoolAddressesProvider {
    /// @notice The market's Pool proxy.
    /// @return The Pool address.
    function getPool() external view returns (address);
}
