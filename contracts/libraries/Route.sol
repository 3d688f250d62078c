// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {
    BadRouteLength,
    BadLender,
    BadHopCount,
    BadHopKind,
    ZeroAmount,
    SameToken,
    BadV2Fee,
    NotACycle,
    LenderHopMismatch,
    BalancerHopInBalancerLoan,
    BadCurveFlags
} from "./Errors.sol";

/// @title Route
/// @notice Reads FlashArb's packed route from calldata. This is the one description of the layout;
/// `bot/route/` mirrors it byte for byte.
/// @dev Big-endian, no padding, no ABI encoding:
///
///   header, 54 bytes
///     [0]      lender     uint8    0 Aave V3 flashLoanSimple, 1 Balancer V2 flashLoan,
///                                  2 the first hop's Uniswap V2 pair (flash swap),
///                                  3 the first hop's Uniswap V3 pool (pay inside the swap callback),
///                                  4 the first hop's Algebra pool (pay inside the swap callback)
///     [1]      hops       uint8    2..4 (a cycle needs two hops at least)
///     [2:22]   asset      address  the token borrowed; the route must end in it
///     [22:38]  amount     uint128  the amount borrowed (the first hop's input)
///     [38:54]  minProfit  uint128  the least profit, in `asset`, for the trade to go through
///   then `hops` hops of 69 bytes each, hop i at 54 + 69 * i
///     [0]      kind       uint8    0 Uniswap V2, 1 Uniswap V3, 2 Balancer V2, 3 Curve StableSwap,
///                                  4 Algebra V1 (QuickSwap V3)
///     [1:33]   target     bytes32  V2/V3/Curve/Algebra: the pool's address in [1:21] then 12 bytes of
///                                  parameters; Balancer: the 32-byte pool id (whose first 20 bytes
///                                  are the pool's address)
///                                    V2: [21:23] fee in basis points (uint16; 30 = 0.3%), rest zero
///                                    V3, Algebra: all zero (the pool knows its fee)
///                                    Curve: [21] index of the coin sold, [22] of the coin bought,
///                                    [23] flags: bit 0 set = `exchange_underlying` on the pool's
///                                    underlying coins (a lending pool such as Polygon's aave pool),
///                                    clear = `exchange` on its coins; other bits must be zero
///     [33:53]  tokenOut   address  the token this hop produces (its input is the previous hop's
///                                  output, or `asset` for hop 0; the pool's direction follows)
///     [53:69]  minOut     uint128  the least output this hop may produce
///
/// Offsets below are absolute calldata positions: `hop(route, i)` gives a hop's position and the
/// field readers take it. Readers do no bounds checks; `validate` checks the length once, before any
/// field is trusted.
library Route {
    uint256 internal constant LENDER_AAVE = 0;
    uint256 internal constant LENDER_BALANCER = 1;
    uint256 internal constant LENDER_UNISWAP_V2 = 2;
    uint256 internal constant LENDER_UNISWAP_V3 = 3;
    uint256 internal constant LENDER_ALGEBRA = 4;

    uint256 internal constant HOP_UNISWAP_V2 = 0;
    uint256 internal constant HOP_UNISWAP_V3 = 1;
    uint256 internal constant HOP_BALANCER = 2;
    uint256 internal constant HOP_CURVE = 3;
    uint256 internal constant HOP_ALGEBRA = 4;

    /// @notice Curve hop flags bit 0: trade the underlying coins with `exchange_underlying`.
    uint256 internal constant CURVE_FLAG_UNDERLYING = 1;

    uint256 internal constant HEADER_LENGTH = 54;
    uint256 internal constant HOP_LENGTH = 69;
    uint256 internal constant MIN_HOPS = 2;
    uint256 internal constant MAX_HOPS = 4;

    /// @notice Checks a route before anything is borrowed; reverts with the first problem found.
    /// @param route The packed route.
    function validate(bytes calldata route) internal pure {
        if (route.length < HEADER_LENGTH) revert BadRouteLength(route.length, HEADER_LENGTH);
        uint256 n = hopCount(route);
        if (n < MIN_HOPS || n > MAX_HOPS) revert BadHopCount(n);
        uint256 expected = HEADER_LENGTH + n * HOP_LENGTH;
        if (route.length != expected) revert BadRouteLength(route.length, expected);
        uint256 lender_ = lender(route);
        if (lender_ > LENDER_ALGEBRA) revert BadLender(lender_);
        if (amount(route) == 0) revert ZeroAmount();

        address tokenIn = asset(route);
        for (uint256 i; i < n; ++i) {
            uint256 p = hop(route, i);
            uint256 kind_ = kind(p);
            if (kind_ > HOP_ALGEBRA) revert BadHopKind(i, kind_);
            address out = tokenOut(p);
            if (out == tokenIn) revert SameToken(i, out);
            if (kind_ == HOP_UNISWAP_V2) {
                uint256 fee = v2FeeBps(p);
                if (fee >= 10_000) revert BadV2Fee(i, fee);
            } else if (kind_ == HOP_BALANCER && lender_ == LENDER_BALANCER) {
                revert BalancerHopInBalancerLoan(i);
            } else if (kind_ == HOP_CURVE) {
                uint256 flags = curveFlags(p);
                if (flags > CURVE_FLAG_UNDERLYING) revert BadCurveFlags(i, flags);
            }
            tokenIn = out;
        }
        if (tokenIn != asset(route)) revert NotACycle(tokenIn, asset(route));

        if (lender_ >= LENDER_UNISWAP_V2) {
            uint256 first = kind(hop(route, 0));
            uint256 needed = lender_ == LENDER_UNISWAP_V2
                ? HOP_UNISWAP_V2
                : (lender_ == LENDER_UNISWAP_V3 ? HOP_UNISWAP_V3 : HOP_ALGEBRA);
            if (first != needed) revert LenderHopMismatch(lender_, first);
        }
    }

    // ---- header ------------------------------------------------------------------------------

    /// @notice The lender kind.
    function lender(bytes calldata route) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(248, calldataload(route.offset)) // byte 0
        }
    }

    /// @notice The number of hops.
    function hopCount(bytes calldata route) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(248, calldataload(add(route.offset, 1))) // byte 1
        }
    }

    /// @notice The borrowed token.
    function asset(bytes calldata route) internal pure returns (address v) {
        assembly ("memory-safe") {
            v := shr(96, calldataload(add(route.offset, 2))) // bytes 2..21
        }
    }

    /// @notice The amount borrowed.
    function amount(bytes calldata route) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(128, calldataload(add(route.offset, 22))) // bytes 22..37
        }
    }

    /// @notice The minimum profit.
    function minProfit(bytes calldata route) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(128, calldataload(add(route.offset, 38))) // bytes 38..53
        }
    }

    // ---- hops -----------------------------------------------------------------------------------

    /// @notice The calldata position of hop `i`.
    function hop(bytes calldata route, uint256 i) internal pure returns (uint256 p) {
        assembly ("memory-safe") {
            p := add(add(route.offset, HEADER_LENGTH), mul(i, HOP_LENGTH))
        }
    }

    /// @notice The hop's kind.
    function kind(uint256 p) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(248, calldataload(p)) // byte 0
        }
    }

    /// @notice The hop's pool address (for Balancer, the pool id's first 20 bytes).
    function pool(uint256 p) internal pure returns (address v) {
        assembly ("memory-safe") {
            v := shr(96, calldataload(add(p, 1))) // bytes 1..20
        }
    }

    /// @notice The Balancer pool id.
    function poolId(uint256 p) internal pure returns (bytes32 v) {
        assembly ("memory-safe") {
            v := calldataload(add(p, 1)) // bytes 1..32
        }
    }

    /// @notice The Uniswap V2 hop's fee in basis points.
    function v2FeeBps(uint256 p) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(240, calldataload(add(p, 21))) // bytes 21..22
        }
    }

    /// @notice The Curve hop's coin indices (sold, bought).
    function curveIndices(uint256 p) internal pure returns (uint256 i, uint256 j) {
        assembly ("memory-safe") {
            let w := calldataload(add(p, 21))
            i := shr(248, w) // byte 21
            j := and(shr(240, w), 0xff) // byte 22
        }
    }

    /// @notice The Curve hop's flags byte (bit 0: exchange_underlying).
    function curveFlags(uint256 p) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(248, calldataload(add(p, 23))) // byte 23
        }
    }

    /// @notice The hop's output token.
    function tokenOut(uint256 p) internal pure returns (address v) {
        assembly ("memory-safe") {
            v := shr(96, calldataload(add(p, 33))) // bytes 33..52
        }
    }

    /// @notice The hop's minimum output.
    function minOut(uint256 p) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(128, calldataload(add(p, 53))) // bytes 53..68
        }
    }
}
