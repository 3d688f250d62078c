"""The replica carries the real protocols at the canonical Polygon addresses, wired as on Polygon."""

from __future__ import annotations

from typing import Any

from ape import Contract

from bot.replica.admin import ADMIN_ADDRESS

COLLECTOR_ABI = [  # ProtocolFeesCollector.vault(), not in the Vault task's artifacts
    {
        "type": "function",
        "name": "vault",
        "stateMutability": "view",
        "inputs": [],
        "outputs": [{"name": "", "type": "address"}],
    }
]


def test_chain_id_is_polygons(chain: Any) -> None:
    assert chain.chain_id == 137


def test_code_at_every_address_the_book_names(w3: Any, book: Any, replica: Any) -> None:
    carried_curve = {pool.address for pool in replica.manifest.curve_pools}
    missing = []
    for role, address in book.roles():
        if role.startswith("curve ") and address not in carried_curve:
            continue
        if len(w3.eth.get_code(address)) == 0:
            missing.append(f"{role} {address}")
    assert missing == []


def test_token_metadata_matches_the_book(book: Any, replica: Any, erc20: Any) -> None:
    for token in book.tokens.values():
        contract = erc20(token.address)
        assert contract.decimals() == token.decimals, token.symbol
        assert contract.symbol() == token.symbol
        assert contract.name() == token.name
    assert erc20(book.tokens["WMATIC"].address).name() == "Wrapped Matic"
    assert erc20(book.tokens["USDC"].address).decimals() == 6
    assert erc20(book.tokens["WBTC"].address).decimals() == 8


def test_wmatic_is_weth9_wrapping_native_pol(book: Any, trader: Any, artifact_contract: Any) -> None:
    wmatic = artifact_contract("WETH9", book.tokens["WMATIC"].address)
    before = wmatic.balanceOf(trader)
    wmatic.deposit(value=10**18, sender=trader)
    assert wmatic.balanceOf(trader) == before + 10**18


def test_v2_routers_are_built_for_the_canonical_factory_and_wmatic(book: Any, artifact_contract: Any) -> None:
    for dex in book.uniswap_v2_dexes:
        router = artifact_contract("UniswapV2Router02", dex.router)
        assert router.factory() == dex.factory
        assert router.WETH() == book.tokens["WMATIC"].address


def test_replica_v2_pairs_follow_uniswap_init_code_hash(w3: Any, book: Any, replica: Any) -> None:
    """On the replica both DEXes run Uniswap V2's pair: CREATE2 with replica_init_code_hash finds them."""
    for pair in replica.manifest.v2_pairs:
        dex = book.dex(pair.dex)
        salt = w3.keccak(bytes.fromhex(pair.token0[2:]) + bytes.fromhex(pair.token1[2:]))
        digest = w3.keccak(
            b"\xff" + bytes.fromhex(dex.factory[2:]) + salt + bytes.fromhex(dex.replica_init_code_hash[2:])
        )
        assert "0x" + digest[12:].hex() == pair.address.lower()


def test_v3_periphery_points_at_the_canonical_factory(
    book: Any, replica: Any, artifact_contract: Any
) -> None:
    v3 = book.uniswap_v3
    factory = artifact_contract("UniswapV3Factory", v3.factory)
    assert factory.owner() == ADMIN_ADDRESS
    assert factory.feeAmountTickSpacing(100) == 1
    for name, address in (
        ("SwapRouter", v3.swap_router),
        ("QuoterV2", v3.quoter_v2),
        ("NonfungiblePositionManager", v3.nonfungible_position_manager),
    ):
        periphery = artifact_contract(name, address)
        assert periphery.factory() == v3.factory
        assert periphery.WETH9() == book.tokens["WMATIC"].address
    for pool in replica.manifest.v3_pools:
        assert factory.getPool(pool.token0, pool.token1, pool.fee) == pool.address


def test_balancer_vault_and_fee_collector_point_at_each_other(book: Any, artifact_contract: Any) -> None:
    bal = book.balancer_v2
    vault = artifact_contract("Vault", bal.vault)
    assert vault.WETH() == book.tokens["WMATIC"].address
    assert vault.getAuthorizer() == bal.authorizer
    assert vault.getProtocolFeesCollector() == bal.protocol_fees_collector
    collector = Contract(bal.protocol_fees_collector, abi=COLLECTOR_ABI)
    assert collector.vault() == bal.vault


def test_balancer_pools_come_from_the_canonical_factory(
    book: Any, replica: Any, artifact_contract: Any
) -> None:
    factory = artifact_contract("WeightedPoolFactory", book.balancer_v2.weighted_pool_factory)
    vault = artifact_contract("Vault", book.balancer_v2.vault)
    assert replica.manifest.balancer_pools
    for pool in replica.manifest.balancer_pools:
        assert factory.isPoolFromFactory(pool.address)
        tokens, balances, _ = vault.getPoolTokens(pool.pool_id)
        assert tuple(tokens) == pool.tokens
        assert all(balance > 0 for balance in balances)


def test_aave_market_is_wired_at_the_canonical_addresses(
    book: Any, replica: Any, artifact_contract: Any
) -> None:
    aave = book.aave_v3
    provider = artifact_contract("PoolAddressesProvider", aave.pool_addresses_provider)
    assert provider.getPool() == aave.pool
    assert provider.getPoolConfigurator() == aave.pool_configurator
    assert provider.getPriceOracle() == aave.oracle
    assert provider.getACLManager() == aave.acl_manager
    assert provider.getPoolDataProvider() == aave.protocol_data_provider
    pool = artifact_contract("Pool", aave.pool)
    assert pool.ADDRESSES_PROVIDER() == aave.pool_addresses_provider
    assert pool.FLASHLOAN_PREMIUM_TOTAL() == 5
    reserves = set(pool.getReservesList())
    for reserve in replica.manifest.aave_reserves:
        assert reserve.asset in reserves
        a_token = artifact_contract("AToken", reserve.a_token)
        assert a_token.POOL() == aave.pool
        assert a_token.UNDERLYING_ASSET_ADDRESS() == reserve.asset


def test_multicall3_aggregates(book: Any, w3: Any) -> None:
    from bot.replica.artifacts import MULTICALL3_ABI

    multicall = w3.eth.contract(address=book.multicall3.address, abi=MULTICALL3_ABI)
    assert multicall.functions.getBlockNumber().call() == w3.eth.block_number
