// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Every error FlashArb raises. They are declared at file level so that the route, token and hop
// libraries raise the same errors as the contract, and all of them appear in FlashArb's ABI.

// ---- access ----------------------------------------------------------------------------------

/// @notice The caller is not the owner.
/// @param caller The account that called.
error NotOwner(address caller);

/// @notice The caller is not the pending owner named by `transferOwnership`.
/// @param caller The account that called.
error NotPendingOwner(address caller);

/// @notice The caller is not on the executor allow-list.
/// @param caller The account that called.
error NotExecutor(address caller);

/// @notice Trading is paused by the owner.
error TradingPaused();

/// @notice A trade was started while another one is running (reentrancy).
error Reentered();

/// @notice An address argument is the zero address.
/// @param what The name of the argument.
error ZeroAddress(string what);

// ---- route validation (before anything is borrowed) -----------------------------------------

/// @notice The route's byte length does not match its hop count.
/// @param length The length given.
/// @param expected The length its header implies (the header's length when the header is cut short).
error BadRouteLength(uint256 length, uint256 expected);

/// @notice The lender kind is unknown.
/// @param lender The kind given (0 Aave, 1 Balancer, 2 Uniswap V2 flash swap, 3 Uniswap V3 swap,
/// 4 Algebra swap).
error BadLender(uint256 lender);

/// @notice The hop count is outside 2..4.
/// @param hops The count given.
error BadHopCount(uint256 hops);

/// @notice A hop's kind is unknown.
/// @param hop The hop's index.
/// @param kind The kind given (0 Uniswap V2, 1 Uniswap V3, 2 Balancer, 3 Curve, 4 Algebra).
error BadHopKind(uint256 hop, uint256 kind);

/// @notice The amount to borrow is zero.
error ZeroAmount();

/// @notice A hop's output token equals its input token.
/// @param hop The hop's index.
/// @param token The token.
error SameToken(uint256 hop, address token);

/// @notice A Uniswap V2 hop's fee is 100% or more.
/// @param hop The hop's index.
/// @param feeBps The fee given, in basis points.
error BadV2Fee(uint256 hop, uint256 feeBps);

/// @notice The route does not end in the borrowed asset.
/// @param lastTokenOut The last hop's output token.
/// @param asset The borrowed asset.
error NotACycle(address lastTokenOut, address asset);

/// @notice A pool-as-lender route does not start with a hop of that pool's kind.
/// @param lender The lender kind.
/// @param firstHopKind The first hop's kind.
error LenderHopMismatch(uint256 lender, uint256 firstHopKind);

/// @notice A Balancer hop cannot run inside a Balancer flash loan (the Vault's reentrancy guard).
/// @param hop The hop's index.
error BalancerHopInBalancerLoan(uint256 hop);

/// @notice A Curve hop's flags byte sets bits FlashArb does not know (only bit 0, exchange_underlying).
/// @param hop The hop's position.
/// @param flags The flags byte.
error BadCurveFlags(uint256 hop, uint256 flags);

// ---- pools (before anything is borrowed) -----------------------------------------------------------

/// @notice A hop's pool is not a genuine pool for the hop's tokens: not the address an accepted
/// Uniswap V2 factory or an accepted Uniswap V3-code factory creates for them (CREATE2), or not an owner-listed Curve
/// pool whose coins `i` and `j` are the hop's input and output. Also raised when the route names the
/// wrong tokens for a genuine pool.
/// @param hop The hop's index.
/// @param pool The pool the route names.
/// @param tokenIn The hop's input token.
/// @param tokenOut The hop's output token.
error UnknownPool(uint256 hop, address pool, address tokenIn, address tokenOut);

// ---- construction and administration -----------------------------------------------------------

/// @notice More Uniswap V2 factories were given than FlashArb has room for.
/// @param count The number given.
/// @param max The most accepted.
error TooManyFactories(uint256 count, uint256 max);

/// @notice A factory was given with a zero address or a zero init code hash.
/// @param factory The factory.
/// @param initCodeHash Its init code hash.
error BadFactory(address factory, bytes32 initCodeHash);

/// @notice A Curve pool offered for the allow-list does not answer `coins(i)` with 2 to 8 distinct,
/// non-zero coins.
/// @param pool The pool.
/// @param coinCount The number of coins read before the problem.
error BadCurvePool(address pool, uint256 coinCount);

// ---- execution ---------------------------------------------------------------------------------

/// @notice A callback came from an account this contract is not waiting for.
/// @param caller The account that called.
error UnexpectedCallback(address caller);

/// @notice A lender's callback reports a loan this contract did not start.
/// @param initiator The initiator the lender reports.
error BadInitiator(address initiator);

/// @notice A callback carries different route bytes than the trade that is running.
error CallbackDataMismatch();

/// @notice A lender or pool returned without making the callback it owes.
/// @param expected The account whose callback never came.
error CallbackMissing(address expected);

/// @notice A hop produced less than its minimum (or nothing).
/// @param hop The hop's index.
/// @param amountOut The output.
/// @param minOut The minimum.
error InsufficientOutput(uint256 hop, uint256 amountOut, uint256 minOut);

/// @notice A Uniswap V3 pool asked for a different input than the swap specified (less: it ran out
/// of liquidity; more: it is not a genuine pool).
/// @param pool The pool.
/// @param amountIn The input the pool asked for.
/// @param expected The input the swap specified.
error PartialFill(address pool, uint256 amountIn, uint256 expected);

/// @notice An amount does not fit the pool's signed input.
/// @param hop The hop's index.
/// @param amount The amount.
error AmountTooLarge(uint256 hop, uint256 amount);

/// @notice The route returned less than the loan, its fee and the minimum profit.
/// @param received The asset the route returned.
/// @param owed The loan plus its fee.
/// @param minProfit The minimum profit asked for.
error InsufficientProfit(uint256 received, uint256 owed, uint256 minProfit);

/// @notice A call to a lender or pool reverted with an error that is not FlashArb's.
/// @param target The contract called.
/// @param reason Its revert data.
error CallFailed(address target, bytes reason);

/// @notice A call returned less data than its interface promises (or the target has no code).
/// @param target The contract called.
error BadReturnData(address target);

/// @notice A token transfer failed.
/// @param token The token.
/// @param to The recipient.
/// @param amount The amount.
error TransferFailed(address token, address to, uint256 amount);

/// @notice A token approval failed.
/// @param token The token.
/// @param spender The spender.
/// @param amount The allowance.
error ApproveFailed(address token, address spender, uint256 amount);

/// @notice Sending the native coin failed.
/// @param to The recipient.
/// @param amount The amount.
error NativeTransferFailed(address to, uint256 amount);

/// @title Failure
/// @notice Turns a failed external call into a FlashArb error.
/// @dev Only calls that call back into FlashArb (a lender's flash loan, a Uniswap V2 flash swap, a
/// Uniswap V3 swap) go through `callFailed`: the callee is a lender or a genuine pool (known code), and
/// what it bubbles up from FlashArb's callback is FlashArb's own error, which passes through unchanged.
/// Every other call (tokens, Balancer and Curve swaps, plain V2 swaps) goes through `wrap`: its revert
/// data, whatever its selector, comes back inside `CallFailed(target, reason)`.
library Failure {
    /// @notice The current call's return data, copied to memory.
    /// @return data The bytes.
    function returnData() internal pure returns (bytes memory data) {
        assembly ("memory-safe") {
            data := mload(0x40)
            mstore(data, returndatasize())
            returndatacopy(add(data, 0x20), 0x00, returndatasize())
            // Advance the free memory pointer past the copy, rounded up to a word.
            mstore(0x40, add(add(data, 0x20), and(add(returndatasize(), 0x1f), not(0x1f))))
        }
    }

    /// @notice Reverts with `reason` unchanged when it is one of FlashArb's errors.
    /// @param reason Revert data of a failed call.
    function bubbleOwn(bytes memory reason) internal pure {
        if (reason.length >= 4 && isOwn(bytes4(reason))) {
            assembly ("memory-safe") {
                revert(add(reason, 0x20), mload(reason))
            }
        }
    }

    /// @notice Reverts after a failed call to `target`: FlashArb's own errors unchanged, anything else
    /// as `CallFailed(target, reason)`.
    /// @param target The contract called.
    function callFailed(address target) internal pure {
        bytes memory reason = returnData();
        bubbleOwn(reason);
        revert CallFailed(target, reason);
    }

    /// @notice Reverts after a failed call to `target` that cannot call back into FlashArb (a token, a
    /// Balancer or Curve swap, a V2 swap without data): always `CallFailed(target, reason)`, so a
    /// contract that reverts with one of FlashArb's selectors cannot pass it off as FlashArb's own.
    /// @param target The contract called.
    function wrap(address target) internal pure {
        revert CallFailed(target, returnData());
    }

    /// @notice Whether `selector` is one of the FlashArb errors that can surface from inside a call
    /// FlashArb makes (raised in a callback, a nested hop, or a reentrant call). Route-validation and
    /// administration errors cannot, since they are raised before any external call.
    /// @param selector The first four bytes of revert data.
    /// @return True for those errors.
    function isOwn(bytes4 selector) internal pure returns (bool) {
        return selector == CallFailed.selector || selector == InsufficientProfit.selector
            || selector == InsufficientOutput.selector || selector == PartialFill.selector
            || selector == UnexpectedCallback.selector || selector == Reentered.selector
            || selector == TransferFailed.selector || selector == ApproveFailed.selector
            || selector == BadReturnData.selector || selector == CallbackDataMismatch.selector
            || selector == CallbackMissing.selector || selector == BadInitiator.selector
            || selector == AmountTooLarge.selector || selector == NotExecutor.selector
            || selector == TradingPaused.selector || selector == NotOwner.selector;
    }
}
