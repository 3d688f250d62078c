// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAavePool} from "../interfaces/IAavePool.sol";
import {IAaveFlashLoanSimpleReceiver} from "../interfaces/IAaveFlashLoanSimpleReceiver.sol";
import {IBalancerVault} from "../interfaces/IBalancerVault.sol";
import {IBalancerFlashLoanRecipient} from "../interfaces/IBalancerFlashLoanRecipient.sol";
import {IUniswapV2Callee} from "../interfaces/IUniswapV2Callee.sol";
import {IUniswapV3SwapCallback} from "../interfaces/IUniswapV3SwapCallback.sol";
import {IAlgebraSwapCallback} from "../interfaces/IAlgebraSwapCallback.sol";
import "./libraries/Errors.sol";
import {Route} from "./libraries/Route.sol";
import {TokenOps} from "./libraries/TokenOps.sol";
import {PoolAddress} from "./libraries/PoolAddress.sol";
import {UniswapV2Hop} from "./libraries/UniswapV2Hop.sol";
import {UniswapV3Hop} from "./libraries/UniswapV3Hop.sol";
import {BalancerHop} from "./libraries/BalancerHop.sol";
import {CurveHop} from "./libraries/CurveHop.sol";

/// @title FlashArb
/// @notice Atomic arbitrage with borrowed capital. An executor submits a packed route (layout in
/// `Route`); FlashArb borrows the route's asset from Aave V3, the Balancer V2 Vault, or the first
/// hop's own Uniswap or Algebra pool, runs the hops against the pools directly, repays the lender, and sends the
/// profit to the owner. If the route returns less than the loan, its fee and the minimum profit, the
/// whole transaction reverts and only gas is spent.
/// @dev Security model (SECURITY.md has the whole threat model):
///  - Only allow-listed executors start a trade, only while not paused, and never while one runs.
///  - The executor key is hot and may be stolen, so a route chooses trades, never pools FlashArb has not
///    vetted: before anything is borrowed, every Uniswap V2 pair must sit at the CREATE2 address one of
///    the accepted V2 factories (immutable, set at construction) gives the hop's two tokens, every
///    Uniswap V3-code pool at the address an accepted V3 factory (Uniswap V3's, or a second venue's such
///    as SushiSwap V3) gives the hop's tokens and the pool's fee,
///    every Algebra (QuickSwap V3) pool at the address the Algebra pool deployer gives the hop's tokens,
///    every Curve pool must be on the owner's allow-list with the hop's tokens at the hop's indices, and
///    Balancer swaps go through the Vault by pool id (the Vault checks the pool's tokens).
///  - Outputs are measured, never believed: each hop's output is the balance change of the route's
///    `tokenOut` (at FlashArb, or at the next pair when it is sent there), and the next hop spends
///    exactly that. So a trade never spends tokens FlashArb held before it, and profit is proven by the
///    asset balance before the loan and after the route.
///  - Every callback is one this contract asked for: before calling a lender or pool that calls back,
///    FlashArb records (in transient storage) the one account allowed to call back and which callback
///    it may make; the callback checks and clears it, so it works once. Aave's callback must also
///    report this contract as initiator, Uniswap V2's must report it as sender, and every lender
///    callback must carry exactly the route bytes the executor submitted (their hash is recorded).
///  - Approvals are exact, and any allowance a pull leaves is set back to zero before the next step;
///    the owner can revoke any allowance (`revokeAllowance`). Nothing is held between trades.
contract FlashArb is
    IAaveFlashLoanSimpleReceiver,
    IBalancerFlashLoanRecipient,
    IUniswapV2Callee,
    IUniswapV3SwapCallback,
    IAlgebraSwapCallback
{
    using Route for bytes;

    /// @notice A pool factory: its address and the keccak256 of the pool creation code it deploys.
    /// @param factory The factory.
    /// @param initCodeHash keccak256 of the pool's creation code (the CREATE2 init code hash).
    struct PoolFactory {
        address factory;
        bytes32 initCodeHash;
    }

    /// @notice The most Uniswap V2 factories FlashArb accepts (immutables: room for later venues).
    uint256 public constant MAX_V2_FACTORIES = 4;
    /// @notice The most Uniswap V3-code factories FlashArb accepts (Uniswap V3 and one more, e.g. SushiSwap V3).
    uint256 public constant MAX_V3_FACTORIES = 2;
    /// @notice The most coins read from a Curve pool offered for the allow-list.
    uint256 public constant MAX_CURVE_COINS = 8;

    /// @notice The Aave V3 Pool lending with `flashLoanSimple`.
    IAavePool public immutable AAVE_POOL;
    /// @notice The Balancer V2 Vault, lending with `flashLoan` and swapping Balancer hops.
    IBalancerVault public immutable BALANCER_VAULT;
    /// @notice The Uniswap V3 factory whose pools Uniswap V3 hops may use.
    address public immutable UNISWAP_V3_FACTORY;
    /// @notice keccak256 of the Uniswap V3 pool creation code that factory deploys.
    bytes32 public immutable UNISWAP_V3_INIT_CODE_HASH;
    /// @notice The Algebra V1 pool deployer (QuickSwap V3) whose pools Algebra hops may use.
    address public immutable ALGEBRA_POOL_DEPLOYER;
    /// @notice keccak256 of the Algebra pool creation code that deployer deploys.
    bytes32 public immutable ALGEBRA_INIT_CODE_HASH;
    // A second factory running Uniswap V3 code (SushiSwap V3 on Polygon), zero when none was given.
    address private immutable V3_FACTORY_1;
    bytes32 private immutable V3_INIT_CODE_HASH_1;

    // The accepted Uniswap V2 factories (QuickSwap, SushiSwap, ...), in constructor order; unused slots
    // are zero. Immutables cost nothing to read, unlike storage (2,100 gas per cold slot).
    address private immutable V2_FACTORY_0;
    address private immutable V2_FACTORY_1;
    address private immutable V2_FACTORY_2;
    address private immutable V2_FACTORY_3;
    bytes32 private immutable V2_INIT_CODE_HASH_0;
    bytes32 private immutable V2_INIT_CODE_HASH_1;
    bytes32 private immutable V2_INIT_CODE_HASH_2;
    bytes32 private immutable V2_INIT_CODE_HASH_3;

    /// @notice The account that administers this contract and receives the profit.
    address public owner;
    /// @notice Whether trading is paused.
    bool public paused;
    /// @notice The account named by `transferOwnership`, until it accepts.
    address public pendingOwner;
    /// @notice Whether an account may start trades.
    mapping(address account => bool allowed) public isExecutor;
    /// @dev The coins of each allow-listed Curve pool, in index order (empty: not listed).
    mapping(address pool => address[] coins) private _curveCoins;
    /// @dev For a listed Curve pool: 1 + (flags << 16 | i << 8 | j) for selling coin i = tokenIn for coin
    /// j = tokenOut (flags 0), or underlying coin i for underlying coin j (flags CURVE_FLAG_UNDERLYING),
    /// so a Curve hop is checked with one storage read.
    mapping(address pool => mapping(address tokenIn => mapping(address tokenOut => uint256 indices))) private
        _curveHop;
    /// @dev The underlying coins of each allow-listed lending Curve pool (empty for plain pools).
    mapping(address pool => address[] coins) private _curveUnderlying;

    // Callback tags: which callback the expected caller may make.
    uint256 private constant CALLBACK_AAVE = 1;
    uint256 private constant CALLBACK_BALANCER = 2;
    uint256 private constant CALLBACK_V2_FLASH = 3;
    uint256 private constant CALLBACK_V3_FLASH = 4;
    uint256 private constant CALLBACK_V3_HOP = 5;
    uint256 private constant CALLBACK_ALGEBRA_FLASH = 6;
    uint256 private constant CALLBACK_ALGEBRA_HOP = 7;

    /// @dev keccak256 of the running trade's route; non-zero exactly while a trade runs (the lock).
    bytes32 private transient _routeHash;
    /// @dev The one callback allowed next: caller address in the low 160 bits, callback tag above.
    uint256 private transient _expected;
    /// @dev The token a Uniswap V3 hop's callback pays with, and the exact amount it pays.
    address private transient _payToken;
    uint256 private transient _payAmount;
    /// @dev This contract's balance of the route's asset before the loan.
    uint256 private transient _balanceBefore;
    /// @dev For a pool-as-lender route: this contract's balance of hop 0's output before the flash swap.
    uint256 private transient _outBefore;

    /// @notice A trade went through.
    /// @param lender The lender kind (0 Aave, 1 Balancer, 2 Uniswap V2 pair, 3 Uniswap V3 pool, 4 Algebra pool).
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
    /// @notice A Curve pool was added to or removed from the allow-list.
    /// @param pool The pool.
    /// @param allowed Whether hops may use it now.
    /// @param coins Its coins in index order, as read from the pool (empty on removal).
    event CurvePoolSet(address indexed pool, bool allowed, address[] coins);
    /// @notice The owner set an allowance given by this contract back to zero.
    /// @param token The token.
    /// @param spender The spender.
    event AllowanceRevoked(address indexed token, address indexed spender);
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
    /// @param acceptedV2Factories The Uniswap V2 factories whose pairs V2 hops may use (1 to 4), each with its
    /// pair init code hash as deployed on this chain (QuickSwap and SushiSwap differ on Polygon).
    /// @param acceptedV3Factories The factories whose Uniswap V3-code pools V3 hops may use (1 or 2), each with its
    /// pool init code hash: Uniswap V3's first, then another venue running the same code at its own factory
    /// (SushiSwap V3 on Polygon, whose init code hash is Uniswap's).
    /// @param algebraDeployer The Algebra V1 pool deployer (QuickSwap V3; it, not the factory, creates the
    /// pools) and its pool init code hash as deployed on this chain.
    constructor(
        IAavePool aavePool,
        IBalancerVault balancerVault,
        address initialOwner,
        PoolFactory[] memory acceptedV2Factories,
        PoolFactory[] memory acceptedV3Factories,
        PoolFactory memory algebraDeployer
    ) {
        if (address(aavePool) == address(0)) revert ZeroAddress("aavePool");
        if (address(balancerVault) == address(0)) revert ZeroAddress("balancerVault");
        if (initialOwner == address(0)) revert ZeroAddress("initialOwner");
        uint256 count = acceptedV2Factories.length;
        if (count == 0 || count > MAX_V2_FACTORIES) revert TooManyFactories(count, MAX_V2_FACTORIES);
        for (uint256 i; i < count; ++i) {
            _checkFactory(acceptedV2Factories[i]);
        }
        uint256 v3Count = acceptedV3Factories.length;
        if (v3Count == 0 || v3Count > MAX_V3_FACTORIES) revert TooManyFactories(v3Count, MAX_V3_FACTORIES);
        for (uint256 i; i < v3Count; ++i) {
            _checkFactory(acceptedV3Factories[i]);
        }
        _checkFactory(algebraDeployer);
        AAVE_POOL = aavePool;
        BALANCER_VAULT = balancerVault;
        UNISWAP_V3_FACTORY = acceptedV3Factories[0].factory;
        UNISWAP_V3_INIT_CODE_HASH = acceptedV3Factories[0].initCodeHash;
        if (v3Count > 1) (V3_FACTORY_1, V3_INIT_CODE_HASH_1) = (acceptedV3Factories[1].factory, acceptedV3Factories[1].initCodeHash);
        ALGEBRA_POOL_DEPLOYER = algebraDeployer.factory;
        ALGEBRA_INIT_CODE_HASH = algebraDeployer.initCodeHash;
        V2_FACTORY_0 = acceptedV2Factories[0].factory;
        V2_INIT_CODE_HASH_0 = acceptedV2Factories[0].initCodeHash;
        if (count > 1) (V2_FACTORY_1, V2_INIT_CODE_HASH_1) = (acceptedV2Factories[1].factory, acceptedV2Factories[1].initCodeHash);
        if (count > 2) (V2_FACTORY_2, V2_INIT_CODE_HASH_2) = (acceptedV2Factories[2].factory, acceptedV2Factories[2].initCodeHash);
        if (count > 3) (V2_FACTORY_3, V2_INIT_CODE_HASH_3) = (acceptedV2Factories[3].factory, acceptedV2Factories[3].initCodeHash);
        owner = initialOwner;
        emit OwnershipTransferred(address(0), initialOwner);
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    // ---- trading -----------------------------------------------------------------------------

    /// @notice Runs one arbitrage: borrow, swap along the route, repay, send the profit to the owner.
    /// @dev Reverts with a FlashArb error when the route is malformed or names a pool that is not
    /// genuine for its tokens (both before anything is borrowed), when a hop's measured output is below
    /// its minimum, or when the route returns less than loan + fee + minProfit; nothing moves then.
    /// @param route The packed route (layout in `Route`; encoded by `bot.route`).
    function execute(bytes calldata route) external {
        if (paused) revert TradingPaused();
        if (!isExecutor[msg.sender]) revert NotExecutor(msg.sender);
        if (_routeHash != 0) revert Reentered();
        route.validate();
        _checkPools(route);
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
            // The Pool pulled exactly what was approved; a token that leaves an allowance loses it here.
            TokenOps.clearAllowance(asset, address(AAVE_POOL));
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
            _flashSwap(route, lender, asset, amount);
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
        uint256 received = _runHops(params, 0, amount, false);
        uint256 owed = amount + premium;
        _settle(params, owed, premium, received);
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
        uint256 received = _runHops(userData, 0, amount, false);
        uint256 owed = amount + fee;
        address asset = _settle(userData, owed, fee, received);
        TokenOps.transfer(asset, msg.sender, owed);
    }

    /// @notice Uniswap V2 flash-swap callback. Only the pair this contract is flash-swapping with.
    /// @dev The pair has sent the first hop's output; its amount is measured as this contract's balance
    /// change (the amounts the pair reports are not used). The rest of the route runs here, then the
    /// pair is paid the route's amount of the asset (the first hop's input, fee included in its output).
    /// @param sender Who called `swap`; must be this contract.
    /// @param data The route.
    function uniswapV2Call(address sender, uint256, uint256, bytes calldata data) external {
        _accept(CALLBACK_V2_FLASH);
        if (sender != address(this)) revert BadInitiator(sender);
        _checkRoute(data);
        uint256 p = data.hop(0);
        uint256 out = _measured(Route.tokenOut(p), _outBefore);
        _checkOutput(0, out, Route.minOut(p));
        uint256 received = _runHops(data, 1, out, false);
        uint256 owed = data.amount();
        address asset = _settle(data, owed, 0, received);
        TokenOps.transfer(asset, msg.sender, owed);
    }

    /// @notice Uniswap V3 swap callback. Only the pool this contract is swapping with right now.
    /// @dev For a hop, pays the pool the hop's input, exactly as specified (a pool asking for more or
    /// less gets `PartialFill`). For a pool-as-lender route, measures the first hop's output, runs the
    /// rest of the route, then pays the pool the route's amount of the asset.
    /// @param amount0Delta The pool's token0 balance change (positive: owed to the pool).
    /// @param amount1Delta The pool's token1 balance change (positive: owed to the pool).
    /// @param data Empty for a hop; the route for a pool-as-lender route.
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external {
        _swapCallback(amount0Delta, amount1Delta, data, CALLBACK_V3_HOP, CALLBACK_V3_FLASH);
    }

    /// @notice Algebra V1 (QuickSwap V3) swap callback. Only the pool this contract is swapping with
    /// right now, which `execute` checked to be the canonical pool deployer's CREATE2 pool of the hop's
    /// tokens before anything was borrowed; any other caller gets `UnexpectedCallback`.
    /// @dev The same settlement as `uniswapV3SwapCallback`: a hop pays exactly its input; a pool-as-lender
    /// route runs the rest of the route here, then repays the pool the route's amount.
    /// @param amount0Delta The pool's token0 balance change (positive: owed to the pool).
    /// @param amount1Delta The pool's token1 balance change (positive: owed to the pool).
    /// @param data Empty for a hop; the route for a pool-as-lender route.
    function algebraSwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data) external {
        _swapCallback(amount0Delta, amount1Delta, data, CALLBACK_ALGEBRA_HOP, CALLBACK_ALGEBRA_FLASH);
    }

    /// @dev The body of both concentrated-liquidity swap callbacks; `hopTag` and `flashTag` are the
    /// callback kinds this entry point answers, so a pool of one protocol cannot use the other's.
    function _swapCallback(
        int256 amount0Delta,
        int256 amount1Delta,
        bytes calldata data,
        uint256 hopTag,
        uint256 flashTag
    ) private {
        uint256 expected = _expected;
        if (address(uint160(expected)) != msg.sender) revert UnexpectedCallback(msg.sender);
        _expected = 0;
        int256 owedDelta = amount0Delta > 0 ? amount0Delta : amount1Delta;
        uint256 owed = owedDelta > 0 ? uint256(owedDelta) : 0;
        if (expected >> 160 == hopTag) {
            uint256 amountIn = _payAmount;
            if (owed != amountIn) revert PartialFill(msg.sender, owed, amountIn);
            TokenOps.transfer(_payToken, msg.sender, owed);
            return;
        }
        if (expected >> 160 != flashTag) revert UnexpectedCallback(msg.sender);
        _checkRoute(data);
        uint256 amount = data.amount();
        if (owed != amount) revert PartialFill(msg.sender, owed, amount);
        uint256 p = data.hop(0);
        uint256 received;
        if (_recipient(p, 0, data.hopCount()) == address(this)) {
            uint256 out = _measured(Route.tokenOut(p), _outBefore);
            _checkOutput(0, out, Route.minOut(p));
            received = _runHops(data, 1, out, false);
        } else {
            // The output went straight to hop 1's pair, which measures it (and checks hop 0's minimum).
            received = _runHops(data, 1, 0, true);
        }
        address asset = _settle(data, owed, 0, received);
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

    /// @notice Adds a Curve pool to the allow-list (reading its coins from the pool), or removes it.
    /// @dev Only list pools whose code you have checked: a listed pool is trusted to pull no more than it
    /// is approved for, though its output is measured like any other. Listing again re-reads the coins.
    /// Reads `coins(uint256)`, falling back to `coins(int128)` for the oldest pools.
    /// @param pool The pool.
    /// @param allowed Whether Curve hops may use it.
    function setCurvePool(address pool, bool allowed) external onlyOwner {
        if (pool == address(0)) revert ZeroAddress("pool");
        _forgetCurvePairs(pool, _curveCoins[pool]);
        _forgetCurvePairs(pool, _curveUnderlying[pool]);
        delete _curveCoins[pool];
        delete _curveUnderlying[pool];
        address[] memory coins = new address[](0);
        if (allowed) {
            coins = _readCurveCoins(pool);
            for (uint256 i; i < coins.length; ++i) {
                for (uint256 j; j < coins.length; ++j) {
                    if (i != j) _curveHop[pool][coins[i]][coins[j]] = 1 + (i << 8 | j);
                }
            }
            _curveCoins[pool] = coins;
            // A lending pool (Polygon's aave pool) also trades its underlying coins. A pair already
            // listed as coins keeps that meaning (a metapool shares coin 0 with its underlying coins).
            address[] memory underlying = _readCurveUnderlying(pool, coins.length);
            uint256 tag = Route.CURVE_FLAG_UNDERLYING << 16;
            for (uint256 i; i < underlying.length; ++i) {
                for (uint256 j; j < underlying.length; ++j) {
                    if (i != j && _curveHop[pool][underlying[i]][underlying[j]] == 0) {
                        _curveHop[pool][underlying[i]][underlying[j]] = 1 + (tag | i << 8 | j);
                    }
                }
            }
            _curveUnderlying[pool] = underlying;
        }
        emit CurvePoolSet(pool, allowed, coins);
    }

    /// @notice Sets an allowance this contract gives `spender` on `token` to zero.
    /// @dev FlashArb leaves no allowance behind after a trade; this is for anything else (a token that
    /// does not consume allowances, or an allowance from an older version).
    /// @param token The token.
    /// @param spender The spender.
    function revokeAllowance(address token, address spender) external onlyOwner {
        TokenOps.approve(token, spender, 0);
        emit AllowanceRevoked(token, spender);
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

    // ---- views -------------------------------------------------------------------------------------

    /// @notice The accepted Uniswap V2 factories and their pair init code hashes, in constructor order.
    /// @return factories The factories.
    function v2Factories() external view returns (PoolFactory[] memory factories) {
        address[4] memory f = [V2_FACTORY_0, V2_FACTORY_1, V2_FACTORY_2, V2_FACTORY_3];
        bytes32[4] memory h = [V2_INIT_CODE_HASH_0, V2_INIT_CODE_HASH_1, V2_INIT_CODE_HASH_2, V2_INIT_CODE_HASH_3];
        uint256 count;
        while (count < MAX_V2_FACTORIES && f[count] != address(0)) ++count;
        factories = new PoolFactory[](count);
        for (uint256 i; i < count; ++i) {
            factories[i] = PoolFactory(f[i], h[i]);
        }
    }

    /// @notice The accepted Uniswap V3-code factories and their pool init code hashes, in constructor order.
    /// @return factories The factories (Uniswap V3 first).
    function v3Factories() external view returns (PoolFactory[] memory factories) {
        factories = new PoolFactory[](V3_FACTORY_1 == address(0) ? 1 : 2);
        factories[0] = PoolFactory(UNISWAP_V3_FACTORY, UNISWAP_V3_INIT_CODE_HASH);
        if (V3_FACTORY_1 != address(0)) factories[1] = PoolFactory(V3_FACTORY_1, V3_INIT_CODE_HASH_1);
    }

    /// @notice The coins of an allow-listed Curve pool in index order; empty when it is not listed.
    /// @param pool The pool.
    /// @return coins The coins.
    function curvePoolCoins(address pool) external view returns (address[] memory coins) {
        return _curveCoins[pool];
    }

    /// @notice The underlying coins of an allow-listed lending Curve pool, which hops with the
    /// exchange_underlying flag trade; empty for a plain pool or one that is not listed.
    /// @param pool The pool.
    /// @return coins The underlying coins, in the order of `curvePoolCoins`.
    function curvePoolUnderlyingCoins(address pool) external view returns (address[] memory coins) {
        return _curveUnderlying[pool];
    }

    // ---- pools ---------------------------------------------------------------------------------------

    /// @dev Reverts with `UnknownPool` unless every hop's pool is genuine for the hop's two tokens. Runs
    /// before anything is borrowed, so a bad route fails early and cheaply.
    function _checkPools(bytes calldata route) private view {
        uint256 n = route.hopCount();
        uint256 p = route.hop(0);
        address tokenIn = route.asset();
        for (uint256 i; i < n; ++i) {
            uint256 kind = Route.kind(p);
            address tokenOut = Route.tokenOut(p);
            // Balancer: the Vault itself checks that pool `poolId` holds both tokens.
            if (kind != Route.HOP_BALANCER) {
                address pool = Route.pool(p);
                bool genuine;
                if (kind == Route.HOP_UNISWAP_V2) {
                    genuine = _isV2Pair(pool, tokenIn, tokenOut);
                } else if (kind == Route.HOP_UNISWAP_V3) {
                    genuine = _isV3Pool(pool, tokenIn, tokenOut);
                } else if (kind == Route.HOP_ALGEBRA) {
                    genuine = _isCreate2(
                        pool, ALGEBRA_POOL_DEPLOYER, PoolAddress.algebraSalt(tokenIn, tokenOut), ALGEBRA_INIT_CODE_HASH
                    );
                } else {
                    (uint256 ci, uint256 cj) = Route.curveIndices(p);
                    genuine = _curveHop[pool][tokenIn][tokenOut] == 1 + (Route.curveFlags(p) << 16 | ci << 8 | cj);
                }
                if (!genuine) revert UnknownPool(i, pool, tokenIn, tokenOut);
            }
            tokenIn = tokenOut;
            p += Route.HOP_LENGTH;
        }
    }

    /// @dev Whether `pair` is the pair an accepted V2 factory creates for `tokenA` and `tokenB`.
    function _isV2Pair(address pair, address tokenA, address tokenB) private view returns (bool genuine) {
        bytes32 salt = PoolAddress.v2Salt(tokenA, tokenB);
        genuine = _isCreate2(pair, V2_FACTORY_0, salt, V2_INIT_CODE_HASH_0)
            || (V2_FACTORY_1 != address(0) && _isCreate2(pair, V2_FACTORY_1, salt, V2_INIT_CODE_HASH_1))
            || (V2_FACTORY_2 != address(0) && _isCreate2(pair, V2_FACTORY_2, salt, V2_INIT_CODE_HASH_2))
            || (V2_FACTORY_3 != address(0) && _isCreate2(pair, V2_FACTORY_3, salt, V2_INIT_CODE_HASH_3));
    }

    /// @dev Whether `pool` is what `factory` creates with `salt` from code hashing to `initCodeHash`.
    function _isCreate2(address pool, address factory, bytes32 salt, bytes32 initCodeHash)
        private
        pure
        returns (bool)
    {
        return PoolAddress.create2(factory, salt, initCodeHash) == pool;
    }

    /// @dev Whether `pool` is the pool of the two tokens that an accepted V3 factory (Uniswap V3's, or the
    /// second one) creates. The fee is read from the candidate itself: whatever a fake answers, the CREATE2
    /// address of (tokens, fee) cannot be its own.
    function _isV3Pool(address pool, address tokenA, address tokenB) private view returns (bool genuine) {
        address factory = UNISWAP_V3_FACTORY;
        bytes32 initCodeHash = UNISWAP_V3_INIT_CODE_HASH;
        address factory1 = V3_FACTORY_1;
        bytes32 initCodeHash1 = V3_INIT_CODE_HASH_1;
        assembly ("memory-safe") {
            mstore(0x00, 0xddca3f43) // fee(), right-aligned
            let ok := and(gt(returndatasize(), 0x1f), staticcall(gas(), pool, 0x1c, 0x04, 0x00, 0x20))
            let fee := mload(0x00)
            if and(ok, lt(fee, 0x1000000)) {
                // fee fits a uint24
                let m := mload(0x40) // scratch: the free memory pointer is not advanced
                // salt = keccak256(abi.encode(token0, token1, fee)), tokens sorted
                let lower := lt(tokenA, tokenB)
                mstore(m, xor(tokenB, mul(xor(tokenA, tokenB), lower))) // token0: the lower address
                mstore(add(m, 0x20), xor(tokenA, mul(xor(tokenA, tokenB), lower))) // token1
                mstore(add(m, 0x40), fee)
                let salt := keccak256(m, 0x60)
                // address = keccak256(0xff ++ factory ++ salt ++ initCodeHash)[12:]
                mstore(m, or(shl(160, 0xff), factory)) // 0xff in byte 11, the factory in bytes 12..31
                mstore(add(m, 0x20), salt)
                mstore(add(m, 0x40), initCodeHash)
                genuine := eq(and(keccak256(add(m, 0x0b), 0x55), 0xffffffffffffffffffffffffffffffffffffffff), pool)
                if and(iszero(genuine), iszero(iszero(factory1))) {
                    // the same salt under the second factory and its init code hash
                    mstore(m, or(shl(160, 0xff), factory1))
                    mstore(add(m, 0x40), initCodeHash1)
                    genuine :=
                        eq(and(keccak256(add(m, 0x0b), 0x55), 0xffffffffffffffffffffffffffffffffffffffff), pool)
                }
            }
        }
    }

    /// @dev The coins of a Curve pool, read with `coins(i)` until it fails; 2 to 8 distinct, non-zero.
    function _readCurveCoins(address pool) private view returns (address[] memory coins) {
        coins = new address[](MAX_CURVE_COINS);
        uint256 selector = 0xc6610657; // coins(uint256)
        uint256 count;
        while (count < MAX_CURVE_COINS) {
            (bool ok, address coin) = _coin(pool, selector, count);
            if (!ok && count == 0 && selector == 0xc6610657) {
                selector = 0x23746eb8; // coins(int128), the oldest pools
                continue;
            }
            if (!ok) break;
            if (coin == address(0)) revert BadCurvePool(pool, count);
            for (uint256 k; k < count; ++k) {
                if (coins[k] == coin) revert BadCurvePool(pool, count);
            }
            coins[count++] = coin;
        }
        if (count < 2) revert BadCurvePool(pool, count);
        assembly ("memory-safe") {
            mstore(coins, count) // shorten the array to the coins found
        }
    }

    /// @dev Deletes the hop entries of every ordered pair of `coins` in `pool`.
    function _forgetCurvePairs(address pool, address[] memory coins) private {
        for (uint256 i; i < coins.length; ++i) {
            for (uint256 j; j < coins.length; ++j) {
                if (i != j) delete _curveHop[pool][coins[i]][coins[j]];
            }
        }
    }

    /// @dev A lending pool's `underlying_coins(i)` for each of its `count` coins; empty when the pool
    /// has none (a plain pool: the first call fails), or when any is missing, zero or repeated.
    function _readCurveUnderlying(address pool, uint256 count) private view returns (address[] memory coins) {
        coins = new address[](count);
        for (uint256 i; i < count; ++i) {
            (bool ok, address coin) = _coin(pool, 0xb9947eb0, i); // underlying_coins(uint256)
            if (!ok || coin == address(0)) return new address[](0);
            for (uint256 k; k < i; ++k) {
                if (coins[k] == coin) return new address[](0);
            }
            coins[i] = coin;
        }
    }

    /// @dev `pool.coins(index)` with the given selector; ok is false when the call fails or returns short.
    function _coin(address pool, uint256 selector, uint256 index) private view returns (bool ok, address coin) {
        uint256 word;
        assembly ("memory-safe") {
            mstore(0x00, selector) // right-aligned selector in the first word
            mstore(0x20, index) // the argument
            ok := and(gt(returndatasize(), 0x1f), staticcall(gas(), pool, 0x1c, 0x24, 0x00, 0x20))
            word := mload(0x00)
        }
        ok = ok && word >> 160 == 0;
        coin = address(uint160(word));
    }

    /// @dev Reverts unless both parts of a factory are set.
    function _checkFactory(PoolFactory memory f) private pure {
        if (f.factory == address(0) || f.initCodeHash == 0) revert BadFactory(f.factory, f.initCodeHash);
    }

    // ---- internals -----------------------------------------------------------------------------

    /// @dev Starts a pool-as-lender route: the first hop's pool sends its output before being paid.
    function _flashSwap(bytes calldata route, uint256 lender, address asset, uint256 amount) private {
        uint256 p = route.hop(0);
        address pool = Route.pool(p);
        address tokenOut = Route.tokenOut(p);
        bool zeroForOne = asset < tokenOut;
        if (lender == Route.LENDER_UNISWAP_V2) {
            (uint256 reserveIn, uint256 reserveOut) = UniswapV2Hop.reserves(pool, zeroForOne);
            uint256 out = UniswapV2Hop.amountOut(amount, reserveIn, reserveOut, Route.v2FeeBps(p));
            _checkOutput(0, out, Route.minOut(p)); // early; the measured output is checked in the callback
            _outBefore = TokenOps.balanceOfSelf(tokenOut);
            _expect(pool, CALLBACK_V2_FLASH);
            UniswapV2Hop.flashSwap(pool, zeroForOne, out, route);
        } else {
            address to = _recipient(p, 0, route.hopCount());
            if (to == address(this)) _outBefore = TokenOps.balanceOfSelf(tokenOut);
            _expect(pool, lender == Route.LENDER_ALGEBRA ? CALLBACK_ALGEBRA_FLASH : CALLBACK_V3_FLASH);
            // An Algebra V1 pool's swap has Uniswap V3's signature and returns (selector 0x128acb08).
            UniswapV3Hop.flashSwap(pool, zeroForOne, amount, to, route);
        }
    }

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

    /// @dev How much this contract's balance of `token` grew since it was `before` (zero if it fell).
    function _measured(address token, uint256 before) private view returns (uint256) {
        uint256 balance = TokenOps.balanceOfSelf(token);
        return balance > before ? balance - before : 0;
    }

    /// @dev Where hop `i` (at `p`, of `n`) sends its output: straight to the next hop's pair when that
    /// hop is Uniswap V2 (which then measures it as balance minus reserve, as the pair itself does),
    /// else here.
    function _recipient(uint256 p, uint256 i, uint256 n) private view returns (address) {
        uint256 next = p + Route.HOP_LENGTH;
        if (i + 1 < n && Route.kind(next) == Route.HOP_UNISWAP_V2) return Route.pool(next);
        return address(this);
    }

    /// @dev Runs hops `start..` with `amountIn` of the input of hop `start` (or, with `inputAtPair`, the
    /// input already sent to hop `start`'s pair). Returns the last hop's measured output, which is what
    /// the route returned: this contract's asset balance after it, minus the balance before the loan.
    function _runHops(bytes calldata route, uint256 start, uint256 amountIn, bool inputAtPair)
        private
        returns (uint256 received)
    {
        uint256 n = route.hopCount();
        uint256 p = route.hop(start);
        address tokenIn = start == 0 ? route.asset() : Route.tokenOut(p - Route.HOP_LENGTH);
        for (uint256 i = start; i < n; ++i) {
            (amountIn, inputAtPair) = _hop(p, i, n, tokenIn, amountIn, inputAtPair);
            tokenIn = Route.tokenOut(p);
            p += Route.HOP_LENGTH;
        }
        return amountIn;
    }

    /// @dev Hop `i` (of `n`) at calldata position `p`. Returns its measured output, or (0, true) when the
    /// output went to the next hop's pair, which measures it. The last hop's output is the asset: it is
    /// measured against the asset balance before the loan (`_balanceBefore`), which makes it the route's
    /// "received" for the profit check. That never overstates the hop's output: every earlier hop spends
    /// exactly what it was given, so the asset held just before the last hop is at most `_balanceBefore`.
    function _hop(uint256 p, uint256 i, uint256 n, address tokenIn, uint256 amountIn, bool inputAtPair)
        private
        returns (uint256 out, bool outAtPair)
    {
        // A Curve pool can only pay its caller.
        address to = Route.kind(p) == Route.HOP_CURVE ? address(this) : _recipient(p, i, n);
        if (to != address(this)) {
            _swap(p, i, tokenIn, amountIn, inputAtPair, to);
            return (0, true);
        }
        uint256 before = i + 1 == n ? _balanceBefore : TokenOps.balanceOfSelf(Route.tokenOut(p));
        _swap(p, i, tokenIn, amountIn, inputAtPair, to);
        uint256 balance = TokenOps.balanceOfSelf(Route.tokenOut(p));
        out = balance > before ? balance - before : 0;
        _checkOutput(i, out, Route.minOut(p));
    }

    /// @dev Swaps `amountIn` of `tokenIn` for hop `i`'s `tokenOut` in its pool, the output to `to`.
    function _swap(uint256 p, uint256 i, address tokenIn, uint256 amountIn, bool inputAtPair, address to) private {
        uint256 kind = Route.kind(p);
        if (kind == Route.HOP_UNISWAP_V2) {
            _uniswapV2Hop(p, i, tokenIn, amountIn, inputAtPair, to);
        } else if (kind == Route.HOP_UNISWAP_V3 || kind == Route.HOP_ALGEBRA) {
            address pool = Route.pool(p);
            // An Algebra V1 pool's swap has Uniswap V3's signature and returns; only the callback differs.
            _expect(pool, kind == Route.HOP_ALGEBRA ? CALLBACK_ALGEBRA_HOP : CALLBACK_V3_HOP);
            _payToken = tokenIn;
            _payAmount = amountIn;
            // A genuine pool calls back inside `swap` or reverts; a callback left unmade would stay
            // expected, and `execute` reverts with CallbackMissing when anything is still expected at the end.
            UniswapV3Hop.swap(i, pool, tokenIn < Route.tokenOut(p), amountIn, to);
        } else if (kind == Route.HOP_BALANCER) {
            BalancerHop.swap(address(BALANCER_VAULT), Route.poolId(p), tokenIn, Route.tokenOut(p), amountIn, to);
        } else {
            (uint256 ci, uint256 cj) = Route.curveIndices(p);
            if (Route.curveFlags(p) == Route.CURVE_FLAG_UNDERLYING) {
                CurveHop.exchangeUnderlying(Route.pool(p), ci, cj, tokenIn, amountIn);
            } else {
                CurveHop.exchange(Route.pool(p), ci, cj, tokenIn, amountIn);
            }
        }
    }

    /// @dev A Uniswap V2 hop at calldata position `p`. With `inputAtPair` the previous hop sent its
    /// output straight to this pair: it is measured here as the pair's balance above its reserve (what
    /// the pair itself counts as input), and checked against the previous hop's minimum.
    function _uniswapV2Hop(uint256 p, uint256 i, address tokenIn, uint256 amountIn, bool inputAtPair, address to)
        private
    {
        address pair = Route.pool(p);
        bool zeroForOne = tokenIn < Route.tokenOut(p);
        (uint256 reserveIn, uint256 reserveOut) = UniswapV2Hop.reserves(pair, zeroForOne);
        if (inputAtPair) {
            uint256 held = TokenOps.balanceOf(tokenIn, pair);
            amountIn = held > reserveIn ? held - reserveIn : 0;
            _checkOutput(i - 1, amountIn, Route.minOut(p - Route.HOP_LENGTH));
        } else {
            TokenOps.transfer(tokenIn, pair, amountIn);
        }
        uint256 out = UniswapV2Hop.amountOut(amountIn, reserveIn, reserveOut, Route.v2FeeBps(p));
        // Sent on to the next pair, the output is measured there, one hop later: check the quote now so a
        // front-run trade stops here. Sent here, it is measured right after the swap.
        if (to != address(this)) _checkOutput(i, out, Route.minOut(p));
        UniswapV2Hop.swap(pair, zeroForOne, out, to);
    }

    /// @dev Proves the profit from `received` (the asset the route returned, measured), sends it to the
    /// owner and logs the trade; returns the asset. The caller then repays `owed` to the lender.
    function _settle(bytes calldata route, uint256 owed, uint256 fee, uint256 received)
        private
        returns (address asset)
    {
        asset = route.asset();
        uint256 minProfit = route.minProfit();
        if (received < owed + minProfit) revert InsufficientProfit(received, owed, minProfit);
        uint256 profit = received - owed;
        if (profit != 0) TokenOps.transfer(asset, owner, profit);
        emit Trade(route.lender(), asset, route.amount(), fee, profit, route.hopCount());
    }
}
