"""FlashArb administration: two-step ownership, the executor allow-list, pause, rescue."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from bot.route import Hop, Lender, Route, encode

from .venues import Venues, erc20

ZERO = "0x" + "00" * 20


def test_constructor_sets_roles_and_protocols(
    flasharb: Any, owner: Any, executor: Any, book: Any, factories: Any
) -> None:
    v2, v3 = factories
    assert flasharb.owner() == owner.address
    assert flasharb.pendingOwner() == ZERO
    assert flasharb.AAVE_POOL() == book.aave_v3.pool
    assert flasharb.BALANCER_VAULT() == book.balancer_v2.vault
    assert flasharb.isExecutor(executor) and not flasharb.isExecutor(owner)
    assert not flasharb.paused()
    assert [(f, "0x" + bytes(h).hex()) for f, h in flasharb.v2Factories()] == v2
    assert [(f, "0x" + bytes(h).hex()) for f, h in flasharb.v3Factories()] == v3
    assert (flasharb.UNISWAP_V3_FACTORY(), "0x" + bytes(flasharb.UNISWAP_V3_INIT_CODE_HASH()).hex()) == v3[0]


def test_replica_v2_factories_use_the_replica_init_code_hash(factories: Any, book: Any, replica: Any) -> None:
    """The replica runs Uniswap V2 bytecode for QuickSwap and SushiSwap: the hash proven on-chain is the
    replica's, which for SushiSwap differs from real Polygon's (so it must be data, not a constant)."""
    v2, _ = factories
    assert [h for _, h in v2] == [d.replica_init_code_hash for d in book.uniswap_v2_dexes]
    assert book.dex("sushiswap").init_code_hash != book.dex("sushiswap").replica_init_code_hash


def _deploy(project: Any, owner: Any, book: Any, factories: Any, **override: Any) -> Any:
    from bot.execution.deploy import algebra_deployer

    v2, v3 = factories
    args = {
        "aavePool": book.aave_v3.pool,
        "balancerVault": book.balancer_v2.vault,
        "initialOwner": owner.address,
        "v2Factories": v2,
        "v3Factories": v3,
        "algebraDeployer": algebra_deployer(ape.chain.provider.web3, book),
    }
    args.update(override)
    return owner.deploy(project.FlashArb, *args.values())


@pytest.mark.parametrize("which", ["aavePool", "balancerVault", "initialOwner"])
def test_constructor_rejects_zero_addresses(
    which: str, project: Any, owner: Any, book: Any, factories: Any
) -> None:
    with ape.reverts(project.FlashArb.ZeroAddress, what=which):
        _deploy(project, owner, book, factories, **{which: ZERO})


def test_constructor_rejects_bad_factories(project: Any, owner: Any, book: Any, factories: Any) -> None:
    v2, v3 = factories
    with ape.reverts(project.FlashArb.TooManyFactories, count=0, max=4):
        _deploy(project, owner, book, factories, v2Factories=[])
    with ape.reverts(project.FlashArb.TooManyFactories, count=5, max=4):
        _deploy(project, owner, book, factories, v2Factories=v2 * 3)
    with ape.reverts(project.FlashArb.BadFactory, factory=v2[0][0]):
        _deploy(project, owner, book, factories, v2Factories=[(v2[0][0], "0x" + "00" * 32)])
    with ape.reverts(project.FlashArb.BadFactory, factory=ZERO):
        _deploy(project, owner, book, factories, v3Factories=[(ZERO, v3[0][1])])
    with ape.reverts(project.FlashArb.BadFactory, factory=ZERO):
        _deploy(project, owner, book, factories, v3Factories=[v3[0], (ZERO, v3[0][1])])
    with ape.reverts(project.FlashArb.TooManyFactories, count=0, max=2):
        _deploy(project, owner, book, factories, v3Factories=[])
    with ape.reverts(project.FlashArb.TooManyFactories, count=3, max=2):
        _deploy(project, owner, book, factories, v3Factories=[*v3, v3[0]])
    with ape.reverts(project.FlashArb.BadFactory, factory=book.quickswap_v3.pool_deployer):
        _deploy(
            project,
            owner,
            book,
            factories,
            algebraDeployer=(book.quickswap_v3.pool_deployer, "0x" + "00" * 32),
        )


def test_curve_allow_list(flasharb: Any, owner: Any, stranger: Any, venues: Venues) -> None:
    pool = venues.curve_pool()
    assert list(flasharb.curvePoolCoins(pool.address)) == list(pool.coins)  # listed by the fixture
    with ape.reverts(flasharb.NotOwner):
        flasharb.setCurvePool(pool.address, False, sender=stranger)
    tx = flasharb.setCurvePool(pool.address, False, sender=owner)
    assert tx.events == [flasharb.CurvePoolSet(pool.address, False, [])]
    assert list(flasharb.curvePoolCoins(pool.address)) == []
    tx = flasharb.setCurvePool(pool.address, True, sender=owner)
    assert tx.events == [flasharb.CurvePoolSet(pool.address, True, list(pool.coins))]
    with ape.reverts(flasharb.ZeroAddress, what="pool"):
        flasharb.setCurvePool(ZERO, True, sender=owner)


def test_curve_allow_list_refuses_what_is_not_a_pool(flasharb: Any, owner: Any, venues: Venues) -> None:
    """A token (no `coins`) or an empty account cannot be listed."""
    for account in (venues.token("USDC.e"), "0x" + "77" * 20):
        with ape.reverts(flasharb.BadCurvePool, coinCount=0):
            flasharb.setCurvePool(account, True, sender=owner)


def test_revoke_allowance(flasharb: Any, owner: Any, stranger: Any, venues: Venues, accounts: Any) -> None:
    """An allowance FlashArb gave (here planted with the owner's key standing in for an old version) is
    revoked by the owner, and only by the owner."""
    usdc = erc20(venues.token("USDC.e"))
    spender = accounts[8]
    planted = accounts[flasharb.address]
    accounts.chain_manager.set_balance(flasharb.address, 10**18)  # gas for the impersonated approve
    usdc.approve(spender, 2**256 - 1, sender=planted)
    assert usdc.allowance(flasharb, spender) == 2**256 - 1
    with ape.reverts(flasharb.NotOwner):
        flasharb.revokeAllowance(usdc, spender, sender=stranger)
    tx = flasharb.revokeAllowance(usdc, spender, sender=owner)
    assert tx.decode_logs(flasharb.AllowanceRevoked) == [
        flasharb.AllowanceRevoked(usdc.address, spender.address)
    ]
    assert usdc.allowance(flasharb, spender) == 0


def test_two_step_ownership(flasharb: Any, owner: Any, stranger: Any, accounts: Any) -> None:
    new_owner = accounts[5]
    with ape.reverts(flasharb.NotOwner, caller=stranger.address):
        flasharb.transferOwnership(stranger, sender=stranger)
    tx = flasharb.transferOwnership(new_owner, sender=owner)
    assert tx.events == [flasharb.OwnershipTransferStarted(owner.address, new_owner.address)]
    assert flasharb.owner() == owner.address  # nothing changes until accepted
    with ape.reverts(flasharb.NotPendingOwner, caller=stranger.address):
        flasharb.acceptOwnership(sender=stranger)
    flasharb.acceptOwnership(sender=new_owner)
    assert (flasharb.owner(), flasharb.pendingOwner()) == (new_owner.address, ZERO)
    with ape.reverts(flasharb.NotOwner, caller=owner.address):
        flasharb.pause(sender=owner)
    flasharb.pause(sender=new_owner)


def test_pending_transfer_can_be_cancelled(flasharb: Any, owner: Any, accounts: Any) -> None:
    flasharb.transferOwnership(accounts[5], sender=owner)
    flasharb.transferOwnership(ZERO, sender=owner)
    with ape.reverts(flasharb.NotPendingOwner):
        flasharb.acceptOwnership(sender=accounts[5])
    assert flasharb.owner() == owner.address


def test_executor_allow_list(flasharb: Any, owner: Any, stranger: Any, accounts: Any) -> None:
    with ape.reverts(flasharb.NotOwner):
        flasharb.setExecutor(stranger, True, sender=stranger)
    with ape.reverts(flasharb.ZeroAddress, what="executor"):
        flasharb.setExecutor(ZERO, True, sender=owner)
    tx = flasharb.setExecutor(accounts[6], True, sender=owner)
    assert tx.events == [flasharb.ExecutorSet(accounts[6].address, True)]
    assert flasharb.isExecutor(accounts[6])
    flasharb.setExecutor(accounts[6], False, sender=owner)
    assert not flasharb.isExecutor(accounts[6])


def test_pause_stops_trading(flasharb: Any, owner: Any, executor: Any, stranger: Any, venues: Venues) -> None:
    usdc, weth = venues.token("USDC.e"), venues.token("WETH")
    route = encode(
        Route(
            Lender.AAVE,
            usdc,
            10**9,
            (
                Hop.uniswap_v2(venues.v2_pair("quickswap", "USDC.e", "WETH"), weth),
                Hop.uniswap_v3(venues.v3_pool("USDC.e", "WETH", 500), usdc),
            ),
        )
    )
    with ape.reverts(flasharb.NotOwner):
        flasharb.pause(sender=stranger)
    flasharb.pause(sender=owner)
    assert flasharb.paused()
    with ape.reverts(flasharb.TradingPaused):
        flasharb.execute(route, sender=executor)
    with ape.reverts(flasharb.NotOwner):
        flasharb.unpause(sender=stranger)
    flasharb.unpause(sender=owner)
    # Trading again: the balanced replica makes this route lose, which proves it ran.
    with ape.reverts(flasharb.InsufficientProfit):
        flasharb.execute(route, sender=executor)


def test_rescue_tokens(flasharb: Any, owner: Any, stranger: Any, venues: Venues, accounts: Any) -> None:
    usdc = erc20(venues.token("USDC.e"))
    venues.fund(usdc.address, flasharb, 500)
    with ape.reverts(flasharb.NotOwner):
        flasharb.rescue(usdc, stranger, 500, sender=stranger)
    with ape.reverts(flasharb.ZeroAddress, what="to"):
        flasharb.rescue(usdc, ZERO, 500, sender=owner)
    with ape.reverts(flasharb.CallFailed, target=usdc.address):  # the token's own error, wrapped
        flasharb.rescue(usdc, accounts[7], 501, sender=owner)
    tx = flasharb.rescue(usdc, accounts[7], 500, sender=owner)
    assert tx.events.filter(flasharb.Rescued) == [flasharb.Rescued(usdc.address, accounts[7].address, 500)]
    assert (usdc.balanceOf(flasharb), usdc.balanceOf(accounts[7])) == (0, 500)


def test_rescue_native(flasharb: Any, owner: Any, stranger: Any, accounts: Any, chain: Any) -> None:
    """Native coin can only be forced in (no receive function); the owner can send it out."""
    with pytest.raises(Exception):  # noqa: B017, PT011 - a plain transfer has no function to land in
        stranger.transfer(flasharb, 1)
    chain.set_balance(flasharb.address, 3 * 10**18)
    recipient = accounts[8]
    start = recipient.balance
    with ape.reverts(flasharb.NotOwner):
        flasharb.rescue(ZERO, stranger, 10**18, sender=stranger)
    with ape.reverts(flasharb.NativeTransferFailed):
        flasharb.rescue(ZERO, recipient, 4 * 10**18, sender=owner)
    flasharb.rescue(ZERO, recipient, 10**18, sender=owner)
    assert recipient.balance - start == 10**18
    assert flasharb.balance == 2 * 10**18
