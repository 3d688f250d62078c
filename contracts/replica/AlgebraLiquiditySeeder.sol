// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @dev The slice of an Algebra V1 pool this seeder calls.
interface IAlgebraPoolForSeeder {
    function mint(
        address sender,
        address recipient,
        int24 bottomTick,
        int24 topTick,
        uint128 liquidityDesired,
        bytes calldata data
    ) external returns (uint256 amount0, uint256 amount1, uint128 liquidityActual);

    function token0() external view returns (address);

    function token1() external view returns (address);
}

/// @dev The slice of ERC20 this seeder calls.
interface IERC20ForSeeder {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// @title AlgebraLiquiditySeeder
/// @notice A replica build tool, not part of the product: adds liquidity to Algebra V1 pools for the
/// replica's admin. Algebra pools take liquidity only from a contract that pays in `algebraMintCallback`;
/// the Algebra periphery on npm is built for another pool version, so the builder uses this instead.
/// @dev Pays each callback from the payer named in the call data, which must have approved this
/// contract. Only the pool being minted into may call back; it keeps no funds.
contract AlgebraLiquiditySeeder {
    /// @notice `algebraMintCallback` came from an account that is not the pool being minted into.
    /// @param caller The account that called back.
    /// @param expected The pool this seeder is minting into.
    error NotMintingPool(address caller, address expected);

    /// @notice A token transfer from the payer to the pool failed.
    /// @param token The token that failed to move.
    error PaymentFailed(address token);

    address private _minting;

    /// @notice Add `liquidity` to `pool` in [bottomTick, topTick] for `recipient`, paid by `msg.sender`.
    /// @param pool The Algebra V1 pool.
    /// @param recipient The owner of the new position.
    /// @param bottomTick The position's lower tick.
    /// @param topTick The position's upper tick.
    /// @param liquidity The liquidity to add.
    /// @return amount0 The token0 paid.
    /// @return amount1 The token1 paid.
    function seed(address pool, address recipient, int24 bottomTick, int24 topTick, uint128 liquidity)
        external
        returns (uint256 amount0, uint256 amount1)
    {
        _minting = pool;
        (amount0, amount1,) = IAlgebraPoolForSeeder(pool).mint(
            address(this), recipient, bottomTick, topTick, liquidity, abi.encode(msg.sender)
        );
        _minting = address(0);
    }

    /// @notice Called by the pool during `mint`: pays what the pool is owed from the payer.
    /// @param amount0Owed token0 owed to the pool.
    /// @param amount1Owed token1 owed to the pool.
    /// @param data abi.encode(payer).
    function algebraMintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata data) external {
        if (msg.sender != _minting) revert NotMintingPool(msg.sender, _minting);
        address payer = abi.decode(data, (address));
        _pay(IAlgebraPoolForSeeder(msg.sender).token0(), payer, amount0Owed);
        _pay(IAlgebraPoolForSeeder(msg.sender).token1(), payer, amount1Owed);
    }

    function _pay(address token, address payer, uint256 amount) private {
        if (amount == 0) return;
        if (!IERC20ForSeeder(token).transferFrom(payer, msg.sender, amount)) revert PaymentFailed(token);
    }
}
