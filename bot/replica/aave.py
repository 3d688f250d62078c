"""Aave V3 (@aave/core-v3): a market at the canonical Polygon addresses with flash loans enabled.

The market is built in place, never copied from a live proxy (aTokens would stay bound to a scratch
pool). The PoolAddressesProvider (code and storage), the ACLManager, AaveOracle and
AaveProtocolDataProvider are placed at their canonical addresses; at the canonical Pool and
PoolConfigurator addresses sits an empty InitializableImmutableAdminUpgradeabilityProxy whose admin is
the canonical provider. The provider registers those proxies (`setAddress`), and `setPoolImpl` /
`setPoolConfiguratorImpl` then initialise them where they stand, like on Polygon.

Prices come from the replica's price table through the package's MockAggregator (8 decimals, USD).
FLASHLOAN_PREMIUM_TOTAL is 0 after initialize; it is set to Polygon's 5 bps. Code must read it
on-chain, never assume it.
"""

from __future__ import annotations

from fractions import Fraction

from bot.replica.context import BuildContext
from bot.replica.prices import AAVE_ORACLE_DECIMALS, aave_oracle_answer, amount_for_usd

MARKET_ID = "Aave Polygon Market (replica)"
FLASHLOAN_PREMIUM_TOTAL_BPS = 5
RAY = 10**27
LIBRARIES = ("BorrowLogic", "BridgeLogic", "EModeLogic", "LiquidationLogic", "PoolLogic", "SupplyLogic")

# symbol -> (LTV, liquidation threshold, liquidation bonus) in bps, stable?, USD supplied at build time
RESERVES: dict[str, tuple[tuple[int, int, int], bool, int]] = {
    "WMATIC": ((6500, 7000, 11000), False, 12_000_000),
    "USDC.e": ((7500, 8000, 10500), True, 20_000_000),
    "USDC": ((7500, 8000, 10500), True, 20_000_000),
    "USDT": ((7500, 8000, 10500), True, 20_000_000),
    "DAI": ((7500, 8000, 10500), True, 10_000_000),
    "WETH": ((8000, 8250, 10500), False, 15_000_000),
    "WBTC": ((7000, 7500, 10650), False, 12_000_000),
}

# DefaultReserveInterestRateStrategy arguments after the provider: optimal usage, base variable rate,
# variable slopes 1 and 2, stable slopes 1 and 2, base stable offset, stable excess offset, optimal
# stable-to-total debt ratio (all rays).
STABLE_RATES = (
    RAY * 90 // 100,
    0,
    RAY * 4 // 100,
    RAY * 60 // 100,
    RAY // 200,
    RAY * 60 // 100,
    RAY // 100,
    RAY * 8 // 100,
    RAY * 20 // 100,
)
VOLATILE_RATES = (
    RAY * 45 // 100,
    0,
    RAY * 7 // 100,
    RAY * 300 // 100,
    0,
    RAY * 300 // 100,
    RAY * 2 // 100,
    RAY * 8 // 100,
    RAY * 20 // 100,
)


def _id(name: str) -> bytes:
    """A PoolAddressesProvider id: the ASCII name as a right-padded bytes32."""
    return name.encode().ljust(32, b"\0")


def deploy_provider(ctx: BuildContext) -> None:
    ctx.placer.deploy(
        "Aave PoolAddressesProvider",
        ctx.book.aave_v3.pool_addresses_provider,
        ctx.artifact("PoolAddressesProvider"),
        MARKET_ID,
        ctx.admin,
    )


def deploy_acl(ctx: BuildContext) -> None:
    """Make the admin ACL admin, then queue the ACLManager (its constructor reads the provider)."""
    aave = ctx.book.aave_v3
    provider = ctx.at("PoolAddressesProvider", aave.pool_addresses_provider)
    ctx.chain.transact("Aave setACLAdmin", provider.functions.setACLAdmin(ctx.admin))
    ctx.placer.deploy(
        "Aave ACLManager", aave.acl_manager, ctx.artifact("ACLManager"), aave.pool_addresses_provider
    )


def deploy_market(ctx: BuildContext) -> None:
    """Roles, libraries, implementations; queue the empty proxies, the oracle and the data provider."""
    aave = ctx.book.aave_v3
    chain = ctx.chain
    provider = ctx.at("PoolAddressesProvider", aave.pool_addresses_provider)
    chain.transact("Aave setACLManager", provider.functions.setACLManager(aave.acl_manager))
    acl = ctx.at("ACLManager", aave.acl_manager)
    chain.transact("Aave addPoolAdmin", acl.functions.addPoolAdmin(ctx.admin))
    chain.transact("Aave addEmergencyAdmin", acl.functions.addEmergencyAdmin(ctx.admin))

    libraries = {name: chain.deploy(f"Aave {name}", ctx.artifact(name)) for name in LIBRARIES}
    libraries["FlashLoanLogic"] = chain.deploy(
        "Aave FlashLoanLogic",
        ctx.artifact("FlashLoanLogic"),
        libraries={"BorrowLogic": libraries["BorrowLogic"]},
    )
    pool_impl = chain.deploy(
        "Aave Pool implementation", ctx.artifact("Pool"), aave.pool_addresses_provider, libraries=libraries
    )
    chain.transact(
        "Aave Pool implementation initialize",
        ctx.at("Pool", pool_impl).functions.initialize(aave.pool_addresses_provider),
    )
    configurator_logic = chain.deploy("Aave ConfiguratorLogic", ctx.artifact("ConfiguratorLogic"))
    configurator_impl = chain.deploy(
        "Aave PoolConfigurator implementation",
        ctx.artifact("PoolConfigurator"),
        libraries={"ConfiguratorLogic": configurator_logic},
    )
    chain.transact(
        "Aave PoolConfigurator implementation initialize",
        ctx.at("PoolConfigurator", configurator_impl).functions.initialize(aave.pool_addresses_provider),
    )
    ctx.records["aave_impls"] = {"pool": pool_impl, "configurator": configurator_impl}

    proxy = ctx.artifact("InitializableImmutableAdminUpgradeabilityProxy")
    ctx.placer.deploy("Aave Pool proxy", aave.pool, proxy, aave.pool_addresses_provider, with_storage=False)
    ctx.placer.deploy(
        "Aave PoolConfigurator proxy",
        aave.pool_configurator,
        proxy,
        aave.pool_addresses_provider,
        with_storage=False,
    )

    assets = [ctx.token(symbol).address for symbol in RESERVES]
    sources = [
        chain.deploy(
            f"Aave price source {symbol}", ctx.artifact("MockAggregator"), aave_oracle_answer(symbol)
        )
        for symbol in RESERVES
    ]
    zero = "0x" + "00" * 20
    ctx.placer.deploy(
        "AaveOracle",
        aave.oracle,
        ctx.artifact("AaveOracle"),
        aave.pool_addresses_provider,
        assets,
        sources,
        zero,
        zero,
        10**AAVE_ORACLE_DECIMALS,
    )
    ctx.placer.deploy(
        "AaveProtocolDataProvider",
        aave.protocol_data_provider,
        ctx.artifact("AaveProtocolDataProvider"),
        aave.pool_addresses_provider,
    )


def configure(ctx: BuildContext) -> None:
    """Initialise the proxies in place, wire oracle and data provider, list the reserves, set the premium."""
    aave = ctx.book.aave_v3
    chain = ctx.chain
    impls = ctx.records.pop("aave_impls")
    provider = ctx.at("PoolAddressesProvider", aave.pool_addresses_provider)
    chain.transact("Aave register Pool proxy", provider.functions.setAddress(_id("POOL"), aave.pool))
    chain.transact("Aave setPoolImpl", provider.functions.setPoolImpl(impls["pool"]))
    chain.transact(
        "Aave register PoolConfigurator proxy",
        provider.functions.setAddress(_id("POOL_CONFIGURATOR"), aave.pool_configurator),
    )
    chain.transact(
        "Aave setPoolConfiguratorImpl", provider.functions.setPoolConfiguratorImpl(impls["configurator"])
    )
    chain.transact("Aave setPriceOracle", provider.functions.setPriceOracle(aave.oracle))
    chain.transact(
        "Aave setPoolDataProvider", provider.functions.setPoolDataProvider(aave.protocol_data_provider)
    )
    ctx.require(
        provider.functions.getPool().call() == aave.pool, "Aave provider does not point at the canonical Pool"
    )

    configurator = ctx.at("PoolConfigurator", aave.pool_configurator)
    chain.transact(
        "Aave updateFlashloanPremiumTotal",
        configurator.functions.updateFlashloanPremiumTotal(FLASHLOAN_PREMIUM_TOTAL_BPS),
    )

    a_token = chain.deploy("Aave AToken implementation", ctx.artifact("AToken"), aave.pool)
    stable_debt = chain.deploy(
        "Aave StableDebtToken implementation", ctx.artifact("StableDebtToken"), aave.pool
    )
    variable_debt = chain.deploy(
        "Aave VariableDebtToken implementation", ctx.artifact("VariableDebtToken"), aave.pool
    )
    strategy = ctx.artifact("DefaultReserveInterestRateStrategy")
    stable_rates = chain.deploy(
        "Aave stable rate strategy", strategy, aave.pool_addresses_provider, *STABLE_RATES
    )
    volatile_rates = chain.deploy(
        "Aave volatile rate strategy", strategy, aave.pool_addresses_provider, *VOLATILE_RATES
    )
    zero = "0x" + "00" * 20
    inputs = []
    for symbol, (_, stable, _) in RESERVES.items():
        token = ctx.token(symbol)
        inputs.append(
            (
                a_token,
                stable_debt,
                variable_debt,
                token.decimals,
                stable_rates if stable else volatile_rates,
                token.address,
                ctx.admin,
                zero,
                f"Aave Polygon {symbol}",
                f"aPol{symbol}",
                f"Aave Polygon Variable Debt {symbol}",
                f"variableDebtPol{symbol}",
                f"Aave Polygon Stable Debt {symbol}",
                f"stableDebtPol{symbol}",
                b"",
            )
        )
    for start in range(0, len(inputs), 4):
        chain.transact(
            f"Aave initReserves #{start // 4}", configurator.functions.initReserves(inputs[start : start + 4])
        )
    for symbol, ((ltv, threshold, bonus), _, _) in RESERVES.items():
        asset = ctx.token(symbol).address
        chain.transact(
            f"Aave collateral {symbol}",
            configurator.functions.configureReserveAsCollateral(asset, ltv, threshold, bonus),
        )
        chain.transact(f"Aave borrowing {symbol}", configurator.functions.setReserveBorrowing(asset, True))
        chain.transact(
            f"Aave flash loans {symbol}", configurator.functions.setReserveFlashLoaning(asset, True)
        )


def seed(ctx: BuildContext) -> None:
    """Supply every reserve from the admin and record the reserves and the premium."""
    aave = ctx.book.aave_v3
    pool = ctx.at("Pool", aave.pool)
    data = ctx.at("AaveProtocolDataProvider", aave.protocol_data_provider)
    for symbol, (_, _, usd) in RESERVES.items():
        token = ctx.token(symbol)
        amount = amount_for_usd(symbol, token.decimals, Fraction(usd))
        ctx.approve(symbol, aave.pool)
        ctx.chain.transact(
            f"Aave supply {symbol}", pool.functions.supply(token.address, amount, ctx.admin, 0)
        )
        a_token, stable_debt, variable_debt = data.functions.getReserveTokensAddresses(token.address).call()
        ctx.record(
            "aave_reserves",
            {
                "symbol": symbol,
                "asset": token.address,
                "a_token": a_token,
                "variable_debt_token": variable_debt,
                "stable_debt_token": stable_debt,
                "supplied": amount,
            },
        )
    ctx.records["aave_flashloan_premium_total"] = int(pool.functions.FLASHLOAN_PREMIUM_TOTAL().call())
