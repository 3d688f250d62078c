// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

interface IV3Callback {
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external;
}

/// @title MaliciousV3PoolTestOnly
/// @notice TEST ONLY. Poses as a Uniswap V3 pool and misbehaves in its `swap`, in the way `mode` says,
/// to show FlashArb refuses each trick. It holds no liquidity; it bubbles up reverts unchanged.
contract MaliciousV3PoolTestOnly {
    /// @dev 0: calls back twice (asks to be paid twice);
    ///      1: calls back with other bytes than it was given (a forged route);
    ///      2: never calls back;
    ///      3: calls `target` with `data` instead (reentrancy into FlashArb while a trade runs);
    ///      4: asks for more input than the swap specified.
    uint256 public mode;
    address public token0;
    address public token1;
    address public target;
    bytes public data;

    constructor(address tokenA, address tokenB) {
        (token0, token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
    }

    /// @notice The fee of the genuine pool whose address this code is placed at in tests (0.05%).
    function fee() external pure returns (uint24) {
        return 500;
    }

    /// @notice Sets the misbehaviour and, for mode 3, the call to make.
    function configure(uint256 mode_, address target_, bytes calldata data_) external {
        mode = mode_;
        target = target_;
        data = data_;
    }

    function swap(address, bool zeroForOne, int256 amountSpecified, uint160, bytes calldata cbData)
        external
        returns (int256 amount0, int256 amount1)
    {
        (amount0, amount1) = zeroForOne ? (amountSpecified, int256(-1)) : (int256(-1), amountSpecified);
        IV3Callback callee = IV3Callback(msg.sender);
        if (mode == 0) {
            callee.uniswapV3SwapCallback(amount0, amount1, cbData);
            callee.uniswapV3SwapCallback(amount0, amount1, cbData);
        } else if (mode == 1) {
            callee.uniswapV3SwapCallback(amount0, amount1, abi.encodePacked(cbData, uint8(1)));
        } else if (mode == 3) {
            (bool ok, bytes memory reason) = target.call(data);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(reason, 0x20), mload(reason))
                }
            }
        } else if (mode == 4) {
            (int256 more0, int256 more1) = zeroForOne ? (amount0 * 2, amount1) : (amount0, amount1 * 2);
            callee.uniswapV3SwapCallback(more0, more1, cbData);
        }
    }
}
