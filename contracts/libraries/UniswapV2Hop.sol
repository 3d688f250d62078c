// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IUniswapV2Pair} from "../../interfaces/IUniswapV2Pair.sol";
import {Failure, BadReturnData} from "./Errors.sol";

/// @title UniswapV2Hop
/// @notice A swap in a Uniswap V2 pair (QuickSwap, SushiSwap and other forks with a per-pool fee),
/// called directly: the input is transferred to the pair first, the output computed here from the
/// pair's reserves exactly as UniswapV2Library.getAmountOut does, with the hop's fee.
library UniswapV2Hop {
    /// @notice The output of `amountIn` at the pair's current reserves, after a fee of `feeBps`.
    /// @dev With feeBps = 30 this equals UniswapV2Library.getAmountOut (997/1000) to the wei: both
    /// numerator and denominator are that formula's times ten. Reserves are uint112 in a real pair; a
    /// contract returning larger values gets them masked to 112 bits.
    /// @param pair The pair.
    /// @param feeBps The pair's swap fee in basis points (below 10 000, checked by Route.validate).
    /// @param zeroForOne True when the input is the pair's token0.
    /// @param amountIn The input.
    /// @return amountOut The output.
    function quote(address pair, uint256 feeBps, bool zeroForOne, uint256 amountIn)
        internal
        view
        returns (uint256 amountOut)
    {
        uint256 reserve0;
        uint256 reserve1;
        bool success;
        bool ok;
        assembly ("memory-safe") {
            mstore(0x00, 0x0902f1ac) // getReserves(), right-aligned
            success := staticcall(gas(), pair, 0x1c, 0x04, 0x00, 0x40)
            ok := and(success, gt(returndatasize(), 0x3f)) // at least (reserve0, reserve1) came back
            reserve0 := and(mload(0x00), 0xffffffffffffffffffffffffffff) // uint112
            reserve1 := and(mload(0x20), 0xffffffffffffffffffffffffffff) // uint112
        }
        if (!ok) {
            if (!success) Failure.callFailed(pair);
            revert BadReturnData(pair);
        }
        (uint256 reserveIn, uint256 reserveOut) = zeroForOne ? (reserve0, reserve1) : (reserve1, reserve0);
        uint256 amountInWithFee = amountIn * (10_000 - feeBps);
        uint256 denominator = reserveIn * 10_000 + amountInWithFee;
        amountOut = denominator == 0 ? 0 : amountInWithFee * reserveOut / denominator;
    }

    /// @notice Takes `amountOut` from the pair to `to`; the input must already be in the pair.
    /// @param pair The pair.
    /// @param zeroForOne True when the output is token1.
    /// @param amountOut The output.
    /// @param to The recipient (this contract, or the next hop's pair).
    function swap(address pair, bool zeroForOne, uint256 amountOut, address to) internal {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40) // scratch: the free memory pointer is not advanced
            mstore(m, shl(224, 0x022c0d9f)) // swap(uint256,uint256,address,bytes)
            mstore(add(m, 0x04), mul(iszero(zeroForOne), amountOut)) // amount0Out
            mstore(add(m, 0x24), mul(zeroForOne, amountOut)) // amount1Out
            mstore(add(m, 0x44), to) // to
            mstore(add(m, 0x64), 0x80) // offset of `data`
            mstore(add(m, 0x84), 0) // data.length = 0: a plain swap, no callback
            ok := call(gas(), pair, 0, m, 0xa4, 0x00, 0x00)
            // A pair has code; without this check a swap "with" an empty account would pass.
            ok := and(ok, gt(extcodesize(pair), 0))
        }
        if (!ok) Failure.callFailed(pair);
    }

    /// @notice Starts a flash swap: the pair sends `amountOut` to this contract, then calls its
    /// `uniswapV2Call` with `data`, and checks its invariant when that returns.
    /// @param pair The pair.
    /// @param zeroForOne True when the output is token1.
    /// @param amountOut The output.
    /// @param data The route, passed back to the callback.
    function flashSwap(address pair, bool zeroForOne, uint256 amountOut, bytes calldata data) internal {
        (uint256 amount0Out, uint256 amount1Out) = zeroForOne ? (uint256(0), amountOut) : (amountOut, uint256(0));
        (bool ok,) = pair.call(abi.encodeCall(IUniswapV2Pair.swap, (amount0Out, amount1Out, address(this), data)));
        if (!ok) Failure.callFailed(pair);
    }
}
