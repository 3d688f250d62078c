// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IERC20
/// @notice The part of the ERC-20 token standard (EIP-20) that FlashArb calls.
/// @dev Some tokens return nothing from `transfer`, `transferFrom` and `approve`; callers that must
/// support them read the return data themselves instead of relying on these signatures.
interface IERC20 {
    /// @notice Moves `amount` tokens from the caller to `to`.
    /// @param to The recipient.
    /// @param amount The amount, in the token's smallest unit.
    /// @return True on success.
    function transfer(address to, uint256 amount) external returns (bool);

    /// @notice Moves `amount` tokens from `from` to `to` using the caller's allowance.
    /// @param from The owner of the tokens.
    /// @param to The recipient.
    /// @param amount The amount, in the token's smallest unit.
    /// @return True on success.
    function transferFrom(address from, address to, uint256 amount) external returns (bool);

    /// @notice Sets the amount `spender` may move from the caller's balance.
    /// @param spender The account allowed to spend.
    /// @param amount The allowance.
    /// @return True on success.
    function approve(address spender, uint256 amount) external returns (bool);

    /// @notice The balance of `account`.
    /// @param account The holder.
    /// @return The balance, in the token's smallest unit.
    function balanceOf(address account) external view returns (uint256);

    /// @notice The amount `spender` may still move from `owner`'s balance.
    /// @param owner The holder.
    /// @param spender The spender.
    /// @return The remaining allowance.
    function allowance(address owner, address spender) external view returns (uint256);
}
