"""The address book's data model: frozen pydantic models, one per protocol section.

Validation happens here at load time: every address must be EIP-55 checksummed, every token must
carry its decimals, and no address may serve two different roles (see `AddressBook`). Anything wrong
raises a pydantic ValidationError that `bot.addressbook.load` turns into an AddressBookError naming
the entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from eth_utils.address import is_checksum_address
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.errors import AddressBookError


def _checksummed(value: str) -> str:
    if not is_checksum_address(value):
        raise ValueError(f"{value!r} is not an EIP-55 checksummed address")
    return value


def _hash32(value: str) -> str:
    if (
        len(value) != 66
        or not value.startswith("0x")
        or any(c not in "0123456789abcdefABCDEF" for c in value[2:])
    ):
        raise ValueError(f"{value!r} is not a 32-byte hex hash")
    return value.lower()


Address = Annotated[str, AfterValidator(_checksummed)]
"""An EIP-55 checksummed 20-byte address."""
Hash32 = Annotated[str, AfterValidator(_hash32)]
"""A 0x-prefixed 32-byte hash, stored lower-case."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Token(_Frozen):
    symbol: str = Field(min_length=1)
    """The symbol the project uses for this token (e.g. "USDC.e" for bridged USDC)."""
    name: str = Field(min_length=1)
    """The token's name as the token lists give it."""
    address: Address
    """The token contract on this chain."""
    decimals: int = Field(ge=0, le=36)
    """ERC20 decimals: amounts are integers in units of 10**-decimals."""
    aliases: tuple[str, ...] = ()
    """Other symbols that name the same token (e.g. "WPOL" for WMATIC)."""
    source: str
    """The npm package (and key) this entry was generated from."""
    note: str | None = None
    """A remark for readers, e.g. which of two USDCs this is."""


class Multicall3(_Frozen):
    address: Address
    """Multicall3 (aggregate3), the same address on every chain."""
    source: str
    """Where the address comes from."""


class AaveV3(_Frozen):
    pool_addresses_provider: Address
    """PoolAddressesProvider: the registry of the market's contracts."""
    pool: Address
    """The Pool proxy: supply, borrow, flashLoan, flashLoanSimple."""
    pool_configurator: Address
    """The PoolConfigurator proxy (risk and listing admin)."""
    oracle: Address
    """AaveOracle: asset prices in the market's base currency (USD, 8 decimals)."""
    protocol_data_provider: Address
    """AaveProtocolDataProvider: reserve data and token addresses per asset."""
    acl_manager: Address
    """ACLManager: roles of the market."""
    source: str
    """Where the addresses come from."""


class UniswapV3(_Frozen):
    factory: Address
    """UniswapV3Factory: getPool(token0, token1, fee)."""
    swap_router: Address
    """SwapRouter (periphery v1): exactInputSingle / exactInput."""
    quoter_v2: Address
    """QuoterV2: exact quotes with initialized ticks crossed and gas estimate."""
    nonfungible_position_manager: Address
    """NonfungiblePositionManager: liquidity positions as NFTs."""
    pool_init_code_hash: Hash32
    """keccak256 of the pool creation code, for CREATE2 pool addresses."""
    factory_deployment_block: int = Field(default=0, ge=0)
    """The block the factory was deployed in: where a scan of its PoolCreated logs starts."""
    source: str
    """Where the addresses come from."""


class UniswapV3Fork(_Frozen):
    name: str = Field(min_length=1)
    """The venue's name in this project ("sushiswap-v3"): it names the pools in routes and the journal."""
    factory: Address
    """Its UniswapV3Factory-compatible factory: getPool(token0, token1, fee)."""
    nonfungible_position_manager: Address
    """Its NonfungiblePositionManager."""
    pool_init_code_hash: Hash32
    """keccak256 of its pool creation code, for CREATE2 pool addresses (FlashArb's genuine-pool check)."""
    factory_deployment_block: int = Field(default=0, ge=0)
    """Where a scan of its PoolCreated logs starts (0 when not known: the first scan reads the whole
    chain once, then the cache)."""
    source: str
    """Where the addresses come from."""


class UniswapV2Dex(_Frozen):
    name: str = Field(min_length=1)
    """The DEX's name in this project ("quickswap", "sushiswap")."""
    factory: Address
    """The UniswapV2Factory-compatible factory: getPair, allPairs."""
    router: Address
    """The UniswapV2Router02-compatible router."""
    fee_bps: int = Field(ge=0, lt=10_000)
    """The swap fee in basis points (30 = 0.30%, i.e. 997/1000)."""
    init_code_hash: Hash32
    """The pair init code hash on real Polygon, for CREATE2 pair addresses."""
    replica_init_code_hash: Hash32
    """The pair init code hash on the local replica, which runs Uniswap V2 bytecode for every V2 DEX.
    Where it differs from init_code_hash, find replica pairs with factory.getPair, not CREATE2."""
    source: str
    """Where the addresses come from."""


class AlgebraV1(_Frozen):
    factory: Address
    """AlgebraFactory: poolByPair(tokenA, tokenB), one pool per pair, the adaptive fee configuration."""
    pool_deployer: Address
    """AlgebraPoolDeployer: creates every pool with CREATE2, salt keccak256(abi.encode(token0, token1))."""
    quoter: Address
    """Quoter (Algebra periphery): quoteExactInputSingle(tokenIn, tokenOut, amountIn, limitSqrtPrice)."""
    swap_router: Address
    """SwapRouter (Algebra periphery): exactInputSingle / exactInput."""
    pool_init_code_hash: Hash32
    """keccak256 of the pool creation code on real Polygon, for CREATE2 pool addresses."""
    replica_pool_init_code_hash: Hash32
    """keccak256 of the pool creation code on the local replica (the npm build of the same source)."""
    source: str
    """Where the addresses come from."""


class BalancerV2(_Frozen):
    vault: Address
    """The Vault: every pool's tokens, swaps, joins, exits and fee-free flash loans."""
    protocol_fees_collector: Address
    """ProtocolFeesCollector, created by the Vault's constructor."""
    authorizer: Address
    """The Authorizer the Vault asks for permissions."""
    queries: Address
    """BalancerQueries: querySwap / queryBatchSwap without state changes."""
    weighted_pool_factory: Address
    """WeightedPoolFactory (v3, task 20230206-weighted-pool-v3)."""
    composable_stable_pool_factory: Address
    """ComposableStablePoolFactory (v3, task 20230206-composable-stable-pool-v3): stable pools with rate
    providers whose own BPT is one of their registered tokens."""
    vault_deployment_block: int = Field(default=0, ge=0)
    """The block the Vault was deployed in: where a scan of its PoolRegistered logs starts."""
    protocol_fee_percentages_provider: Address
    """ProtocolFeePercentagesProvider read by newer pools."""
    source: str
    """Where the addresses come from."""


class CurvePool(_Frozen):
    name: str = Field(min_length=1)
    """A short name for the pool."""
    address: Address
    """The pool contract."""
    coins: tuple[Address, ...] = Field(min_length=2)
    """The pool's coins in index order (the i, j of exchange)."""
    label: str | None = None
    """For replica pools: the label whose keccak256 gives the address."""
    underlying_coins: tuple[Address, ...] = ()
    """Lending pools only (Curve's aave pool): underlying_coins(i), the assets `exchange_underlying`
    trades, in the order of `coins` (whose entries are then the lending market's wrapped tokens)."""
    source: str | None = None
    """Where a real pool's address and coins come from."""

    @model_validator(mode="after")
    def _underlying_matches(self) -> CurvePool:
        if self.underlying_coins and len(self.underlying_coins) != len(self.coins):
            raise ValueError(
                f"Curve pool {self.name}: {len(self.underlying_coins)} underlying coins for "
                f"{len(self.coins)} coins"
            )
        return self


class Curve(_Frozen):
    pools: tuple[CurvePool, ...] = ()
    """Curve pools at their real chain addresses (the replica carries a stand-in at the same address)."""
    replica_pools: tuple[CurvePool, ...] = ()
    """Pools that exist only on the local replica (CurveStableSwapReplica)."""
    address_provider: Address | None = None
    """Curve's AddressProvider: get_registry() and get_address(id) name the registries and factories
    that list every Curve pool (the same address on every chain Curve runs on)."""
    note: str = ""
    """Why the sections look the way they do."""


class AddressBook(_Frozen):
    chain_id: int = Field(gt=0)
    """The chain these addresses belong to (137 for Polygon PoS)."""
    network: str
    """The ape ecosystem's network name."""
    generated_by: str
    """The script that wrote the JSON."""
    sources: dict[str, str]
    """npm package -> version the JSON was generated from."""
    tokens: dict[str, Token] = Field(min_length=1)
    """symbol -> Token for the tokens the project trades, in the book's order (a list in the JSON)."""
    multicall3: Multicall3
    """Multicall3."""
    aave_v3: AaveV3
    """Aave V3 market."""
    uniswap_v3: UniswapV3
    """Uniswap V3."""
    uniswap_v2_dexes: tuple[UniswapV2Dex, ...]
    """Uniswap V2-style DEXes (QuickSwap, SushiSwap)."""
    uniswap_v3_forks: tuple[UniswapV3Fork, ...] = ()
    """Other venues running Uniswap V3 code at their own factory (SushiSwap V3)."""
    quickswap_v3: AlgebraV1
    """QuickSwap V3 (Algebra V1)."""
    balancer_v2: BalancerV2
    """Balancer V2."""
    curve: Curve
    """Curve pools."""
    notes: dict[str, str] = {}
    """Remarks for readers."""

    @field_validator("tokens", mode="before")
    @classmethod
    def _tokens_by_symbol(cls, value: object) -> object:
        if not isinstance(value, (list, tuple)):
            return value
        by_symbol: dict[str, object] = {}
        for index, entry in enumerate(value):
            symbol = entry.get("symbol") if isinstance(entry, dict) else getattr(entry, "symbol", None)
            if not isinstance(symbol, str) or not symbol:
                raise ValueError(f"token #{index} has no symbol")
            if symbol in by_symbol:
                raise ValueError(f"token {symbol!r} is listed twice")
            by_symbol[symbol] = entry
        return by_symbol

    @model_validator(mode="after")
    def _unique(self) -> AddressBook:
        seen_symbols: dict[str, str] = {}
        for symbol_key, token in self.tokens.items():
            if symbol_key != token.symbol:
                raise ValueError(f"token key {symbol_key!r} differs from its symbol {token.symbol!r}")
            for symbol in (token.symbol, *token.aliases):
                key = symbol.lower()
                if key in seen_symbols:
                    raise ValueError(
                        f"token symbol {symbol!r} is used by {seen_symbols[key]} and {token.symbol}"
                    )
                seen_symbols[key] = token.symbol
        roles: dict[str, str] = {}
        for role, address in self.roles():
            previous = roles.setdefault(address.lower(), role)
            if previous != role:
                raise ValueError(f"address {address} is listed twice: as {previous} and as {role}")
        dex_names = [dex.name for dex in self.uniswap_v2_dexes]
        if len(set(dex_names)) != len(dex_names):
            raise ValueError(f"duplicate V2 DEX name in {dex_names}")
        fork_names = [fork.name for fork in self.uniswap_v3_forks]
        if len(set(fork_names)) != len(fork_names) or "uniswap-v3" in fork_names:
            raise ValueError(f"duplicate V3 venue name in {fork_names}")
        return self

    def roles(self) -> Iterator[tuple[str, str]]:
        """Every (role, address) the book names, e.g. ("token USDC", "0x3c49...")."""
        for token in self.tokens.values():
            yield f"token {token.symbol}", token.address
        yield "multicall3", self.multicall3.address
        for section in ("aave_v3", "uniswap_v3", "quickswap_v3", "balancer_v2"):
            model = getattr(self, section)
            for field, value in model:
                hashes = ("source", "pool_init_code_hash", "replica_pool_init_code_hash")
                if field not in hashes and isinstance(value, str):
                    yield f"{section}.{field}", value
        for dex in self.uniswap_v2_dexes:
            yield f"{dex.name}.factory", dex.factory
            yield f"{dex.name}.router", dex.router
        for fork in self.uniswap_v3_forks:
            yield f"{fork.name}.factory", fork.factory
            yield f"{fork.name}.nonfungible_position_manager", fork.nonfungible_position_manager
        for pool in (*self.curve.pools, *self.curve.replica_pools):
            yield f"curve {pool.name}", pool.address
        if self.curve.address_provider is not None:
            yield "curve.address_provider", self.curve.address_provider

    def token(self, symbol: str) -> Token:
        """The token named `symbol` or one of its aliases, case-insensitively."""
        wanted = symbol.lower()
        for token in self.tokens.values():
            if token.symbol.lower() == wanted or any(alias.lower() == wanted for alias in token.aliases):
                return token
        known = ", ".join(self.tokens)
        raise AddressBookError(f"no token {symbol!r} on chain {self.chain_id}; known symbols: {known}")

    def token_by_address(self, address: str) -> Token:
        """The token at `address` (any case)."""
        wanted = address.lower()
        for token in self.tokens.values():
            if token.address.lower() == wanted:
                return token
        raise AddressBookError(f"no token at {address} in the chain {self.chain_id} address book")

    def dex(self, name: str) -> UniswapV2Dex:
        """The V2-style DEX called `name` (case-insensitive)."""
        for dex in self.uniswap_v2_dexes:
            if dex.name.lower() == name.lower():
                return dex
        known = ", ".join(dex.name for dex in self.uniswap_v2_dexes)
        raise AddressBookError(f"no V2 DEX {name!r} on chain {self.chain_id}; known: {known}")
