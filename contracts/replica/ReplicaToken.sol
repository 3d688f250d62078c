// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ReplicaToken
/// @notice A plain ERC20 that stands in for a Polygon token on the local Polygon replica, placed at the
/// token's real address with its real name, symbol and decimals. Only the replica builder deploys it:
/// on real Polygon the real token lives at that address.
/// @dev Transfers follow the ERC20 standard with no fees, hooks or rebasing. An allowance of
/// type(uint256).max is never decreased, as in most production tokens.
contract ReplicaToken {
    /// @notice The sender's balance is below the amount moved.
    /// @param account The account whose balance is short.
    /// @param balance Its balance.
    /// @param needed The amount the call needed.
    error InsufficientBalance(address account, uint256 balance, uint256 needed);

    /// @notice The spender's allowance is below the amount moved.
    /// @param owner The account whose tokens are moved.
    /// @param spender The caller.
    /// @param allowance The allowance granted.
    /// @param needed The amount the call needed.
    error InsufficientAllowance(address owner, address spender, uint256 allowance, uint256 needed);

    /// @notice Only the minter may mint.
    /// @param caller The account that tried.
    error NotMinter(address caller);

    /// @notice Tokens cannot be sent to or minted for the zero address.
    error ZeroAddress();

    /// @notice Emitted when `value` tokens move from `from` to `to` (zero address for mints).
    event Transfer(address indexed from, address indexed to, uint256 value);

    /// @notice Emitted when `owner` sets `spender`'s allowance to `value`.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice The token's name, e.g. "USD Coin".
    string public name;
    /// @notice The token's symbol, e.g. "USDC".
    string public symbol;
    /// @notice The number of decimals of an amount.
    uint8 public immutable decimals;
    /// @notice The account allowed to mint (the replica admin).
    address public immutable minter;
    /// @notice The sum of all balances.
    uint256 public totalSupply;
    /// @notice Balance per account.
    mapping(address account => uint256) public balanceOf;
    /// @notice Allowance per owner and spender.
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    /// @param name_ The real token's name.
    /// @param symbol_ The real token's symbol.
    /// @param decimals_ The real token's decimals.
    /// @param minter_ The account allowed to mint.
    constructor(string memory name_, string memory symbol_, uint8 decimals_, address minter_) {
        if (minter_ == address(0)) revert ZeroAddress();
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
        minter = minter_;
    }

    /// @notice Create `amount` tokens for `to`.
    /// @param to The receiver.
    /// @param amount The amount, in the token's smallest unit.
    function mint(address to, uint256 amount) external {
        if (msg.sender != minter) revert NotMinter(msg.sender);
        if (to == address(0)) revert ZeroAddress();
        totalSupply += amount;
        unchecked {
            balanceOf[to] += amount; // cannot overflow: bounded by totalSupply
        }
        emit Transfer(address(0), to, amount);
    }

    /// @notice Let `spender` move up to `amount` of the caller's tokens.
    /// @param spender The account allowed to spend.
    /// @param amount The allowance.
    /// @return Always true.
    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    /// @notice Move `amount` of the caller's tokens to `to`.
    /// @param to The receiver.
    /// @param amount The amount.
    /// @return Always true (failures revert).
    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    /// @notice Move `amount` of `from`'s tokens to `to`, spending the caller's allowance.
    /// @param from The owner of the tokens.
    /// @param to The receiver.
    /// @param amount The amount.
    /// @return Always true (failures revert).
    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < amount) revert InsufficientAllowance(from, msg.sender, allowed, amount);
            unchecked {
                allowance[from][msg.sender] = allowed - amount;
            }
        }
        _move(from, to, amount);
        return true;
    }

    function _move(address from, address to, uint256 amount) private {
        if (to == address(0)) revert ZeroAddress();
        uint256 balance = balanceOf[from];
        if (balance < amount) revert InsufficientBalance(from, balance, amount);
        unchecked {
            balanceOf[from] = balance - amount;
            balanceOf[to] += amount; // cannot overflow: bounded by totalSupply
        }
        emit Transfer(from, to, amount);
    }
}
