"""Protocol artifacts from the npm packages: ABI and creation code, with hardhat library linking.

Three layouts ship in node_modules: hardhat artifacts (Aave, Uniswap V3, Balancer: `bytecode` with
`linkReferences`), waffle builds (Uniswap V2: `bytecode` without 0x, `evm.bytecode.linkReferences`) and
viem's Multicall3 creation code. Every artifact the builder reads goes through `npm_artifact`, which
also records the package so its version enters the cache key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from bot.errors import ReplicaError
from bot.replica.anvil import PROJECT_ROOT

NODE_MODULES = PROJECT_ROOT / "node_modules"

# Every npm package whose files the builder reads; their versions are part of the cache key.
ARTIFACT_PACKAGES = (
    "@aave/core-v3",
    "@uniswap/v2-core",
    "@uniswap/v2-periphery",
    "@uniswap/v3-core",
    "@uniswap/v3-periphery",
    "@balancer-labs/v2-deployments",
    "@cryptoalgebra/core",
    "@cryptoalgebra/periphery",
    "viem",
    "solc",
)

# (package, path inside it) of each artifact the builder uses, by short name.
PATHS: dict[str, tuple[str, str]] = {
    # Uniswap V2 (waffle builds)
    "WETH9": ("@uniswap/v2-periphery", "build/WETH9.json"),
    "UniswapV2Factory": ("@uniswap/v2-core", "build/UniswapV2Factory.json"),
    "UniswapV2Pair": ("@uniswap/v2-core", "build/UniswapV2Pair.json"),
    "UniswapV2Router02": ("@uniswap/v2-periphery", "build/UniswapV2Router02.json"),
    # Uniswap V3 (hardhat)
    "UniswapV3Factory": (
        "@uniswap/v3-core",
        "artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json",
    ),
    "UniswapV3Pool": ("@uniswap/v3-core", "artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json"),
    "SwapRouter": ("@uniswap/v3-periphery", "artifacts/contracts/SwapRouter.sol/SwapRouter.json"),
    "QuoterV2": ("@uniswap/v3-periphery", "artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json"),
    "NonfungiblePositionManager": (
        "@uniswap/v3-periphery",
        "artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json",
    ),
    # Algebra V1 (QuickSwap V3; hardhat): core 2.0.0, periphery 2.0.1 (see docs/algebra.md)
    "AlgebraFactory": ("@cryptoalgebra/core", "artifacts/contracts/AlgebraFactory.sol/AlgebraFactory.json"),
    "AlgebraPoolDeployer": (
        "@cryptoalgebra/core",
        "artifacts/contracts/AlgebraPoolDeployer.sol/AlgebraPoolDeployer.json",
    ),
    "AlgebraPool": ("@cryptoalgebra/core", "artifacts/contracts/AlgebraPool.sol/AlgebraPool.json"),
    "DataStorageOperator": (
        "@cryptoalgebra/core",
        "artifacts/contracts/DataStorageOperator.sol/DataStorageOperator.json",
    ),
    "AlgebraQuoter": ("@cryptoalgebra/periphery", "artifacts/contracts/lens/Quoter.sol/Quoter.json"),
    "AlgebraSwapRouter": ("@cryptoalgebra/periphery", "artifacts/contracts/SwapRouter.sol/SwapRouter.json"),
    # Balancer V2 (hardhat, per deployment task)
    "Authorizer": (
        "@balancer-labs/v2-deployments",
        "dist/tasks/20210418-authorizer/artifact/Authorizer.json",
    ),
    "Vault": ("@balancer-labs/v2-deployments", "dist/tasks/20210418-vault/artifact/Vault.json"),
    "ProtocolFeePercentagesProvider": (
        "@balancer-labs/v2-deployments",
        "dist/tasks/20220725-protocol-fee-percentages-provider/artifact/ProtocolFeePercentagesProvider.json",
    ),
    "BalancerQueries": (
        "@balancer-labs/v2-deployments",
        "dist/tasks/20220721-balancer-queries/artifact/BalancerQueries.json",
    ),
    "WeightedPoolFactory": (
        "@balancer-labs/v2-deployments",
        "dist/tasks/20230206-weighted-pool-v3/artifact/WeightedPoolFactory.json",
    ),
    "WeightedPool": (
        "@balancer-labs/v2-deployments",
        "dist/tasks/20230206-weighted-pool-v3/artifact/WeightedPool.json",
    ),
    "ComposableStablePoolFactory": (
        "@balancer-labs/v2-deployments",
        "dist/tasks/20230206-composable-stable-pool-v3/artifact/ComposableStablePoolFactory.json",
    ),
    "ComposableStablePool": (
        "@balancer-labs/v2-deployments",
        "dist/tasks/20230206-composable-stable-pool-v3/artifact/ComposableStablePool.json",
    ),
}

_AAVE = "artifacts/contracts/"
for _name, _rel in {
    "PoolAddressesProvider": "protocol/configuration/PoolAddressesProvider.sol",
    "ACLManager": "protocol/configuration/ACLManager.sol",
    "Pool": "protocol/pool/Pool.sol",
    "PoolConfigurator": "protocol/pool/PoolConfigurator.sol",
    "DefaultReserveInterestRateStrategy": "protocol/pool/DefaultReserveInterestRateStrategy.sol",
    "AToken": "protocol/tokenization/AToken.sol",
    "StableDebtToken": "protocol/tokenization/StableDebtToken.sol",
    "VariableDebtToken": "protocol/tokenization/VariableDebtToken.sol",
    "AaveOracle": "misc/AaveOracle.sol",
    "AaveProtocolDataProvider": "misc/AaveProtocolDataProvider.sol",
    "MockAggregator": "mocks/oracle/CLAggregators/MockAggregator.sol",
    "InitializableImmutableAdminUpgradeabilityProxy": (
        "protocol/libraries/aave-upgradeability/InitializableImmutableAdminUpgradeabilityProxy.sol"
    ),
    "BorrowLogic": "protocol/libraries/logic/BorrowLogic.sol",
    "BridgeLogic": "protocol/libraries/logic/BridgeLogic.sol",
    "EModeLogic": "protocol/libraries/logic/EModeLogic.sol",
    "FlashLoanLogic": "protocol/libraries/logic/FlashLoanLogic.sol",
    "LiquidationLogic": "protocol/libraries/logic/LiquidationLogic.sol",
    "PoolLogic": "protocol/libraries/logic/PoolLogic.sol",
    "SupplyLogic": "protocol/libraries/logic/SupplyLogic.sol",
    "ConfiguratorLogic": "protocol/libraries/logic/ConfiguratorLogic.sol",
}.items():
    PATHS[_name] = ("@aave/core-v3", f"{_AAVE}{_rel}/{_name}.json")


@dataclass(frozen=True)
class Artifact:
    """A contract's ABI and creation code; `link_references` maps library name -> byte offsets."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str  # hex without 0x; may contain __$...$__ link placeholders
    link_references: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def linked(self, libraries: dict[str, str]) -> str:
        """The creation code with every library placeholder replaced by its address (hex, no 0x)."""
        code = self.bytecode
        missing = sorted(set(self.link_references) - set(libraries))
        if missing:
            raise ReplicaError(f"{self.name} needs libraries {', '.join(missing)} linked")
        for library, offsets in self.link_references.items():
            address = libraries[library].lower().removeprefix("0x")
            for offset in offsets:
                start = offset * 2
                code = code[:start] + address + code[start + 40 :]
        if "__" in code and re.search(r"__\$[0-9a-fA-F]{34}\$__", code):
            raise ReplicaError(f"{self.name}: unlinked library placeholder left in the creation code")
        return code


def package_version(package: str) -> str:
    path = NODE_MODULES / package / "package.json"
    try:
        return str(json.loads(path.read_text())["version"])
    except (OSError, KeyError, json.JSONDecodeError) as exc:
        raise ReplicaError(f"npm package {package} is missing or broken ({path}): run `npm ci`") from exc


@cache
def npm_artifact(name: str) -> Artifact:
    """The artifact called `name` (a key of PATHS) from its npm package."""
    if name not in PATHS:
        raise ReplicaError(f"unknown artifact {name!r}; known: {', '.join(sorted(PATHS))}")
    package, rel = PATHS[name]
    path = NODE_MODULES / package / rel
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ReplicaError(f"cannot read artifact {name} at {path}: {exc} (run `npm ci`)") from exc
    if isinstance(data.get("evm"), dict):  # waffle build
        bytecode = data["evm"]["bytecode"]["object"]
        refs_src = data["evm"]["bytecode"].get("linkReferences", {})
    else:  # hardhat artifact
        bytecode = data["bytecode"]
        refs_src = data.get("linkReferences", {})
    refs: dict[str, tuple[int, ...]] = {}
    for libraries in refs_src.values():
        for library, places in libraries.items():
            refs[library] = tuple(place["start"] for place in places)
    code = bytecode.removeprefix("0x")
    if not code:
        raise ReplicaError(f"artifact {name} at {path} has no creation code")
    return Artifact(name=name, abi=data["abi"], bytecode=code, link_references=refs)


def multicall3_creation_code() -> str:
    """Multicall3's creation code as viem ships it (hex, no 0x)."""
    path = NODE_MODULES / "viem" / "_cjs" / "constants" / "contracts.js"
    try:
        text = path.read_text()
    except OSError as exc:
        raise ReplicaError(f"cannot read viem's contract constants at {path}: {exc}") from exc
    match = re.search(r"multicall3Bytecode\s*=\s*'0x([0-9a-fA-F]+)'", text)
    if match is None:
        raise ReplicaError(f"viem's {path} no longer defines multicall3Bytecode")
    return match.group(1)


MULTICALL3_ABI: list[dict[str, Any]] = [
    {
        "inputs": [
            {
                "components": [
                    {"name": "target", "type": "address"},
                    {"name": "allowFailure", "type": "bool"},
                    {"name": "callData", "type": "bytes"},
                ],
                "name": "calls",
                "type": "tuple[]",
            }
        ],
        "name": "aggregate3",
        "outputs": [
            {
                "components": [{"name": "success", "type": "bool"}, {"name": "returnData", "type": "bytes"}],
                "name": "returnData",
                "type": "tuple[]",
            }
        ],
        "stateMutability": "payable",
        "type": "function",
    },
    {
        "inputs": [],
        "name": "getBlockNumber",
        "outputs": [{"name": "blockNumber", "type": "uint256"}],
        "stateMutability": "view",
        "type": "function",
    },
]
