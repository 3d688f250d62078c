"""Every venue on the fork trades exactly as its own quoting function says, to the wei."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import DEADLINE

GIVEN_IN = 0


@pytest.mark.parametrize("dex", ["quickswap", "sushiswap"])
def test_v2_router_swap_equals_get_amounts_out(
    dex: str, book: Any, trader: Any, fund: Any, erc20: Any, artifact_contract: Any
) -> None:
    weth, usdc = book.tokens["WETH"], book.tokens["USDC.e"]
    router = artifact_contract("UniswapV2Router02", book.dex(dex).router)
    amount_in = 3 * 10**18
    fund("WETH", trader, amount_in)
    erc20(weth.address).approve(router.address, amount_in, sender=trader)
    quoted = router.getAmountsOut(amount_in, [weth.address, usdc.address])[-1]
    before = erc20(usdc.address).balanceOf(trader)
    router.swapExactTokensForTokens(
        amount_in, 0, [weth.address, usdc.address], trader, DEADLINE, sender=trader
    )
    assert erc20(usdc.address).balanceOf(trader) - before == quoted
    assert quoted > 0


@pytest.mark.parametrize(
    ("token_in", "token_out", "fee", "amount_in"),
    [("WETH", "USDC", 500, 5 * 10**18), ("USDT", "USDC", 100, 1_000 * 10**6), ("WBTC", "WETH", 500, 10**7)],
)
def test_v3_swap_router_equals_quoter_v2(
    token_in: str,
    token_out: str,
    fee: int,
    amount_in: int,
    book: Any,
    trader: Any,
    fund: Any,
    erc20: Any,
    artifact_contract: Any,
) -> None:
    v3 = book.uniswap_v3
    tin, tout = book.tokens[token_in].address, book.tokens[token_out].address
    quoter = artifact_contract("QuoterV2", v3.quoter_v2)
    router = artifact_contract("SwapRouter", v3.swap_router)
    quote = quoter.quoteExactInputSingle.call((tin, tout, amount_in, fee, 0))
    fund(token_in, trader, amount_in)
    erc20(tin).approve(router.address, amount_in, sender=trader)
    before = erc20(tout).balanceOf(trader)
    router.exactInputSingle((tin, tout, fee, trader.address, DEADLINE, amount_in, 0, 0), sender=trader)
    assert erc20(tout).balanceOf(trader) - before == quote[0]
    assert quote[0] > 0


def test_v3_moderate_swap_crosses_initialised_ticks(
    book: Any, trader: Any, fund: Any, erc20: Any, artifact_contract: Any
) -> None:
    """A $1.5M stable swap leaves the narrow positions of USDC/USDT 1bp and crosses their ticks."""
    v3 = book.uniswap_v3
    usdt, usdc = book.tokens["USDT"].address, book.tokens["USDC"].address
    amount_in = 1_500_000 * 10**6
    quoter = artifact_contract("QuoterV2", v3.quoter_v2)
    amount_out, _, ticks_crossed, _ = quoter.quoteExactInputSingle.call((usdt, usdc, amount_in, 100, 0))
    assert ticks_crossed > 0
    router = artifact_contract("SwapRouter", v3.swap_router)
    fund("USDT", trader, amount_in)
    erc20(usdt).approve(router.address, amount_in, sender=trader)
    before = erc20(usdc).balanceOf(trader)
    router.exactInputSingle((usdt, usdc, 100, trader.address, DEADLINE, amount_in, 0, 0), sender=trader)
    assert erc20(usdc).balanceOf(trader) - before == amount_out


def test_balancer_vault_swap_equals_query_swap(
    book: Any, replica: Any, trader: Any, fund: Any, erc20: Any, artifact_contract: Any
) -> None:
    bal = book.balancer_v2
    vault = artifact_contract("Vault", bal.vault)
    queries = artifact_contract("BalancerQueries", bal.queries)
    weth, usdc = book.tokens["WETH"].address, book.tokens["USDC.e"].address
    pool = next(p for p in replica.manifest.balancer_pools if set(p.tokens) == {weth, usdc})
    amount_in = 2 * 10**18
    single = (pool.pool_id, GIVEN_IN, weth, usdc, amount_in, b"")
    funds = (trader.address, False, trader.address, False)
    quoted = queries.querySwap.call(single, funds)
    fund("WETH", trader, amount_in)
    erc20(weth).approve(bal.vault, amount_in, sender=trader)
    before = erc20(usdc).balanceOf(trader)
    vault.swap(single, funds, 0, DEADLINE, sender=trader)
    assert erc20(usdc).balanceOf(trader) - before == quoted
    assert quoted > 0


@pytest.mark.parametrize("symbol", ["USDC.e", "WETH", "WBTC"])
def test_aave_flash_loan_simple_charges_exactly_the_on_chain_premium(
    symbol: str,
    book: Any,
    replica: Any,
    project: Any,
    trader: Any,
    fund: Any,
    erc20: Any,
    artifact_contract: Any,
) -> None:
    aave_pool = artifact_contract("Pool", book.aave_v3.pool)
    premium_bps = aave_pool.FLASHLOAN_PREMIUM_TOTAL()
    assert premium_bps == 5  # Polygon's value, set on the replica by the builder
    token = book.tokens[symbol]
    reserve = next(r for r in replica.manifest.aave_reserves if r.symbol == symbol)
    amount = reserve.supplied // 2
    expected_premium = (amount * premium_bps + 5_000) // 10_000  # Aave PercentageMath.percentMul
    probe = trader.deploy(project.AaveFlashReceiverProbe, book.aave_v3.pool)
    fund(symbol, probe, expected_premium)
    probe.borrow(token.address, amount, sender=trader)
    assert probe.lastAmount() == amount
    assert probe.lastPremium() == expected_premium
    assert probe.lastBalanceInCallback() == amount + expected_premium
    assert erc20(token.address).balanceOf(probe) == 0  # exactly the premium was taken, nothing more
