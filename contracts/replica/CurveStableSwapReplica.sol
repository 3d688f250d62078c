// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title CurveStableSwapReplica
/// @notice A stand-in for a Curve StableSwap pool on the local Polygon replica, where no Curve
/// bytecode can be had offline. It implements Curve's published StableSwap invariant the way Curve's
/// plain-pool template computes it (A stored times A_PRECISION = 100, rates from each coin's decimals,
/// the swap fee taken from the output before it is scaled back to the coin's units) and the subset of
/// the pool ABI that the bot and FlashArb use: `coins`, `balances`, `A`, `fee`, `get_dy`, `exchange`,
/// `add_liquidity`, `get_virtual_price`. bot/amm/curve_stableswap.py computes the same integers.
/// On real Polygon the real Curve pools take its place.
/// @dev Differences from a real pool, all deliberate: no admin fee (it is 0), no A ramping, no
/// removal of liquidity, and minimal LP accounting: LP shares are an internal balance (not an ERC20
/// token) minted in proportion to the growth of D, without Curve's imbalance fee on deposits.
/// Coins must be plain ERC20s that move exactly the amount asked (no fee-on-transfer or rebasing).
contract CurveStableSwapReplica {
    // ------------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------------

    /// @notice The pool was constructed with a number of coins outside 2..4.
    /// @param count The number of coins given.
    error InvalidCoinCount(uint256 count);

    /// @notice A coin address is zero.
    /// @param index The position of the zero address.
    error ZeroCoin(uint256 index);

    /// @notice The same coin appears twice.
    /// @param coin The repeated coin.
    error DuplicateCoin(address coin);

    /// @notice A coin has more than 18 decimals, or `decimals()` could not be read.
    /// @param coin The coin.
    error UnsupportedDecimals(address coin);

    /// @notice The amplification coefficient is outside 1..1_000_000.
    /// @param a The value given.
    error InvalidA(uint256 a);

    /// @notice The fee is not below 50 % (5e9 with 1e10 precision), as Curve's MAX_FEE.
    /// @param fee The value given.
    error InvalidFee(uint256 fee);

    /// @notice A coin index is not one of the pool's.
    /// @param index The index given.
    /// @param coinCount The number of coins in the pool.
    error InvalidCoinIndex(int256 index, uint256 coinCount);

    /// @notice An exchange of a coin for itself.
    /// @param index The index given twice.
    error SameCoin(int128 index);

    /// @notice The exchange would pay less than the caller's minimum.
    /// @param dy The output the exchange computed.
    /// @param minDy The caller's minimum.
    error ExchangeBelowMinimum(uint256 dy, uint256 minDy);

    /// @notice The input is too small to move the invariant: the output computes below zero.
    /// @param dx The input.
    error InputTooSmall(uint256 dx);

    /// @notice A computation needs every coin balance to be non-zero (the pool is empty).
    /// @param index The coin whose balance is zero.
    error ZeroBalance(uint256 index);

    /// @notice Newton's method did not converge within 255 iterations.
    error DidNotConverge();

    /// @notice The amounts array does not have one entry per coin.
    /// @param length The array's length.
    /// @param coinCount The number of coins in the pool.
    error AmountsLengthMismatch(uint256 length, uint256 coinCount);

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

    /// @notice A call came back into the pool while it was running.
    error Reentered();

    // ------------------------------------------------------------------------------------------
    // Events (Curve's names and fields)
    // ------------------------------------------------------------------------------------------

    /// @notice An exchange of `tokens_sold` of coin `sold_id` for `tokens_bought` of coin `bought_id`.
    event TokenExchange(
        address indexed buyer, int128 sold_id, uint256 tokens_sold, int128 bought_id, uint256 tokens_bought
    );

    /// @notice A deposit of `token_amounts` that minted LP shares; `invariant` is D after it and
    /// `token_supply` the total LP shares after it.
    event AddLiquidity(address indexed provider, uint256[] token_amounts, uint256 invariant, uint256 token_supply);

    // ------------------------------------------------------------------------------------------
    // Constants and state
    // ------------------------------------------------------------------------------------------

    /// @notice Fixed point precision of the normalised balances.
    uint256 private constant PRECISION = 1e18;
    /// @notice Precision of `fee` (1e10 = 100 %).
    uint256 private constant FEE_DENOMINATOR = 1e10;
    /// @notice A is stored and used multiplied by this, as in Curve's plain-pool template.
    uint256 private constant A_PRECISION = 100;
    /// @notice Curve's MAX_FEE: 50 %.
    uint256 private constant MAX_FEE = 5e9;
    /// @notice Curve's MAX_A.
    uint256 private constant MAX_A = 1e6;
    /// @notice Most coins a pool may hold.
    uint256 private constant MAX_COINS = 4;
    /// @notice Newton iterations before giving up, as Curve.
    uint256 private constant MAX_ITERATIONS = 255;

    /// @notice Number of coins.
    uint256 private immutable N;
    /// @notice A * A_PRECISION.
    uint256 private immutable AMP;
    /// @notice The swap fee with 1e10 precision (1_000_000 = 0.01 %).
    uint256 public immutable fee;

    address[] private _coins;
    /// @dev 10 ** (18 - decimals) per coin: Curve's PRECISION_MUL.
    uint256[] private _precisionMul;
    uint256[] private _balances;

    /// @notice Total LP shares minted (internal accounting, not an ERC20).
    uint256 public totalSupply;
    /// @notice LP shares per depositor (internal accounting, not an ERC20).
    mapping(address => uint256) public lpBalanceOf;

    bool private _locked;

    modifier nonReentrant() {
        if (_locked) revert Reentered();
        _locked = true;
        _;
        _locked = false;
    }

    /// @param coins_ The pool's coins, 2 to 4 distinct ERC20s with at most 18 decimals.
    /// @param a The amplification coefficient as Curve's `A()` returns it (e.g. 200).
    /// @param fee_ The swap fee with 1e10 precision (1_000_000 = 0.01 %).
    constructor(address[] memory coins_, uint256 a, uint256 fee_) {
        uint256 n = coins_.length;
        if (n < 2 || n > MAX_COINS) revert InvalidCoinCount(n);
        if (a == 0 || a > MAX_A) revert InvalidA(a);
        if (fee_ >= MAX_FEE) revert InvalidFee(fee_);
        for (uint256 k = 0; k < n; ++k) {
            address coin = coins_[k];
            if (coin == address(0)) revert ZeroCoin(k);
            for (uint256 m = 0; m < k; ++m) {
                if (coins_[m] == coin) revert DuplicateCoin(coin);
            }
            _coins.push(coin);
            _precisionMul.push(10 ** (18 - _decimals(coin)));
            _balances.push(0);
        }
        N = n;
        AMP = a * A_PRECISION;
        fee = fee_;
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @notice The coin at index `i`.
    /// @param i The index.
    /// @return The coin's address.
    function coins(uint256 i) external view returns (address) {
        if (i >= N) revert InvalidCoinIndex(int256(i), N);
        return _coins[i];
    }

    /// @notice The pool's balance of coin `i` in the coin's units (what exchanges account for).
    /// @param i The index.
    /// @return The balance.
    function balances(uint256 i) external view returns (uint256) {
        if (i >= N) revert InvalidCoinIndex(int256(i), N);
        return _balances[i];
    }

    /// @notice The amplification coefficient, as Curve's `A()` (without A_PRECISION).
    /// @return The coefficient.
    function A() external view returns (uint256) {
        return AMP / A_PRECISION;
    }

    /// @notice The amplification coefficient times A_PRECISION (100), as Curve's `A_precise()`.
    /// @return The coefficient as the invariant uses it.
    function A_precise() external view returns (uint256) {
        return AMP;
    }

    /// @notice The admin's share of the fee, with 1e10 precision: always 0 here.
    /// @return Zero.
    function admin_fee() external pure returns (uint256) {
        return 0;
    }

    /// @notice The output `exchange(i, j, dx, ...)` pays now, fee deducted.
    /// @param i The index of the coin sold.
    /// @param j The index of the coin bought.
    /// @param dx The input in coin `i`'s units.
    /// @return The output in coin `j`'s units.
    function get_dy(int128 i, int128 j, uint256 dx) external view returns (uint256) {
        (uint256 ui, uint256 uj) = _indices(i, j);
        return _exchangeOutput(ui, uj, dx);
    }

    /// @notice The value of one LP share in the pool's normalised units (1e18 = one dollar of a
    /// balanced pool), as Curve's `get_virtual_price`: D / totalSupply.
    /// @return The virtual price with 18 decimals; 0 before the first deposit.
    function get_virtual_price() external view returns (uint256) {
        uint256 supply = totalSupply;
        if (supply == 0) return 0;
        return _getD(_xp(), AMP) * PRECISION / supply;
    }

    // ------------------------------------------------------------------------------------------
    // Actions
    // ------------------------------------------------------------------------------------------

    /// @notice Sells `dx` of coin `i` for coin `j`. Pulls `dx` from the caller with `transferFrom`
    /// (approve it first) and sends the output to the caller.
    /// @param i The index of the coin sold.
    /// @param j The index of the coin bought.
    /// @param dx The input in coin `i`'s units.
    /// @param min_dy The least output the caller accepts.
    /// @return dy The output sent, in coin `j`'s units.
    function exchange(int128 i, int128 j, uint256 dx, uint256 min_dy) external nonReentrant returns (uint256 dy) {
        (uint256 ui, uint256 uj) = _indices(i, j);
        dy = _exchangeOutput(ui, uj, dx);
        if (dy < min_dy) revert ExchangeBelowMinimum(dy, min_dy);
        // The fee stays in the pool for the LPs (no admin share): coin j's balance drops by dy only.
        _balances[ui] += dx;
        _balances[uj] -= dy;
        _pull(_coins[ui], msg.sender, dx);
        _push(_coins[uj], msg.sender, dy);
        emit TokenExchange(msg.sender, i, dx, j, dy);
    }

    /// @notice Deposits `amounts` (one entry per coin, pulled with `transferFrom`) and mints LP shares
    /// to the caller: D after the deposit on the first one, totalSupply * (D1 - D0) / D0 afterwards.
    /// @dev Minimal accounting: no imbalance fee, and the shares are an internal balance.
    /// @param amounts The amount of each coin, in its units.
    /// @param min_mint_amount The least number of shares the caller accepts.
    /// @return minted The shares minted.
    function add_liquidity(uint256[] calldata amounts, uint256 min_mint_amount)
        external
        nonReentrant
        returns (uint256 minted)
    {
        uint256 n = N;
        if (amounts.length != n) revert AmountsLengthMismatch(amounts.length, n);
        uint256 supply = totalSupply;
        uint256 d0 = supply == 0 ? 0 : _getD(_xp(), AMP);
        for (uint256 k = 0; k < n; ++k) {
            if (supply == 0 && amounts[k] == 0) revert InitialDepositMissingCoin(k);
            _balances[k] += amounts[k];
        }
        uint256 d1 = _getD(_xp(), AMP);
        minted = supply == 0 ? d1 : supply * (d1 - d0) / d0;
        if (minted == 0 || minted < min_mint_amount) revert MintBelowMinimum(minted, min_mint_amount);
        totalSupply = supply + minted;
        lpBalanceOf[msg.sender] += minted;
        for (uint256 k = 0; k < n; ++k) {
            if (amounts[k] != 0) _pull(_coins[k], msg.sender, amounts[k]);
        }
        emit AddLiquidity(msg.sender, amounts, d1, supply + minted);
    }

    // ------------------------------------------------------------------------------------------
    // StableSwap math (Curve's get_D / get_y, same operations in the same order)
    // ------------------------------------------------------------------------------------------

    /// @dev Output of selling dx of coin i for coin j, in coin j's units. As Curve: dy = xp[j] - y - 1,
    /// fee = dy * fee / 1e10, output = (dy - fee) / PRECISION_MUL[j].
    function _exchangeOutput(uint256 i, uint256 j, uint256 dx) private view returns (uint256 dy) {
        uint256[] memory xp = _xp();
        uint256 x = xp[i] + dx * _precisionMul[i];
        uint256 y = _getY(i, j, x, xp);
        if (xp[j] < y + 1) revert InputTooSmall(dx);
        uint256 dyNorm = xp[j] - y - 1; // the -1 rounds in the pool's favour
        uint256 dyFee = dyNorm * fee / FEE_DENOMINATOR;
        dy = (dyNorm - dyFee) / _precisionMul[j];
    }

    /// @dev Balances in normalised (18-decimal) units.
    function _xp() private view returns (uint256[] memory xp) {
        uint256 n = N;
        xp = new uint256[](n);
        for (uint256 k = 0; k < n; ++k) {
            xp[k] = _balances[k] * _precisionMul[k];
        }
    }

    /// @dev The invariant D by Newton's method from D = sum(xp), until it moves by at most 1.
    function _getD(uint256[] memory xp, uint256 amp) private pure returns (uint256) {
        uint256 n = xp.length;
        uint256 s = 0;
        for (uint256 k = 0; k < n; ++k) {
            s += xp[k];
        }
        if (s == 0) return 0;
        uint256 d = s;
        uint256 ann = amp * n;
        for (uint256 it = 0; it < MAX_ITERATIONS; ++it) {
            uint256 dP = d;
            for (uint256 k = 0; k < n; ++k) {
                if (xp[k] == 0) revert ZeroBalance(k);
                dP = dP * d / (xp[k] * n);
            }
            uint256 dPrev = d;
            d = (ann * s / A_PRECISION + dP * n) * d / ((ann - A_PRECISION) * d / A_PRECISION + (n + 1) * dP);
            if (d > dPrev ? d - dPrev <= 1 : dPrev - d <= 1) return d;
        }
        revert DidNotConverge();
    }

    /// @dev The normalised balance of coin j once coin i's is x, with D held constant.
    function _getY(uint256 i, uint256 j, uint256 x, uint256[] memory xp) private view returns (uint256) {
        uint256 amp = AMP;
        uint256 d = _getD(xp, amp);
        uint256 n = xp.length;
        uint256 ann = amp * n;
        uint256 c = d;
        uint256 s = 0;
        for (uint256 k = 0; k < n; ++k) {
            uint256 xk;
            if (k == i) xk = x;
            else if (k != j) xk = xp[k];
            else continue;
            if (xk == 0) revert ZeroBalance(k);
            s += xk;
            c = c * d / (xk * n);
        }
        c = c * d * A_PRECISION / (ann * n);
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

    /// @dev Checks and converts Curve's int128 indices.
    function _indices(int128 i, int128 j) private view returns (uint256, uint256) {
        uint256 n = N;
        if (i < 0 || uint256(int256(i)) >= n) revert InvalidCoinIndex(i, n);
        if (j < 0 || uint256(int256(j)) >= n) revert InvalidCoinIndex(j, n);
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
}
