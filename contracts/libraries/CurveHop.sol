// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ICurvePool} from "../../interfaces/ICurvePool.sol";
import {Failure, BadReturnData} from "./Errors.sol";
import {TokenOps} from "./TokenOps.sol";

/// @title CurveHop
/// @notice An exchange in a Curve StableSwap pool with int128 coin indices. The pool pulls the input
/// with `transferFrom`, so this approves exactly the input first; the pull brings the allowance back
/// to zero.
library CurveHop {
    /// @notice Sells exactly `amountIn` of coin `i` (`tokenIn`) for coin `j`.
    /// @dev The indices come from the route; a pool whose coin `i` is not `tokenIn` fails to pull it.
    /// @param pool The pool.
    /// @param i The index of the coin sold (0..255 by the route layout).
    /// @param j The index of the coin bought.
    /// @param tokenIn The coin sold.
    /// @param amountIn The input.
    /// @return amountOut The output, sent to this contract.
    function exchange(address pool, uint256 i, uint256 j, address tokenIn, uint256 amountIn)
        internal
        returns (uint256 amountOut)
    {
        TokenOps.approve(tokenIn, pool, amountIn);
        // The minimum is checked by the caller with FlashArb's own error, so the pool's is 0.
        (bool ok, bytes memory ret) =
            pool.call(abi.encodeCall(ICurvePool.exchange, (int128(int256(i)), int128(int256(j)), amountIn, 0)));
        if (!ok) Failure.callFailed(pool);
        if (ret.length < 0x20) revert BadReturnData(pool);
        amountOut = abi.decode(ret, (uint256));
    }
}
