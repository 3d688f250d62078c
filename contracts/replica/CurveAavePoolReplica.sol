// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The two Aave lending-pool calls the pool makes (same selectors on Aave V2 and V3).
interface IAaveLendingPoolForCurve {
    function deposit(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external;
    function withdraw(address asset, uint256 amount, address to) external returns (uint256);
}

/// @title CurveAavePoolReplica
/// @notice A stand-in for Curve's Polygon "aave" pool (am3CRV, 0x445FE580eF8d70FF569aB36e80c647af338db351)
/// on the local Polygon replica, where no Curve bytecode can be had offline. It follows the published
/// behaviour of Curve's lending-pool template as deployed on Polygon, written anew in Solidity:
/// - three coins that are Aave aTokens (`coins`), and their underlying assets (`underlying_coins`);
///   `exchange` trades the aTokens, `exchange_underlying` the underlying assets: it takes `dx` of
///   underlying coin i, supplies it to Aave for aToken i, and has Aave pay `dy` of underlying coin j
///   out of the pool's aToken j. Both run the same math on the same balances, so an underlying amount
///   maps 1:1 to an aToken amount (`get_dy_underlying` == `get_dy`);
/// - balances are the pool's aToken balances (they grow with Aave interest) less the admin's share;
/// - A is stored times A_PRECISION = 100, and get_D adds 1 to each `x * N` divisor, as the template;
/// - the off-peg dynamic fee: fee * m / ((m - 1) * 4 * xi * xj / (xi + xj)^2 + 1) with m =
///   offpeg_fee_multiplier / 1e10, taken on the averages of the two coins' normalised balances before
///   and after the trade. At peg (xi == xj) it is `fee`; it rises towards `fee * m` off peg;
/// - exchange: dy = xp[j] - y (no extra -1), the fee taken in normalised units, then scaled down:
///   (dy - dy_fee) / PRECISION_MUL[j]; admin_fee of the fee goes to `admin_balances[j]`. get_dy
///   scales dy down first and takes the fee on the coin amount, so it may quote 1 unit off `exchange`,
///   exactly as the real pool does.
/// On real Polygon the real pool takes its place; there the wrapped coins are Aave V2 aTokens
/// (amDAI, amUSDC, amUSDT), here they are the replica's Aave V3 aTokens.
/// @dev Deliberate differences from the real pool: no A ramping, no fee/ownership timelocks, no
/// reward claiming, no kill switch, no removal of liquidity; LP shares are an internal balance (not a
/// separate ERC20) minted in proportion to the growth of D without the imbalance fee on deposits; the
/// lending pool is approved for exactly the amount supplied in each call instead of once for ever.
contract CurveAavePoolReplica {
    // ------------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------------

    /// @notice A coin or underlying coin address is zero.
    /// @param index The position of the zero address.
    error ZeroCoin(uint256 index);

    /// @notice The lending pool address is zero.
    error ZeroLendingPool();

    /// @notice aToken `coin` does not wrap `underlying` (its UNDERLYING_ASSET_ADDRESS differs).
    /// @param coin The aToken.
    /// @param underlying The underlying coin given for it.
    error NotTheUnderlying(address coin, address underlying);

    /// @notice A coin has more than 18 decimals, or `decimals()` could not be read.
    /// @param coin The coin.
    error UnsupportedDecimals(address coin);

    /// @notice The amplification coefficient is outside 1..999_999 (Curve's MAX_A is exclusive).
    /// @param a The value given.
    error InvalidA(uint256 a);

    /// @notice The fee is above 50 % (5e9 with 1e10 precision), Curve's MAX_FEE.
    /// @param fee The value given.
    error InvalidFee(uint256 fee);

    /// @notice The admin fee is above 100 % (1e10).
    /// @param adminFee The value given.
    error InvalidAdminFee(uint256 adminFee);

    /// @notice offpeg_fee_multiplier * fee exceeds MAX_FEE * 1e10: the fee off peg could pass 50 %.
    /// @param multiplier The multiplier given.
    /// @param fee The fee given.
    error InvalidOffpegFeeMultiplier(uint256 multiplier, uint256 fee);

    /// @notice A coin index is not one of the pool's.
    /// @param index The index given.
    error InvalidCoinIndex(int256 index);

    /// @notice An exchange of a coin for itself.
    /// @param index The index given twice.
    error SameCoin(int128 index);

    /// @notice The exchange would pay less than the caller's minimum.
    /// @param dy The output the exchange computed.
    /// @param minDy The caller's minimum.
    error ExchangeBelowMinimum(uint256 dy, uint256 minDy);

    /// @notice The trade cannot be computed: a coin the math divides by has a zero balance.
    /// @param index The coin whose balance is zero.
    error ZeroBalance(uint256 index);

    /// @notice The input would pay out more than the pool holds of coin j (the math underflows).
    /// @param dx The input.
    error OutputUnderflow(uint256 dx);

    /// @notice Newton's method did not converge within 255 iterations.
    error DidNotConverge();

    /// @notice The first deposit must bring every coin.
    /// @param index The coin whose amount is zero.
    error InitialDepositMissingCoin(uint256 index);

    /// @notice The deposit would mint fewer LP shares than the caller's minimum (or none).
    /// @param minted The shares the deposit would mint.
    /// @param minMint The caller's minimum.
    error MintBelowMinimum(uint256 minted, uint256 minMint);

    /// @notice A token transfer failed or returned false.
    /// @param token The token.
    error TransferFailed(address token);

    /// @notice Only the owner may do this.
    /// @param caller The caller.
    error NotOwner(address caller);

    /// @notice A call came back into the pool while it was running.
    error Reentered();

    // ------------------------------------------------------------------------------------------
    // Events (Curve's names and fields)
    // ------------------------------------------------------------------------------------------

    /// @notice An exchange of aToken `sold_id` for aToken `bought_id`.
    event TokenExchange(
        address indexed buyer, int128 sold_id, uint256 tokens_sold, int128 bought_id, uint256 tokens_bought
    );

    /// @notice An exchange of underlying coin `sold_id` for underlying coin `bought_id`.
    event TokenExchangeUnderlying(
        address indexed buyer, int128 sold_id, uint256 tokens_sold, int128 bought_id, uint256 tokens_bought
    );

    /// @notice A deposit; `fees` are all zero here (no imbalance fee), `invariant` is D after it.
    event AddLiquidity(
        address indexed provider, uint256[3] token_amounts, uint256[3] fees, uint256 invariant, uint256 token_supply
    );

    // ------------------------------------------------------------------------------------------
    // Constants and state
    // ------------------------------------------------------------------------------------------

    uint256 private constant N_COINS = 3;
    uint256 private constant PRECISION = 1e18;
    uint256 private constant FEE_DENOMINATOR = 1e10;
    uint256 private constant A_PRECISION = 100;
    uint256 private constant MAX_FEE = 5e9;
    uint256 private constant MAX_ADMIN_FEE = 1e10;
    uint256 private constant MAX_A = 1e6;
    uint256 private constant MAX_ITERATIONS = 255;

    /// @notice The Aave lending pool the coins belong to.
    address public immutable aave_lending_pool;
    uint256 private immutable MUL0;
    uint256 private immutable MUL1;
    uint256 private immutable MUL2;

    /// @notice The aTokens, in index order (Curve's `coins(i)`).
    address[3] public coins;
    /// @notice The aTokens' underlying assets, same order (Curve's `underlying_coins(i)`).
    address[3] public underlying_coins;
    /// @notice The admin's share of past fees, in aToken units, left out of `balances`.
    uint256[3] public admin_balances;

    /// @notice The swap fee at peg, 1e10 precision (4_000_000 = 0.04 %).
    uint256 public fee;
    /// @notice The off-peg fee multiplier, 1e10 precision (2e10 = the fee can reach twice `fee`).
    uint256 public offpeg_fee_multiplier;
    /// @notice The admin's share of each fee, 1e10 precision (5e9 = 50 %).
    uint256 public admin_fee;
    /// @notice Who may withdraw the admin fees.
    address public owner;

    /// @notice A * A_PRECISION (no ramping here, so initial_A == future_A).
    uint256 public initial_A;
    /// @notice A * A_PRECISION.
    uint256 public future_A;

    /// @notice Total LP shares minted (internal accounting).
    uint256 public totalSupply;
    /// @notice LP shares per depositor (internal accounting).
    mapping(address => uint256) public balanceOf;

    bool private _locked;

    modifier nonReentrant() {
        if (_locked) revert Reentered();
        _locked = true;
        _;
        _locked = false;
    }

    /// @param coins_ The aTokens (wrapped coins), three, each with at most 18 decimals.
    /// @param underlyingCoins The aTokens' underlying assets, same order.
    /// @param lendingPool The Aave pool that mints and burns the aTokens.
    /// @param a The amplification coefficient as `A()` returns it (200 on Polygon).
    /// @param fee_ The fee at peg, 1e10 precision (4_000_000 on Polygon).
    /// @param adminFee The admin's share of the fee, 1e10 precision (5e9 on Polygon).
    /// @param offpegFeeMultiplier The off-peg multiplier, 1e10 precision (2e10 on Polygon).
    constructor(
        address[3] memory coins_,
        address[3] memory underlyingCoins,
        address lendingPool,
        uint256 a,
        uint256 fee_,
        uint256 adminFee,
        uint256 offpegFeeMultiplier
    ) {
        if (lendingPool == address(0)) revert ZeroLendingPool();
        if (a == 0 || a >= MAX_A) revert InvalidA(a);
        if (fee_ > MAX_FEE) revert InvalidFee(fee_);
        if (adminFee > MAX_ADMIN_FEE) revert InvalidAdminFee(adminFee);
        if (offpegFeeMultiplier * fee_ > MAX_FEE * FEE_DENOMINATOR) {
            revert InvalidOffpegFeeMultiplier(offpegFeeMultiplier, fee_);
        }
        uint256[3] memory mul;
        for (uint256 k = 0; k < N_COINS; ++k) {
            if (coins_[k] == address(0) || underlyingCoins[k] == address(0)) revert ZeroCoin(k);
            (bool ok, bytes memory ret) = coins_[k].staticcall(abi.encodeWithSignature("UNDERLYING_ASSET_ADDRESS()"));
            if (!ok || ret.length < 32 || abi.decode(ret, (address)) != underlyingCoins[k]) {
                revert NotTheUnderlying(coins_[k], underlyingCoins[k]);
            }
            mul[k] = 10 ** (18 - _decimals(underlyingCoins[k]));
        }
        coins = coins_;
        underlying_coins = underlyingCoins;
        aave_lending_pool = lendingPool;
        (MUL0, MUL1, MUL2) = (mul[0], mul[1], mul[2]);
        initial_A = a * A_PRECISION;
        future_A = a * A_PRECISION;
        fee = fee_;
        admin_fee = adminFee;
        offpeg_fee_multiplier = offpegFeeMultiplier;
        owner = msg.sender;
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @notice The amplification coefficient, as Curve's `A()` (without A_PRECISION).
    /// @return The coefficient.
    function A() external view returns (uint256) {
        return future_A / A_PRECISION;
    }

    /// @notice The amplification coefficient times A_PRECISION (100), as Curve's `A_precise()`.
    /// @return The coefficient as the invariant uses it.
    function A_precise() external view returns (uint256) {
        return future_A;
    }

    /// @notice This pool keeps its LP shares itself.
    /// @return The pool's own address.
    function lp_token() external view returns (address) {
        return address(this);
    }

    /// @notice The pool's balance of aToken `i` less the admin's share: what exchanges account for.
    /// @param i The index.
    /// @return The balance in aToken units.
    function balances(uint256 i) external view returns (uint256) {
        if (i >= N_COINS) revert InvalidCoinIndex(int256(i));
        return _balance(i);
    }

    /// @notice The fee an exchange between `i` and `j` would pay at the current balances (before the
    /// trade moves them), as Curve's `dynamic_fee`.
    /// @param i The index of the coin sold.
    /// @param j The index of the coin bought.
    /// @return The fee, 1e10 precision.
    function dynamic_fee(int128 i, int128 j) external view returns (uint256) {
        (uint256 ui, uint256 uj) = _indices(i, j);
        uint256[3] memory mul = _precisionMul();
        return _dynamicFee(_balance(ui) * mul[ui], _balance(uj) * mul[uj], fee, offpeg_fee_multiplier);
    }

    /// @notice The output `exchange(i, j, dx, ...)` pays, as Curve's `get_dy` computes it.
    /// @dev The fee is taken after scaling to coin j's units here and before in `exchange`: the two can
    /// differ by one unit of coin j, as on the real pool.
    /// @param i The index of the coin sold.
    /// @param j The index of the coin bought.
    /// @param dx The input in coin i's units.
    /// @return The output in coin j's units.
    function get_dy(int128 i, int128 j, uint256 dx) external view returns (uint256) {
        return _getDyView(i, j, dx);
    }

    /// @notice The output `exchange_underlying(i, j, dx, ...)` pays: the same as `get_dy`, since an
    /// underlying amount is the same number of aToken units.
    /// @param i The index of the underlying coin sold.
    /// @param j The index of the underlying coin bought.
    /// @param dx The input in underlying coin i's units.
    /// @return The output in underlying coin j's units.
    function get_dy_underlying(int128 i, int128 j, uint256 dx) external view returns (uint256) {
        return _getDyView(i, j, dx);
    }

    /// @notice The value of one LP share in normalised units: D * 1e18 / totalSupply.
    /// @return The virtual price; 0 before the first deposit.
    function get_virtual_price() external view returns (uint256) {
        uint256 supply = totalSupply;
        if (supply == 0) return 0;
        return _getD(_xp(), future_A) * PRECISION / supply;
    }

    // ------------------------------------------------------------------------------------------
    // Actions
    // ------------------------------------------------------------------------------------------

    /// @notice Sells `dx` of aToken `i` for aToken `j`. Pulls `dx` with `transferFrom` (approve it
    /// first) and sends the output to the caller.
    /// @param i The index of the coin sold.
    /// @param j The index of the coin bought.
    /// @param dx The input in aToken i's units.
    /// @param min_dy The least output the caller accepts.
    /// @return dy The output sent.
    function exchange(int128 i, int128 j, uint256 dx, uint256 min_dy) external nonReentrant returns (uint256 dy) {
        (uint256 ui, uint256 uj) = _indices(i, j);
        dy = _exchange(ui, uj, dx);
        if (dy < min_dy) revert ExchangeBelowMinimum(dy, min_dy);
        _pull(coins[ui], msg.sender, dx);
        _push(coins[uj], msg.sender, dy);
        emit TokenExchange(msg.sender, i, dx, j, dy);
    }

    /// @notice Sells `dx` of underlying coin `i` for underlying coin `j`: pulls `dx` with
    /// `transferFrom` (approve it first), supplies it to Aave for aToken i, and has Aave withdraw `dy`
    /// of coin j from the pool's aToken j straight to the caller.
    /// @param i The index of the underlying coin sold.
    /// @param j The index of the underlying coin bought.
    /// @param dx The input in underlying coin i's units.
    /// @param min_dy The least output the caller accepts.
    /// @return dy The output sent.
    function exchange_underlying(int128 i, int128 j, uint256 dx, uint256 min_dy)
        external
        nonReentrant
        returns (uint256 dy)
    {
        (uint256 ui, uint256 uj) = _indices(i, j);
        dy = _exchange(ui, uj, dx);
        if (dy < min_dy) revert ExchangeBelowMinimum(dy, min_dy);
        address coinIn = underlying_coins[ui];
        _pull(coinIn, msg.sender, dx);
        _approve(coinIn, aave_lending_pool, dx);
        IAaveLendingPoolForCurve(aave_lending_pool).deposit(coinIn, dx, address(this), 0);
        IAaveLendingPoolForCurve(aave_lending_pool).withdraw(underlying_coins[uj], dy, msg.sender);
        emit TokenExchangeUnderlying(msg.sender, i, dx, j, dy);
    }

    /// @notice Deposits aTokens (or, with `use_underlying`, underlying coins supplied to Aave on the
    /// pool's behalf) and mints LP shares: D after the first deposit, totalSupply * (D1 - D0) / D0 after.
    /// @param amounts The amount of each coin.
    /// @param min_mint_amount The least number of shares the caller accepts.
    /// @param use_underlying True to deposit the underlying coins.
    /// @return minted The shares minted.
    function add_liquidity(uint256[3] calldata amounts, uint256 min_mint_amount, bool use_underlying)
        external
        nonReentrant
        returns (uint256 minted)
    {
        uint256 supply = totalSupply;
        uint256 amp = future_A;
        uint256[3] memory mul = _precisionMul();
        uint256[3] memory xp;
        uint256 d0 = 0;
        if (supply != 0) d0 = _getD(_xp(), amp);
        for (uint256 k = 0; k < N_COINS; ++k) {
            if (supply == 0 && amounts[k] == 0) revert InitialDepositMissingCoin(k);
            xp[k] = (_balance(k) + amounts[k]) * mul[k];
        }
        uint256 d1 = _getD(xp, amp);
        minted = supply == 0 ? d1 : supply * (d1 - d0) / d0;
        if (minted == 0 || minted < min_mint_amount) revert MintBelowMinimum(minted, min_mint_amount);
        totalSupply = supply + minted;
        balanceOf[msg.sender] += minted;
        for (uint256 k = 0; k < N_COINS; ++k) {
            uint256 amount = amounts[k];
            if (amount == 0) continue;
            if (use_underlying) {
                address coin = underlying_coins[k];
                _pull(coin, msg.sender, amount);
                _approve(coin, aave_lending_pool, amount);
                IAaveLendingPoolForCurve(aave_lending_pool).deposit(coin, amount, address(this), 0);
            } else {
                _pull(coins[k], msg.sender, amount);
            }
        }
        uint256[3] memory noFees;
        emit AddLiquidity(msg.sender, amounts, noFees, d1, supply + minted);
    }

    /// @notice Sends the admin's share of past fees (in aTokens) to the owner.
    function withdraw_admin_fees() external nonReentrant {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        for (uint256 k = 0; k < N_COINS; ++k) {
            uint256 value = admin_balances[k];
            if (value != 0) {
                admin_balances[k] = 0;
                _push(coins[k], msg.sender, value);
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // StableSwap math
    // ------------------------------------------------------------------------------------------

    /// @dev The exchange's output in coin j's units, recording the admin's share of the fee.
    function _exchange(uint256 i, uint256 j, uint256 dx) private returns (uint256) {
        uint256[3] memory mul = _precisionMul();
        uint256[3] memory xp = _xp();
        uint256 x = xp[i] + dx * mul[i];
        uint256 y = _getY(i, j, x, xp);
        if (xp[j] < y) revert OutputUnderflow(dx);
        uint256 dy = xp[j] - y;
        uint256 dyFee = dy * _dynamicFee((xp[i] + x) / 2, (xp[j] + y) / 2, fee, offpeg_fee_multiplier)
            / FEE_DENOMINATOR;
        uint256 adminShare = admin_fee;
        if (adminShare != 0) {
            uint256 dyAdminFee = dyFee * adminShare / FEE_DENOMINATOR;
            if (dyAdminFee != 0) admin_balances[j] += dyAdminFee / mul[j];
        }
        return (dy - dyFee) / mul[j];
    }

    /// @dev get_dy: dy scaled to coin j's units first, the fee taken on that.
    function _getDyView(int128 i, int128 j, uint256 dx) private view returns (uint256) {
        (uint256 ui, uint256 uj) = _indices(i, j);
        uint256[3] memory mul = _precisionMul();
        uint256[3] memory xp = _xp();
        uint256 x = xp[ui] + dx * mul[ui];
        uint256 y = _getY(ui, uj, x, xp);
        if (xp[uj] < y) revert OutputUnderflow(dx);
        uint256 dy = (xp[uj] - y) / mul[uj];
        uint256 dyFee =
            _dynamicFee((xp[ui] + x) / 2, (xp[uj] + y) / 2, fee, offpeg_fee_multiplier) * dy / FEE_DENOMINATOR;
        return dy - dyFee;
    }

    /// @dev fee * m / ((m - 1) * 4 * xi * xj / (xi + xj)^2 + 1), all in 1e10 precision; `fee` when the
    /// multiplier is at most 1.
    function _dynamicFee(uint256 xpi, uint256 xpj, uint256 fee_, uint256 feemul) private pure returns (uint256) {
        if (feemul <= FEE_DENOMINATOR) return fee_;
        uint256 xps2 = xpi + xpj;
        xps2 *= xps2;
        return feemul * fee_ / ((feemul - FEE_DENOMINATOR) * 4 * xpi * xpj / xps2 + FEE_DENOMINATOR);
    }

    /// @dev The invariant D by Newton's method from D = sum(xp); each x * N divisor is x * N + 1.
    function _getD(uint256[3] memory xp, uint256 amp) private pure returns (uint256) {
        uint256 s = xp[0] + xp[1] + xp[2];
        if (s == 0) return 0;
        uint256 d = s;
        uint256 ann = amp * N_COINS;
        for (uint256 it = 0; it < MAX_ITERATIONS; ++it) {
            uint256 dP = d;
            for (uint256 k = 0; k < N_COINS; ++k) {
                dP = dP * d / (xp[k] * N_COINS + 1);
            }
            uint256 dPrev = d;
            d = (ann * s / A_PRECISION + dP * N_COINS) * d
                / ((ann - A_PRECISION) * d / A_PRECISION + (N_COINS + 1) * dP);
            if (d > dPrev ? d - dPrev <= 1 : dPrev - d <= 1) return d;
        }
        revert DidNotConverge();
    }

    /// @dev The normalised balance of coin j once coin i's is x, with D held constant.
    function _getY(uint256 i, uint256 j, uint256 x, uint256[3] memory xp) private view returns (uint256) {
        uint256 amp = future_A;
        uint256 d = _getD(xp, amp);
        uint256 ann = amp * N_COINS;
        uint256 c = d;
        uint256 s = 0;
        for (uint256 k = 0; k < N_COINS; ++k) {
            uint256 xk;
            if (k == i) xk = x;
            else if (k != j) xk = xp[k];
            else continue;
            if (xk == 0) revert ZeroBalance(k);
            s += xk;
            c = c * d / (xk * N_COINS);
        }
        c = c * d * A_PRECISION / (ann * N_COINS);
        uint256 b = s + d * A_PRECISION / ann;
        uint256 y = d;
        for (uint256 it = 0; it < MAX_ITERATIONS; ++it) {
            uint256 yPrev = y;
            y = (y * y + c) / (2 * y + b - d);
            if (y > yPrev ? y - yPrev <= 1 : yPrev - y <= 1) return y;
        }
        revert DidNotConverge();
    }

    // ------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------

    function _precisionMul() private view returns (uint256[3] memory mul) {
        mul = [MUL0, MUL1, MUL2];
    }

    /// @dev aToken balance less the admin's share.
    function _balance(uint256 i) private view returns (uint256) {
        (bool ok, bytes memory ret) =
            coins[i].staticcall(abi.encodeWithSignature("balanceOf(address)", address(this)));
        if (!ok || ret.length < 32) revert TransferFailed(coins[i]);
        return abi.decode(ret, (uint256)) - admin_balances[i];
    }

    /// @dev Balances in normalised (18-decimal) units.
    function _xp() private view returns (uint256[3] memory xp) {
        uint256[3] memory mul = _precisionMul();
        for (uint256 k = 0; k < N_COINS; ++k) {
            xp[k] = _balance(k) * mul[k];
        }
    }

    /// @dev Checks and converts Curve's int128 indices.
    function _indices(int128 i, int128 j) private pure returns (uint256, uint256) {
        if (i < 0 || uint256(int256(i)) >= N_COINS) revert InvalidCoinIndex(i);
        if (j < 0 || uint256(int256(j)) >= N_COINS) revert InvalidCoinIndex(j);
        if (i == j) revert SameCoin(i);
        return (uint256(int256(i)), uint256(int256(j)));
    }

    /// @dev The coin's decimals; reverts UnsupportedDecimals if unreadable or above 18.
    function _decimals(address coin) private view returns (uint256 dec) {
        (bool ok, bytes memory ret) = coin.staticcall(abi.encodeWithSignature("decimals()"));
        if (!ok || ret.length < 32) revert UnsupportedDecimals(coin);
        dec = abi.decode(ret, (uint256));
        if (dec > 18) revert UnsupportedDecimals(coin);
    }

    /// @dev transferFrom that accepts tokens returning nothing or true.
    function _pull(address token, address from, uint256 amount) private {
        (bool ok, bytes memory ret) =
            token.call(abi.encodeWithSignature("transferFrom(address,address,uint256)", from, address(this), amount));
        if (!ok || (ret.length != 0 && !abi.decode(ret, (bool)))) revert TransferFailed(token);
    }

    /// @dev transfer that accepts tokens returning nothing or true.
    function _push(address token, address to, uint256 amount) private {
        (bool ok, bytes memory ret) = token.call(abi.encodeWithSignature("transfer(address,uint256)", to, amount));
        if (!ok || (ret.length != 0 && !abi.decode(ret, (bool)))) revert TransferFailed(token);
    }

    /// @dev approve that accepts tokens returning nothing or true.
    function _approve(address token, address spender, uint256 amount) private {
        (bool ok, bytes memory ret) =
            token.call(abi.encodeWithSignature("approve(address,uint256)", spender, amount));
        if (!ok || (ret.length != 0 && !abi.decode(ret, (bool)))) revert TransferFailed(token);
    }
}
