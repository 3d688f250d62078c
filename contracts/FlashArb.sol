// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAavePool} from "../interfaces/IAavePool.sol";
import {IAaveFlashLoanSimpleReceiver} from "../interfaces/IAaveFlashLoanSimpleReceiver.sol";
import {IBalancerVault} from "../interfaces/IBalancerVault.sol";
import {IBalancerFlashLoanRecipient} from "../interfaces/IBalancerFlashLoanRecipient.sol";
import {IUniswapV2Callee} from "../interfaces/IUniswapV2Callee.sol";
import {IUniswapV3SwapCallback} from "../interfaces/IUniswapV3SwapCallback.sol";
import "./libraries/Errors.sol";
import {Route} from "./libraries/Route.sol";
import {TokenOps} from "./libraries/TokenOps.sol";
import {UniswapV2Hop} from "./libraries/UniswapV2Hop.sol";
import {UniswapV3Hop} from "./libraries/UniswapV3Hop.sol";
import {BalancerHop} from "./libraries/BalancerHop.sol";
import {CurveHop} from "./libraries/CurveHop.sol";

/// @title FlashArb
/// @notice Atomic arbitrage with borrowed capital. An executor submits a packed route (layout in
/// `Route`); FlashArb borrows the route's asset from Aave V3, the Balancer V2 Vault, or the first
/// hop's own Uniswap pool, runs the hops against the pools directly, repays the lender, and sends the
/// profit to the owner. If the route returns less than the loan, its fee and the minimum profit, the
/// whole transaction reverts and only gas is spent.
/// @dev Security model:
///  - Only allow-listed executors start a trade, only while not paused, and never while one runs.
///  - Every callback is one this contract asked for: before calling a lender or pool that calls back,
///    FlashArb records (in transient storage) the one account allowed to call back and which callback
///    it may make; the callback checks and clears it, so it works once. Aave's callback must also
///    report this contract as initiator, Uniswap V2's must report it as sender, and every lender
///    callback must carry exactly the route bytes the executor submitted (their hash is recorded).
///  - Profit is proven by the asset balance before the loan and after the route. Approvals are exact
///    and consumed by the pull they allow; nothing is held between trades.
contract FlashArb is
    IAaveFlashLoanSimpleReceiver,
    IBalancerFlashLoanRecipient,
    IUniswapV2Callee,
    IUniswapV3SwapCallback
{
    using Route for bytes;

    /// @notice The Aave V3 Pool lending with `flashLoanSimple`.
    IAavePool public immutable AAVE_POOL;
    /// @notice The Balancer V2 Vault, lending with `flashLoan` and swapping Balancer hops.
    IBalancerVault public immutable BALANCER_VAULT;

    /// @notice The account that administers this contract and receives the profit.
    address public owner;
    /// @notice Whether trading is paused.
    bool public paused;
    /// @notice The account named by `transferOwnership`, until it accepts.
    address public pendingOwner;
    /// @notice Whether an account may start trades.
    mapping(address account => bool allowed) public isExecutor;

    // Callback tags: which callback the expected caller may make.
    uint256 private constant CALLBACK_AAVE = 1;
    uint256 private constant CALLBACK_BALANCER = 2;
    uint256 private constant CALLBACK_V2_FLASH = 3;
    uint256 private constant CALLBACK_V3_FLASH = 4;
    uint256 private constant CALLBACK_V3_HOP = 5;

    /// @dev keccak256 of the running trade's route; non-zero exactly while a trade runs (the lock).
    bytes32 private transient _routeHash;
    /// @dev The one callback allowed next: caller address in the low 160 bits, callback tag above.
    uint256 private transient _expected;
    /// @dev The token a Uniswap V3 hop's callback pays with, and the exact amount it pays.
    address private transient _payToken;
    uint256 private transient _payAmount;
    /// @dev This contract's balance of the route's asset before the loan.
    uint256 private transient _balanceBefore;

    /// @notice A trade went through.
    /// @param lender The lender kind (0 Aave, 1 Balancer, 2 Uniswap V2 pair, 3 Uniswap V3 pool).
    /// @param asset The token borrowed.
    /// @param amount The amount borrowed.
    /// @param fee The lender's fee (0 for pool lenders, whose fee is inside the first swap).
    /// @param profit The profit sent to the owner.
    /// @param hops The number of hops.
    event Trade(
        uint256 indexed lender, address indexed asset, uint256 amount, uint256 fee, uint256 profit, uint256 hops
    );
    /// @notice An executor was added to or removed from the allow-list.
    /// @param executor The account.
    /// @param allowed Whether it may start trades now.
    event ExecutorSet(address indexed executor, bool allowed);
    /// @notice The owner named a new owner, who must accept.
    /// @param previousOwner The current owner.
    /// @param newOwner The pending owner (zero cancels).
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    /// @notice Ownership changed.
    /// @param previousOwner The old owner (zero at construction).
    /// @param newOwner The new owner.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    /// @notice Trading was paused.
    /// @param account The owner who paused it.
    event Paused(address account);
    /// @notice Trading was resumed.
    /// @param account The owner who resumed it.
    event Unpaused(address account);
    /// @notice The owner recovered tokens or native coin held by this contract.
    /// @param token The token (zero for the native coin).
    /// @param to The recipient.
    /// @param amount The amount.
    event Rescued(address indexed token, address indexed to, uint256 amount);

    /// @param aavePool The Aave V3 Pool (the market's `PoolAddressesProvider.getPool()`).
    /// @param balancerVault The Balancer V2 Vault.
    /// @param initialOwner The owner.
    constructor(IAavePool aavePool, IBalancerVault balancerVault, address initialOwner) {
        if (address(aavePool) == address(0)) revert ZeroAddress("aavePool");
        if (address(balancerVault) == address(0)) revert ZeroAddress("balancerVault");
        if (initialOwner == address(0)) revert ZeroAddress("initialOwner");
        AAVE_POOL = aavePool;
        BALANCER_VAULT = balancerVault;
        owner = initialOwner;
        emit OwnershipTransferred(address(0), initialOwner);
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    // ---- trading -----------------------------------------------------------------------------

    /// @notice Runs one arbitrage: borrow, swap along the route, repay, send the profit to the owner.
    /// @dev Reverts with a FlashArb error when the route is malformed, a hop yields less than its
    /// minimum, or the route returns less than loan + fee + minProfit; nothing moves then.
    /// @param route The packed route (layout in `Route`; encoded by `bot.route`).
    function execute(bytes calldata route) external {
        if (paused) revert TradingPaused();
        if (!isExecutor[msg.sender]) revert NotExecutor(msg.sender);
        if (_routeHash != 0) revert Reentered();
        route.validate();
        _routeHash = keccak256(route);

        address asset = route.asset();
        uint256 amount = route.amount();
        uint256 lender = route.lender();
        _balanceBefore = TokenOps.balanceOfSelf(asset);

        if (lender == Route.LENDER_AAVE) {
            _expect(address(AAVE_POOL), CALLBACK_AAVE);
            (bool ok,) = address(AAVE_POOL).call(
                abi.encodeCall(IAavePool.flashLoanSimple, (address(this), asset, amount, route, 0))
            );
            if (!ok) Failure.callFailed(address(AAVE_POOL));
        } else if (lender == Route.LENDER_BALANCER) {
            _expect(address(BALANCER_VAULT), CALLBACK_BALANCER);
            address[] memory tokens = new address[](1);
            tokens[0] = asset;
            uint256[] memory amounts = new uint256[](1);
            amounts[0] = amount;
            (bool ok,) = address(BALANCER_VAULT).call(
                abi.encodeCall(IBalancerVault.flashLoan, (address(this), tokens, amounts, route))
            );
            if (!ok) Failure.callFailed(address(BALANCER_VAULT));
        } else {
            uint256 p = route.hop(0);
            address pool = Route.pool(p);
            bool zeroForOne = asset < Route.tokenOut(p);
            if (lender == Route.LENDER_UNISWAP_V2) {
                uint256 out = UniswapV2Hop.quote(pool, Route.v2FeeBps(p), zeroForOne, amount);
                _checkOutput(0, out, Route.minOut(p));
                _expect(pool, CALLBACK_V2_FLASH);
                UniswapV2Hop.flashSwap(pool, zeroForOne, out, route);
            } else {
                _expect(pool, CALLBACK_V3_FLASH);
                UniswapV3Hop.flashSwap(pool, zeroForOne, amount, route);
            }
        }
        uint256 pending = _expected;
        if (pending != 0) revert CallbackMissing(address(uint160(pending)));
        _routeHash = 0;
    }

    /// @notice Aave V3 flash-loan callback. Only the Aave Pool, during a loan this contract started.
    /// @param asset The borrowed asset.
    /// @param amount The amount borrowed.
    /// @param premium The fee the Pool pulls on top of `amount`.
    /// @param initiator Who started the loan; must be this contract.
    /// @param params The route.
    /// @return True; the Pool then pulls `amount + premium`, approved here exactly.
    function executeOperation(address asset, uint256 amount, uint256 premium, address initiator, bytes calldata params)
        external
        returns (bool)
    {
        _accept(CALLBACK_AAVE);
        if (initiator != address(this)) revert BadInitiator(initiator);
        _checkRoute(params);
        _runHops(params, 0, amount);
        uint256 owed = amount + premium;
        _settle(params, owed, premium);
        TokenOps.approve(asset, msg.sender, owed);
        return true;
    }

    /// @notice Balancer V2 flash-loan callback. Only the Vault, during a loan this contract started.
    /// @param amounts The amount borrowed (one token).
    /// @param feeAmounts The fee owed on it.
    /// @param userData The route.
    function receiveFlashLoan(
        address[] calldata,
        uint256[] calldata amounts,
        uint256[] calldata feeAmounts,
        bytes calldata userData
    ) external {
        _accept(CALLBACK_BALANCER);
        _checkRoute(userData);
        uint256 amount = amounts[0];
        uint256 fee = feeAmounts[0];
        _runHops(userData, 0, amount);
        uint256 owed = amount + fee;
        address asset = _settle(userData, owed, fee);
        TokenOps.transfer(asset, msg.sender, owed);
    }

    /// @notice Uniswap V2 flash-swap callback. Only the pair this contract is flash-swapping with.
    /// @dev The pair has sent the first hop's output; the rest of the route runs here, then the pair
    /// is paid the route's amount of the asset (the first hop's input, fee included in its output).
    /// @param sender Who called `swap`; must be this contract.
    /// @param amount0 The token0 amount the pair sent.
    /// @param amount1 The token1 amount the pair sent.
    /// @param data The route.
    function uniswapV2Call(address sender, uint256 amount0, uint256 amount1, bytes calldata data) external {
        _accept(CALLBACK_V2_FLASH);
        if (sender != address(this)) revert BadInitiator(sender);
        _checkRoute(data);
        _runHops(data, 1, amount0 + amount1);
        uint256 owed = data.amount();
        address asset = _settle(data, owed, 0);
        TokenOps.transfer(asset, msg.sender, owed);
    }

    /// @notice Uniswap V3 swap callback. Only the pool this contract is swapping with right now.
    /// @dev For a hop, pays the pool the hop's input, exactly as specified (a pool asking for more or
    /// less gets `PartialFill`). For a pool-as-lender route, runs the rest of the route first, then
    /// pays the pool the route's amount of the asset.
    /// @param amount0Delta The pool's token0 balance change (positive: owed to the pool).
    /// @param amount1Delta The pool's token1 balance change (positive: owed to the pool).
    /// @param data Empty for a hop; the route for a pool-as-lender route.
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external {
        uint256 expected = _expected;
        if (address(uint160(expected)) != msg.sender) revert UnexpectedCallback(msg.sender);
        _expected = 0;
        (int256 owedDelta, int256 sentDelta) =
            amount0Delta > 0 ? (amount0Delta, amount1Delta) : (amount1Delta, amount0Delta);
        uint256 owed = owedDelta > 0 ? uint256(owedDelta) : 0;
        if (expected >> 160 == CALLBACK_V3_HOP) {
            uint256 amountIn = _payAmount;
            if (owed != amountIn) revert PartialFill(msg.sender, owed, amountIn);
            TokenOps.transfer(_payToken, msg.sender, owed);
            return;
        }
        if (expected >> 160 != CALLBACK_V3_FLASH) revert UnexpectedCallback(msg.sender);
        _checkRoute(data);
        uint256 amount = data.amount();
        if (owed != amount) revert PartialFill(msg.sender, owed, amount);
        uint256 out = sentDelta < 0 ? uint256(-sentDelta) : 0;
        _checkOutput(0, out, Route.minOut(data.hop(0)));
        _runHops(data, 1, out);
        address asset = _settle(data, owed, 0);
        TokenOps.transfer(asset, msg.sender, owed);
    }

    // ---- administration ----------------------------------------------------------------------

    /// @notice Adds or removes an executor.
    /// @param executor The account.
    /// @param allowed Whether it may start trades.
    function setExecutor(address executor, bool allowed) external onlyOwner {
        if (executor == address(0)) revert ZeroAddress("executor");
        isExecutor[executor] = allowed;
        emit ExecutorSet(executor, allowed);
    }

    /// @notice Stops trading until `unpause`.
    function pause() external onlyOwner {
        paused = true;
        emit Paused(msg.sender);
    }

    /// @notice Resumes trading.
    function unpause() external onlyOwner {
        paused = false;
        emit Unpaused(msg.sender);
    }

    /// @notice Starts a two-step ownership transfer; `newOwner` must call `acceptOwnership`.
    /// @param newOwner The next owner (zero cancels a pending transfer).
    function transferOwnership(address newOwner) external onlyOwner {
        pendingOwner = newOwner;
        emit OwnershipTransferStarted(msg.sender, newOwner);
    }

    /// @notice Completes an ownership transfer. Only the pending owner.
    function acceptOwnership() external {
        if (msg.sender != pendingOwner || msg.sender == address(0)) revert NotPendingOwner(msg.sender);
        emit OwnershipTransferred(owner, msg.sender);
        owner = msg.sender;
        pendingOwner = address(0);
    }

    /// @notice Sends tokens or native coin held by this contract (sent by mistake) to `to`.
    /// @param token The token, or zero for the native coin.
    /// @param to The recipient.
    /// @param amount The amount.
    function rescue(address token, address to, uint256 amount) external onlyOwner {
        if (to == address(0)) revert ZeroAddress("to");
        if (token == address(0)) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert NativeTransferFailed(to, amount);
        } else {
            TokenOps.transfer(token, to, amount);
        }
        emit Rescued(token, to, amount);
    }

    // ---- internals -----------------------------------------------------------------------------

    /// @dev Allows exactly one callback, of kind `tag`, from `caller`.
    function _expect(address caller, uint256 tag) private {
        _expected = uint256(uint160(caller)) | (tag << 160);
    }

    /// @dev Consumes the allowed callback; reverts unless it is this one, from this caller.
    function _accept(uint256 tag) private {
        if (_expected != uint256(uint160(msg.sender)) | (tag << 160)) revert UnexpectedCallback(msg.sender);
        _expected = 0;
    }

    /// @dev Reverts unless a trade runs and `route` is its route.
    function _checkRoute(bytes calldata route) private view {
        if (keccak256(route) != _routeHash) revert CallbackDataMismatch();
    }

    /// @dev Reverts unless `amountOut` is positive and at least `minOut`.
    function _checkOutput(uint256 hop, uint256 amountOut, uint256 minOut) private pure {
        if (amountOut == 0 || amountOut < minOut) revert InsufficientOutput(hop, amountOut, minOut);
    }

    /// @dev Runs hops `start..` with `amountIn` of the input of hop `start`; returns the last output.
    function _runHops(bytes calldata route, uint256 start, uint256 amountIn) private returns (uint256 amount) {
        uint256 n = route.hopCount();
        uint256 p = route.hop(start);
        address tokenIn = start == 0 ? route.asset() : Route.tokenOut(p - Route.HOP_LENGTH);
        bool inputAtPair; // the previous hop already delivered this hop's input to its pair
        amount = amountIn;
        for (uint256 i = start; i < n; ++i) {
            if (Route.kind(p) == Route.HOP_UNISWAP_V2) {
                (amount, inputAtPair) = _uniswapV2Hop(p, i, i + 1 < n, tokenIn, amount, inputAtPair);
            } else {
                amount = _poolHop(p, i, tokenIn, amount);
                inputAtPair = false;
            }
            tokenIn = Route.tokenOut(p);
            p += Route.HOP_LENGTH;
        }
    }

    /// @dev A Uniswap V2 hop at calldata position `p`. When the next hop is also Uniswap V2, the output
    /// goes straight to the next pair (saving a transfer) and `nextInputAtPair` is true.
    function _uniswapV2Hop(uint256 p, uint256 i, bool hasNext, address tokenIn, uint256 amountIn, bool inputAtPair)
        private
        returns (uint256 out, bool nextInputAtPair)
    {
        address pair = Route.pool(p);
        bool zeroForOne = tokenIn < Route.tokenOut(p);
        if (!inputAtPair) TokenOps.transfer(tokenIn, pair, amountIn);
        out = UniswapV2Hop.quote(pair, Route.v2FeeBps(p), zeroForOne, amountIn);
        _checkOutput(i, out, Route.minOut(p));
        uint256 next = p + Route.HOP_LENGTH;
        nextInputAtPair = hasNext && Route.kind(next) == Route.HOP_UNISWAP_V2;
        UniswapV2Hop.swap(pair, zeroForOne, out, nextInputAtPair ? Route.pool(next) : address(this));
    }

    /// @dev A Uniswap V3, Balancer or Curve hop at calldata position `p`; the output comes here.
    function _poolHop(uint256 p, uint256 i, address tokenIn, uint256 amountIn) private returns (uint256 out) {
        uint256 kind = Route.kind(p);
        if (kind == Route.HOP_UNISWAP_V3) {
            address pool = Route.pool(p);
            _expect(pool, CALLBACK_V3_HOP);
            _payToken = tokenIn;
            _payAmount = amountIn;
            out = UniswapV3Hop.swap(i, pool, tokenIn < Route.tokenOut(p), amountIn);
        } else if (kind == Route.HOP_BALANCER) {
            out = BalancerHop.swap(address(BALANCER_VAULT), Route.poolId(p), tokenIn, Route.tokenOut(p), amountIn);
        } else {
            (uint256 ci, uint256 cj) = Route.curveIndices(p);
            out = CurveHop.exchange(Route.pool(p), ci, cj, tokenIn, amountIn);
        }
        _checkOutput(i, out, Route.minOut(p));
    }

    /// @dev Proves the profit, sends it to the owner and logs the trade; returns the asset. The caller
    /// then repays `owed` to the lender.
    function _settle(bytes calldata route, uint256 owed, uint256 fee) private returns (address asset) {
        asset = route.asset();
        uint256 profit = _profit(asset, owed, route.minProfit());
        if (profit != 0) TokenOps.transfer(asset, owner, profit);
        emit Trade(route.lender(), asset, route.amount(), fee, profit, route.hopCount());
    }

    /// @dev What the route returned beyond `owed`; reverts when that is below `minProfit`.
    function _profit(address asset, uint256 owed, uint256 minProfit) private view returns (uint256) {
        uint256 balance = TokenOps.balanceOfSelf(asset);
        uint256 before = _balanceBefore;
        uint256 received = balance > before ? balance - before : 0;
        if (received < owed + minProfit) revert InsufficientProfit(received, owed, minProfit);
        return received - owed;
    }
}
