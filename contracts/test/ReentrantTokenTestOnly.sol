// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ReentrantTokenTestOnly
/// @notice TEST ONLY. A malicious ERC-20: once armed, its next transfer out of `from` calls `target`
/// with `data` (for example FlashArb.execute, or a forged callback) in the middle of the transfer, and
/// bubbles up the callee's revert unchanged.
contract ReentrantTokenTestOnly {
    string public name = "Reentrant Test Token";
    string public symbol = "REENTER";
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    address public trigger;
    address public target;
    bytes public data;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice Creates `amount` tokens for `to`.
    function mint(address to, uint256 amount) external {
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    /// @notice Makes the next transfer out of `from` call `target_` with `data_`.
    function arm(address from, address target_, bytes calldata data_) external {
        trigger = from;
        target = target_;
        data = data_;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        allowance[from][msg.sender] -= amount;
        _move(from, to, amount);
        return true;
    }

    function _move(address from, address to, uint256 amount) private {
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
        address hook = target;
        if (hook != address(0) && from == trigger) {
            target = address(0); // one shot
            (bool ok, bytes memory reason) = hook.call(data);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(reason, 0x20), mload(reason))
                }
            }
        }
    }
}
