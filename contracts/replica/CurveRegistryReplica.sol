// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title CurveRegistryReplica
/// @notice A stand-in for Curve's AddressProvider and main registry on the local Polygon replica, where
/// no Curve bytecode can be had offline. It sits at the AddressProvider's canonical address and
/// answers the read functions pool discovery uses, with Curve's names and return shapes:
/// `get_registry()` and `get_address(0)` name this contract itself (the main registry), every other id
/// the zero address; `pool_count()`, `pool_list(i)` and `get_coins(pool)` (eight slots, zero-padded)
/// list the replica's Curve pools. On real Polygon the real AddressProvider and registries answer.
/// @dev Deliberately minimal: no other registry getters, no removal. Only the owner lists pools.
contract CurveRegistryReplica {
    /// @notice Maximum coins per pool, as Curve's main registry.
    uint256 public constant MAX_COINS = 8;

    /// @notice The account allowed to list pools.
    address public immutable owner;

    address[] private _pools;
    mapping(address pool => address[] coins) private _coins;

    /// @notice The caller is not the owner.
    /// @param caller The account that called.
    error NotOwner(address caller);

    /// @notice A pool is listed twice, or with fewer than two or more than MAX_COINS coins.
    /// @param pool The pool.
    /// @param coinCount The number of coins given.
    error InvalidPool(address pool, uint256 coinCount);

    /// @notice A pool index past the end of the list.
    /// @param index The index asked for.
    /// @param count The number of pools listed.
    error PoolIndexOutOfRange(uint256 index, uint256 count);

    /// @notice A pool was listed.
    /// @param pool The pool.
    /// @param coins Its coins in index order.
    event PoolAdded(address indexed pool, address[] coins);

    /// @param owner_ The account allowed to list pools.
    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice Lists `pool` with `coins` (its coins in index order).
    /// @param pool The Curve pool.
    /// @param coins Its coins, 2 to MAX_COINS of them.
    function add_pool(address pool, address[] calldata coins) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        if (coins.length < 2 || coins.length > MAX_COINS || _coins[pool].length != 0) {
            revert InvalidPool(pool, coins.length);
        }
        _pools.push(pool);
        _coins[pool] = coins;
        emit PoolAdded(pool, coins);
    }

    /// @notice The main registry (AddressProvider id 0): this contract.
    /// @return The registry's address.
    function get_registry() external view returns (address) {
        return address(this);
    }

    /// @notice The address of AddressProvider id `id`: this contract for 0 (the main registry), else none.
    /// @param id The AddressProvider id.
    /// @return The address, or zero for an id the replica has nothing for.
    function get_address(uint256 id) external view returns (address) {
        return id == 0 ? address(this) : address(0);
    }

    /// @notice How many pools are listed.
    /// @return The count.
    function pool_count() external view returns (uint256) {
        return _pools.length;
    }

    /// @notice The pool at `index` of the list.
    /// @param index 0 to pool_count() - 1.
    /// @return The pool.
    function pool_list(uint256 index) external view returns (address) {
        if (index >= _pools.length) revert PoolIndexOutOfRange(index, _pools.length);
        return _pools[index];
    }

    /// @notice The coins of `pool`, zero-padded to MAX_COINS (all zero for a pool not listed).
    /// @param pool The pool.
    /// @return coins Its coins in index order.
    function get_coins(address pool) external view returns (address[MAX_COINS] memory coins) {
        address[] storage listed = _coins[pool];
        for (uint256 i = 0; i < listed.length; ++i) {
            coins[i] = listed[i];
        }
    }
}
