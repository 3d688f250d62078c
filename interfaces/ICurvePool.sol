// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title ICurvePool
/// @notice The parts of a Curve StableSwap pool (plain coins, int128 indices) that FlashArb calls.
interface ICurvePool {
    /// @notice Swaps `dx` of coin `i` for coin `j`; the pool pulls `dx` with `transferFrom`.
    /// @param i The index of the coin sold.
    /// @param j The index of the coin bought.
    /// @param dx The exact input.
    /// @param minDy The minimum output.
    /// @return The output sent to the caller.
    function exchange(int128 i, int128 j, uint256 dx, uint256 minDy) external returns (uint256);

    /// @notice Lending pools: swaps `dx` of underlying coin `i` for underlying coin `j`; the pool pulls
    /// `dx` with `transferFrom`.
    /// @param i The index of the underlying coin sold.
    /// @param j The index of the underlying coin bought.
    /// @param dx The exact input.
    /// @param minDy The minimum output.
    /// @return The output sent to the caller.
    function exchange_underlying(int128 i, int128 j, uint256 dx, uint256 minDy) external returns (uint256);

    /// @notice Lending pools: the underlying coin at index `i`.
    /// @param i The index.
    /// @return The underlying coin's address.
    function underlying_coins(uint256 i) external view returns (address);

    /// @notice The output `exchange(i, j, dx, ...)` would give now.
    /// @param i The index of the coin sold.
    /// @param j The index of the coin bought.
    /// @param dx The exact input.
    /// @return The output.
    function get_dy(int128 i, int128 j, uint256 dx) external view returns (uint256);

    /// @notice The coin at index `i`.
    /// @param i The index.
    /// @return The coin's address.
    function coins(uint256 i) external view returns (address);
}
