// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

interface ILyingERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

interface ILyingV3Callback {
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external;
}

/// @title LyingPoolTestOnly
/// @notice TEST ONLY. The pool of the executor-key drain (issue 10): it answers as a Uniswap V2 pair, a
/// Uniswap V3 pool and a Curve pool at once, reports a huge output for any swap and sends none of it,
/// takes whatever input it is given or allowed, and can pay `refund` of `refundToken` to its caller so
/// that a drain route closes as a profitable cycle. Against the FlashArb of before issue 10, a route of
/// two such pools moved FlashArb's own holdings to the attacker; now it must revert and move nothing.
contract LyingPoolTestOnly {
    /// @notice Coins in index order (token0, token1 for the Uniswap faces).
    address[2] public tokens;
    /// @notice The output the pool claims (V3 delta and Curve return value; V2 via its reserves).
    uint256 public reported;
    /// @notice Paid to the caller on every swap (to close the attacker's cycle).
    address public refundToken;
    uint256 public refund;
    /// @notice 1: revert with FlashArb's own `InsufficientProfit` selector (a forged error).
    uint256 public mode;

    error InsufficientProfit(uint256 received, uint256 owed, uint256 minProfit);

    constructor(address tokenA, address tokenB) {
        tokens = tokenA < tokenB ? [tokenA, tokenB] : [tokenB, tokenA];
    }

    /// @notice Sets the lie.
    function configure(uint256 reported_, address refundToken_, uint256 refund_, uint256 mode_) external {
        (reported, refundToken, refund, mode) = (reported_, refundToken_, refund_, mode_);
    }

    function _payRefund() private {
        if (mode == 1) revert InsufficientProfit(0, 1, 0);
        if (refund != 0) ILyingERC20(refundToken).transfer(msg.sender, refund);
    }

    // ---- Curve face ----

    function coins(uint256 i) external view returns (address) {
        return tokens[i];
    }

    function exchange(int128 i, int128, uint256 dx, uint256) external returns (uint256) {
        // Take the input (the approval FlashArb gave), then claim a huge output and send none of it.
        ILyingERC20(tokens[uint256(int256(i))]).transferFrom(msg.sender, address(this), dx);
        _payRefund();
        return reported;
    }

    // ---- Uniswap V2 face ----

    function getReserves() external view returns (uint112, uint112, uint32) {
        // reserveIn 1, reserveOut huge: any input "buys" almost all of reserveOut.
        uint112 big = uint112(reported > type(uint112).max ? type(uint112).max : reported);
        return (big, big, 0);
    }

    function swap(uint256, uint256, address, bytes calldata) external {
        _payRefund();
    }

    // ---- Uniswap V3 face ----

    function fee() external pure returns (uint24) {
        return 500;
    }

    function swap(address, bool zeroForOne, int256 amountSpecified, uint160, bytes calldata data)
        external
        returns (int256 amount0, int256 amount1)
    {
        int256 out = -int256(reported);
        (amount0, amount1) = zeroForOne ? (amountSpecified, out) : (out, amountSpecified);
        ILyingV3Callback(msg.sender).uniswapV3SwapCallback(amount0, amount1, data);
        _payRefund();
    }
}
