// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IUniswapV2Pair} from "../../interfaces/IUniswapV2Pair.sol";
import {Failure, BadReturnData} from "./Errors.sol";

/// @title UniswapV2Hop
/// @notice A swap in a Uniswap V2 pair (QuickSwap, SushiSwap and other forks with a per-pool fee),
/// called directly: the input is transferred to the pair first, the output computed here from the
/// pair's reserves exactly as UniswapV2Library.getAmountOut does, with the hop's fee. Only pairs whose
/// address FlashArb has checked against an accepted factory (CREATE2) get here.
library UniswapV2Hop {
    /// @notice The pair's reserves of the input and the output token.
    /// @dev Reserves are uint112 in a real pair; a contract returning larger values gets them masked.
    /// @param pair The pair.
    /// @param zeroForOne True when the input is the pair's token0.
    /// @return reserveIn The reserve of the token sold.
    /// @return reserveOut The reserve of the token bought.
    function reserves(address pair, bool zeroForOne) internal view returns (uint256 reserveIn, uint256 reserveOut) {
        uint256 reserve0;
        uint256 reserve1;
        bool ok;
        assembly ("memory-safe") {
            mstore(0x00, 0x0902f1ac) // getReserves(), right-aligned
            ok := staticcall(gas(), pair, 0x1c, 0x04, 0x00, 0x40)
            ok := and(ok, gt(returndatasize(), 0x3f)) // at least (reserve0, reserve1) came back
            reserve0 := and(mload(0x00), 0xffffffffffffffffffffffffffff) // uint112
            reserve1 := and(mload(0x20), 0xffffffffffffffffffffffffffff) // uint112
        }
        if (!ok) revert BadReturnData(pair);
        (reserveIn, reserveOut) = zeroForOne ? (reserve0, reserve1) : (reserve1, reserve0);
    }

    /// @notice The output of `amountIn` at reserves `reserveIn`/`reserveOut` after a fee of `feeBps`.
    /// @dev With feeBps = 30 this equals UniswapV2Library.getAmountOut (997/1000) to the wei: both
    /// numerator and denominator are that formula's times ten.
    /// @param amountIn The input.
    /// @param reserveIn The reserve of the token sold.
    /// @param reserveOut The reserve of the token bought.
    /// @param feeBps The pair's swap fee in basis points (below 10 000, checked by Route.validate).
    /// @return amountOut The output.
    function amountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut, uint256 feeBps)
        internal
        pure
        returns (uint256)
    {
        uint256 amountInWithFee = amountIn * (10_000 - feeBps);
        uint256 denominator = reserveIn * 10_000 + amountInWithFee;
        return denominator == 0 ? 0 : amountInWithFee * reserveOut / denominator;
    }

    /// @notice Takes `amountOut` from the pair to `to`; the input must already be in the pair.
    /// @param pair The pair.
    /// @param zeroForOne True when the output is token1.
    /// @param amount The output.
    /// @param to The recipient (this contract, or the next hop's pair).
    function swap(address pair, bool zeroForOne, uint256 amount, address to) internal {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40) // scratch: the free memory pointer is not advanced
            mstore(m, shl(224, 0x022c0d9f)) // swap(uint256,uint256,address,bytes)
            mstore(add(m, 0x04), mul(iszero(zeroForOne), amount)) // amount0Out
            mstore(add(m, 0x24), mul(zeroForOne, amount)) // amount1Out
            mstore(add(m, 0x44), to) // to
            mstore(add(m, 0x64), 0x80) // offset of `data`
            mstore(add(m, 0x84), 0) // data.length = 0: a plain swap, no callback
            ok := call(gas(), pair, 0, m, 0xa4, 0x00, 0x00)
            // A pair has code; without this check a swap "with" an empty account would pass.
            ok := and(ok, gt(extcodesize(pair), 0))
        }
        // A plain swap does not call back, so nothing in its revert data can be FlashArb's own error.
        if (!ok) Failure.wrap(pair);
    }

    /// @notice Starts a flash swap: the pair sends `amountOut` to this contract, then calls its
    /// `uniswapV2Call` with `data`, and checks its invariant when that returns.
    /// @param pair The pair.
    /// @param zeroForOne True when the output is token1.
    /// @param amount The output.
    /// @param data The route, passed back to the callback.
    function flashSwap(address pair, bool zeroForOne, uint256 amount, bytes calldata data) internal {
        (uint256 amount0Out, uint256 amount1Out) = zeroForOne ? (uint256(0), amount) : (amount, uint256(0));
        (bool ok,) = pair.call(abi.encodeCall(IUniswapV2Pair.swap, (amount0Out, amount1Out, address(this), data)));
        if (!ok) Failure.callFailed(pair);
    }
}
