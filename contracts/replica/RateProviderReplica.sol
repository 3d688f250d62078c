// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title RateProviderReplica
/// @notice Stands in, on the local Polygon replica only, for a liquid-staking token's rate provider
/// (on Polygon, the staking contract's exchange rate of MaticX or stMATIC to POL). A Balancer
/// ComposableStable pool reads `getRate()` to price the token in the pool's common unit. The replica's
/// owner sets the rate, as staking rewards would move it; nothing else changes it.
/// @dev Same interface as Balancer's IRateProvider: an 18-decimal rate, `getRate()`.
contract RateProviderReplica {
    /// @notice Only the owner may set the rate.
    /// @param caller The account that tried.
    error NotOwner(address caller);

    /// @notice A rate of zero would make the token worthless in the pool.
    error ZeroRate();

    /// @notice The rate changed.
    /// @param rate The new rate (18 decimals).
    event RateSet(uint256 rate);

    /// @notice The account that sets the rate.
    address public immutable owner;
    uint256 private _rate;

    /// @param initialOwner The account that sets the rate.
    /// @param initialRate The rate to start at (18 decimals, non-zero).
    constructor(address initialOwner, uint256 initialRate) {
        if (initialRate == 0) revert ZeroRate();
        owner = initialOwner;
        _rate = initialRate;
        emit RateSet(initialRate);
    }

    /// @notice The token's value in the pool's common unit, 18 decimals.
    /// @return The rate.
    function getRate() external view returns (uint256) {
        return _rate;
    }

    /// @notice Sets the rate (the replica's owner only).
    /// @param rate The new rate, 18 decimals, non-zero.
    function setRate(uint256 rate) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        if (rate == 0) revert ZeroRate();
        _rate = rate;
        emit RateSet(rate);
    }
}
