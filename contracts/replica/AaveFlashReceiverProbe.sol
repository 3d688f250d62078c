// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @dev The slice of Aave V3's IPool this probe calls.
interface IAavePoolForProbe {
    function flashLoanSimple(address receiverAddress, address asset, uint256 amount, bytes calldata params, uint16 referralCode)
        external;
}

/// @dev The slice of ERC20 this probe calls.
interface IERC20ForProbe {
    function approve(address spender, uint256 amount) external returns (bool);
    function balanceOf(address account) external view returns (uint256);
}

/// @title AaveFlashReceiverProbe
/// @notice A test probe, not part of the product: borrows with Aave V3 `flashLoanSimple`, records what
/// the pool passed to the callback, and repays. The replica tests use it to check that a flash loan on
/// the replica charges exactly the on-chain premium.
/// @dev Holds no funds of its own beyond what a test gives it to pay the premium.
contract AaveFlashReceiverProbe {
    /// @notice The callback did not come from the pool this probe was built for.
    /// @param caller The account that called executeOperation.
    error NotPool(address caller);

    /// @notice The loan was not started by this probe.
    /// @param initiator The initiator the pool reported.
    error NotInitiator(address initiator);

    /// @notice Emitted in the callback with what the pool lent and charges.
    event Borrowed(address indexed asset, uint256 amount, uint256 premium, uint256 balanceInCallback);

    /// @notice The Aave V3 Pool this probe borrows from.
    address public immutable POOL;
    /// @notice The premium the pool charged on the last loan.
    uint256 public lastPremium;
    /// @notice The amount lent on the last loan.
    uint256 public lastAmount;
    /// @notice This probe's balance of the asset inside the last callback.
    uint256 public lastBalanceInCallback;

    /// @param pool The Aave V3 Pool (proxy) to borrow from.
    constructor(address pool) {
        POOL = pool;
    }

    /// @notice Borrow `amount` of `asset` from the pool and repay it with the premium in the same call.
    /// @param asset The reserve to borrow.
    /// @param amount The amount to borrow.
    function borrow(address asset, uint256 amount) external {
        IAavePoolForProbe(POOL).flashLoanSimple(address(this), asset, amount, "", 0);
    }

    /// @notice Aave's flash-loan callback: records the loan and approves the pool to pull it back.
    /// @param asset The borrowed asset.
    /// @param amount The borrowed amount.
    /// @param premium The premium the pool charges.
    /// @param initiator The account that started the loan (must be this probe).
    /// @return Always true.
    function executeOperation(address asset, uint256 amount, uint256 premium, address initiator, bytes calldata)
        external
        returns (bool)
    {
        if (msg.sender != POOL) revert NotPool(msg.sender);
        if (initiator != address(this)) revert NotInitiator(initiator);
        lastAmount = amount;
        lastPremium = premium;
        lastBalanceInCallback = IERC20ForProbe(asset).balanceOf(address(this));
        emit Borrowed(asset, amount, premium, lastBalanceInCallback);
        IERC20ForProbe(asset).approve(POOL, amount + premium);
        return true;
    }
}
