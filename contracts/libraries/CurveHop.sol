// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ICurvePool} from "../../interfaces/ICurvePool.sol";
import {Failure} from "./Errors.sol";
import {TokenOps} from "./TokenOps.sol";

/// @title CurveHop
/// @notice An exchange in a Curve StableSwap pool with int128 coin indices. The pool pulls the input
/// with `transferFrom`, so this approves exactly the input first, and afterwards sets the allowance back
/// to zero if the pool left any.
/// @dev Only owner-listed pools whose coins `i` and `j` are the hop's tokens get here (FlashArb checks
/// before borrowing). The output is measured by the caller as a balance change: what the pool returns
/// is ignored.
library CurveHop {
    /// @notice Sells exactly `amountIn` of coin `i` (`tokenIn`) for coin `j`.
    /// @param pool The pool.
    /// @param i The index of the coin sold (0..255 by the route layout).
    /// @param j The index of the coin bought.
    /// @param tokenIn The coin sold.
    /// @param amountIn The input.
    function exchange(address pool, uint256 i, uint256 j, address tokenIn, uint256 amountIn) internal {
        TokenOps.approve(tokenIn, pool, amountIn);
        // The minimum is checked by the caller on the measured output, so the pool's is 0.
        (bool ok,) =
            pool.call(abi.encodeCall(ICurvePool.exchange, (int128(int256(i)), int128(int256(j)), amountIn, 0)));
        // A Curve pool does not call back: its revert data is wrapped, whatever its selector.
        if (!ok) Failure.wrap(pool);
        TokenOps.clearAllowance(tokenIn, pool);
    }

    /// @notice Sells exactly `amountIn` of underlying coin `i` (`tokenIn`) for underlying coin `j` with
    /// `exchange_underlying` (a lending pool: it supplies the input to its lending market and pays the
    /// output out of it). The same approval and reset as `exchange`.
    /// @param pool The pool.
    /// @param i The index of the underlying coin sold.
    /// @param j The index of the underlying coin bought.
    /// @param tokenIn The underlying coin sold.
    /// @param amountIn The input.
    function exchangeUnderlying(address pool, uint256 i, uint256 j, address tokenIn, uint256 amountIn) internal {
        TokenOps.approve(tokenIn, pool, amountIn);
        (bool ok,) = pool.call(
            abi.encodeCall(ICurvePool.exchange_underlying, (int128(int256(i)), int128(int256(j)), amountIn, 0))
        );
        if (!ok) Failure.wrap(pool);
        TokenOps.clearAllowance(tokenIn, pool);
    }
}
