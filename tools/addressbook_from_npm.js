#!/usr/bin/env node
// Generates bot/addressbook/polygon.json, the canonical Polygon (chain 137) address book, from the npm
// packages in node_modules. Nothing here is typed in from memory: each address is read from a package,
// and the few that no installed package carries are listed in DOCUMENTED below with where they come from.
//
//   node tools/addressbook_from_npm.js            write bot/addressbook/polygon.json
//   node tools/addressbook_from_npm.js --stdout   print the JSON instead (the drift test compares it)
'use strict';
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const NM = path.join(ROOT, 'node_modules');
const OUTPUT = path.join(ROOT, 'bot', 'addressbook', 'polygon.json');
const req = (name) => require(path.join(NM, name));
const readJson = (rel) => JSON.parse(fs.readFileSync(path.join(NM, rel), 'utf8'));
const version = (pkg) => readJson(`${pkg}/package.json`).version;

function fail(message) {
  process.stderr.write(`addressbook_from_npm: ${message}\n`);
  process.exit(1);
}

// The packages print warnings about their own data when loaded; keep our output clean.
function quietly(load) {
  const warn = console.warn;
  console.warn = () => {};
  try {
    return load();
  } finally {
    console.warn = warn;
  }
}

const viem = req('viem');
const checksum = (address, what) => {
  if (typeof address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(address)) fail(`${what}: not an address: ${address}`);
  return viem.getAddress(address);
};

const aave = quietly(() => req('@bgd-labs/aave-address-book')).AaveV3Polygon;
const sdkCore = quietly(() => req('@uniswap/sdk-core'));
const quickswap = quietly(() => req('quickswap-sdk'));
const sushi = quietly(() => req('@sushiswap/core-sdk'));
const uniswapList = readJson('@uniswap/default-token-list/build/uniswap-default.tokenlist.json');
const quickswapList = readJson('quickswap-default-token-list/build/quickswap-default.tokenlist.json');
const balancerPolygon = readJson('@balancer-labs/v2-deployments/dist/addresses/polygon.json');
const microEthSigner = quietly(() => req('micro-eth-signer/abi/uniswap-v3.js'));
const multicall3Source = 'viem (deployless multicall: the deterministic Multicall3 deployment)';

const CHAIN_ID = 137;
if (aave.CHAIN_ID !== CHAIN_ID) fail(`AaveV3Polygon.CHAIN_ID is ${aave.CHAIN_ID}, expected ${CHAIN_ID}`);

// Addresses no installed package carries, each with its source. Checked against the chain by the
// replica tests (code at the address) and, on a real-Polygon fork, by the same tests.
// Deployment blocks (where a log scan starts), from public indexer configurations.
const DEPLOYMENT_BLOCKS = {
  uniswapV3Factory: 22757547, // Uniswap V3 factory on Polygon (Uniswap V3 subgraph configs, degenbot's chain table)
  balancerVault: 15832990, // Balancer V2 Vault on Polygon (balancer-subgraph-v2 networks.yaml, polygon.Vault.startBlock)
};

const DOCUMENTED = {
  quickswapRouter: {
    address: '0xa5E0829CaCEd8fFDD4De3c43696c57F7D7A678ff',
    source: "QuickSwap's documentation (smart contracts: UniswapV2Router02 on Polygon); quickswap-sdk ships the factory only",
  },
  // @sushiswap/v3-sdk 1.0.12 dist/constants.js carries these (SUSHISWAP_V3_FACTORY_ADDRESS,
  // SUSHISWAP_V3_POSTIION_MANAGER and SUSHISWAP_V3_INIT_CODE_HASH at ChainId.POLYGON); it is not installed
  // because it pulls in the whole sushi SDK. Its Polygon init code hash is Uniswap V3's pool hash, which is
  // checked below against keccak256 of UniswapV3Pool in @uniswap/v3-core.
  sushiswapV3: {
    factory: '0x917933899c6a5F8E37F31E19f92CdBFF7e8FF0e2',
    positionManager: '0xb7402ee99F0A008e461098AC3A27F4957Df89a40',
    initCodeHash: '0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54',
    source:
      '@sushiswap/v3-sdk 1.0.12 dist/constants.js SUSHISWAP_V3_FACTORY_ADDRESS, SUSHISWAP_V3_POSTIION_MANAGER, ' +
      'SUSHISWAP_V3_INIT_CODE_HASH [ChainId.POLYGON] (Uniswap V3 code: the init code hash equals keccak256 of ' +
      'UniswapV3Pool in @uniswap/v3-core)',
  },
  curveAddressProvider: {
    address: '0x0000000022D53366457F9d5E68Ec105046FC4383',
    source: "Curve's documentation (integration: address provider, deployed on every chain Curve runs on)",
  },
  uniswapQuoterV2: {
    address: '0x61fFE014bA17989E743c5F6cB21bF9697530B21e',
    source: '@uniswap/smart-order-router util/addresses.js QUOTER_V2_ADDRESSES (same address on Polygon)',
  },
  quickswapV3: {
    factory: '0x411b0fAcC3489691f28ad58c47006AF5E3Ab3A28',
    poolDeployer: '0x2D98E2FA9da15aa6dC9581AB097Ced7af697CB92',
    quoter: '0xa15F0D7377B2A0C0c10db057f641beD21028FC89',
    swapRouter: '0xf5b509bB0909a69B1c207E495f687a596C168E12',
    poolInitCodeHash: '0x6ec6c9c8091d160c0aa74b2b14ba9c1717e95093bd3ac085cee99a49aab294a4',
    source:
      'QuickSwap V3 (Algebra V1) on Polygon as public integrations list it (aggregator configs, routers that ' +
      'hard-code the deployer); pool_init_code_hash: the Algebra repository v1.0.0 tag (periphery PoolAddress), ' +
      'reproduced by compiling that tag with its own settings (docs/algebra.md); replica_pool_init_code_hash: ' +
      'keccak256 of AlgebraPool creation code in @cryptoalgebra/core',
  },
};

// The product's tokens, in this order. `aave` names the key in AaveV3Polygon.ASSETS; tokens Aave lacks
// are found by symbol in a default token list.
const TOKENS = [
  { symbol: 'WMATIC', aave: 'WPOL', aliases: ['WPOL'] },
  { symbol: 'WETH', aave: 'WETH' },
  { symbol: 'WBTC', aave: 'WBTC' },
  { symbol: 'USDC', aave: 'USDCn', aliases: ['USDCn'], note: 'native USDC (Circle)' },
  { symbol: 'USDC.e', aave: 'USDC', note: 'bridged USDC (PoS), the asset Aave lists as USDC' },
  { symbol: 'USDT', aave: 'USDT0', aliases: ['USDT0'] },
  { symbol: 'DAI', aave: 'DAI' },
  { symbol: 'LINK', aave: 'LINK' },
  { symbol: 'AAVE', aave: 'AAVE' },
  { symbol: 'UNI', list: ['uniswap', 'UNI'] },
  { symbol: 'SUSHI', aave: 'SUSHI' },
  { symbol: 'MaticX', aave: 'MaticX' },
  { symbol: 'CRV', aave: 'CRV' },
  { symbol: 'BAL', aave: 'BAL' },
  { symbol: 'QUICK', list: ['quickswap', 'QUICK(NEW)'] },
  { symbol: 'GHST', aave: 'GHST' },
];

const polygonTokens = (list) => list.tokens.filter((t) => t.chainId === CHAIN_ID);
const LISTS = { uniswap: polygonTokens(uniswapList), quickswap: polygonTokens(quickswapList) };
const listName = (address) => {
  for (const key of ['uniswap', 'quickswap']) {
    const hit = LISTS[key].find((t) => t.address.toLowerCase() === address.toLowerCase());
    if (hit) return { name: hit.name, source: `${key === 'uniswap' ? '@uniswap/default-token-list' : 'quickswap-default-token-list'}` };
  }
  return null;
};

function token(spec) {
  let address;
  let decimals;
  let source;
  if (spec.aave) {
    const asset = aave.ASSETS[spec.aave];
    if (!asset) fail(`AaveV3Polygon.ASSETS has no ${spec.aave} (for ${spec.symbol})`);
    address = checksum(asset.UNDERLYING, `${spec.symbol} UNDERLYING`);
    decimals = asset.decimals;
    source = `@bgd-labs/aave-address-book AaveV3Polygon.ASSETS.${spec.aave}`;
  } else {
    const [list, symbol] = spec.list;
    const hit = LISTS[list].find((t) => t.symbol === symbol);
    if (!hit) fail(`no ${symbol} on chain ${CHAIN_ID} in the ${list} token list`);
    address = checksum(hit.address, `${spec.symbol} address`);
    decimals = hit.decimals;
    source = `${list === 'uniswap' ? '@uniswap/default-token-list' : 'quickswap-default-token-list'} (${symbol})`;
  }
  if (!Number.isInteger(decimals)) fail(`${spec.symbol}: decimals missing`);
  const named = listName(address);
  const entry = { symbol: spec.symbol, name: named ? named.name : spec.symbol, address, decimals };
  entry.aliases = spec.aliases || [];
  entry.source = source;
  if (spec.note) entry.note = spec.note;
  return entry;
}

// Each Balancer task's own output (dist/tasks/<task>/output/polygon.json) names its deployments; the
// aggregated dist/addresses/polygon.json must agree where it lists the same contract.
function balancer(task, name) {
  const output = readJson(`@balancer-labs/v2-deployments/dist/tasks/${task}/output/polygon.json`);
  if (!output[name]) fail(`@balancer-labs/v2-deployments ${task} has no ${name} on polygon`);
  const address = checksum(output[name], `Balancer ${name}`);
  for (const [listed, v] of Object.entries(balancerPolygon)) {
    if (v.task === task && v.name === name && listed.toLowerCase() !== address.toLowerCase()) {
      fail(`Balancer ${task}/${name}: task output ${address} differs from addresses/polygon.json ${listed}`);
    }
  }
  return address;
}

const keccakOfBytecode = (rel, key) => {
  const artifact = readJson(rel);
  const code = key === 'waffle' ? `0x${artifact.bytecode}` : artifact.bytecode;
  return viem.keccak256(code);
};

const uniswapV3PoolHash = keccakOfBytecode('@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json', 'hardhat');
if (DOCUMENTED.sushiswapV3.initCodeHash !== uniswapV3PoolHash) {
  fail(`SushiSwap V3 init code hash ${DOCUMENTED.sushiswapV3.initCodeHash} differs from keccak(UniswapV3Pool) ${uniswapV3PoolHash}`);
}

const uniV3 = sdkCore.CHAIN_TO_ADDRESSES_MAP[sdkCore.ChainId.POLYGON];
const uniswapV2PairHash = keccakOfBytecode('@uniswap/v2-core/build/UniswapV2Pair.json', 'waffle');
if (uniswapV2PairHash !== quickswap.INIT_CODE_HASH) {
  fail(`quickswap-sdk INIT_CODE_HASH ${quickswap.INIT_CODE_HASH} differs from keccak(UniswapV2Pair) ${uniswapV2PairHash}`);
}

// The replica's Curve stand-in sits at an address derived from its label (there is no real bytecode to
// place at a real Polygon Curve pool address).
const CURVE_REPLICA_LABEL = 'FlashArb Polygon replica: CurveStableSwapReplica USDC.e/USDT/DAI';
const curveReplicaAddress = viem.getAddress(`0x${viem.keccak256(viem.toHex(CURVE_REPLICA_LABEL)).slice(-40)}`);

const tokens = TOKENS.map(token);
const bySymbol = Object.fromEntries(tokens.map((t) => [t.symbol, t.address]));

const book = {
  chain_id: CHAIN_ID,
  network: 'polygon',
  generated_by: 'tools/addressbook_from_npm.js',
  sources: Object.fromEntries(
    [
      '@bgd-labs/aave-address-book', '@uniswap/sdk-core', '@uniswap/default-token-list', '@uniswap/v2-core',
      '@uniswap/v3-core', 'quickswap-sdk', 'quickswap-default-token-list', '@sushiswap/core-sdk',
      '@balancer-labs/v2-deployments', 'micro-eth-signer', 'viem', '@cryptoalgebra/core',
    ].map((pkg) => [pkg, version(pkg)]),
  ),
  tokens,
  multicall3: { address: checksum('0xcA11bde05977b3631167028862bE2a173976CA11', 'Multicall3'), source: multicall3Source },
  aave_v3: {
    pool_addresses_provider: checksum(aave.POOL_ADDRESSES_PROVIDER, 'Aave POOL_ADDRESSES_PROVIDER'),
    pool: checksum(aave.POOL, 'Aave POOL'),
    pool_configurator: checksum(aave.POOL_CONFIGURATOR, 'Aave POOL_CONFIGURATOR'),
    oracle: checksum(aave.ORACLE, 'Aave ORACLE'),
    protocol_data_provider: checksum(aave.AAVE_PROTOCOL_DATA_PROVIDER, 'Aave AAVE_PROTOCOL_DATA_PROVIDER'),
    acl_manager: checksum(aave.ACL_MANAGER, 'Aave ACL_MANAGER'),
    source: '@bgd-labs/aave-address-book AaveV3Polygon',
  },
  uniswap_v3: {
    factory: checksum(uniV3.v3CoreFactoryAddress, 'Uniswap V3 factory'),
    swap_router: checksum(microEthSigner.UNISWAP_V3_ROUTER_CONTRACT, 'Uniswap V3 SwapRouter'),
    quoter_v2: checksum(DOCUMENTED.uniswapQuoterV2.address, 'Uniswap V3 QuoterV2'),
    nonfungible_position_manager: checksum(uniV3.nonfungiblePositionManagerAddress, 'Uniswap V3 NonfungiblePositionManager'),
    pool_init_code_hash: keccakOfBytecode('@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json', 'hardhat'),
    factory_deployment_block: DEPLOYMENT_BLOCKS.uniswapV3Factory,
    source:
      '@uniswap/sdk-core CHAIN_TO_ADDRESSES_MAP[POLYGON] (factory, position manager); SwapRouter: ' +
      'micro-eth-signer UNISWAP_V3_ROUTER_CONTRACT (Uniswap V3 periphery shares its addresses on Polygon, ' +
      `see sdk-core DEFAULT_ADDRESSES); QuoterV2: ${DOCUMENTED.uniswapQuoterV2.source}; pool_init_code_hash: ` +
      'keccak256 of UniswapV3Pool creation code in @uniswap/v3-core',
  },
  uniswap_v3_forks: [
    {
      name: 'sushiswap-v3',
      factory: checksum(DOCUMENTED.sushiswapV3.factory, 'SushiSwap V3 factory'),
      nonfungible_position_manager: checksum(DOCUMENTED.sushiswapV3.positionManager, 'SushiSwap V3 position manager'),
      pool_init_code_hash: DOCUMENTED.sushiswapV3.initCodeHash,
      source: DOCUMENTED.sushiswapV3.source,
    },
  ],
  uniswap_v2_dexes: [
    {
      name: 'quickswap',
      factory: checksum(quickswap.FACTORY_ADDRESS[CHAIN_ID], 'QuickSwap factory'),
      router: checksum(DOCUMENTED.quickswapRouter.address, 'QuickSwap router'),
      fee_bps: 30,
      init_code_hash: quickswap.INIT_CODE_HASH,
      replica_init_code_hash: uniswapV2PairHash,
      source: `quickswap-sdk FACTORY_ADDRESS[137], INIT_CODE_HASH; router: ${DOCUMENTED.quickswapRouter.source}`,
    },
    {
      name: 'sushiswap',
      factory: checksum(sushi.FACTORY_ADDRESS[sushi.ChainId.MATIC], 'SushiSwap factory'),
      router: checksum(sushi.ROUTER_ADDRESS[sushi.ChainId.MATIC], 'SushiSwap router'),
      fee_bps: 30,
      init_code_hash: sushi.INIT_CODE_HASH[sushi.ChainId.MATIC],
      replica_init_code_hash: uniswapV2PairHash,
      source: '@sushiswap/core-sdk FACTORY_ADDRESS, ROUTER_ADDRESS, INIT_CODE_HASH [ChainId.MATIC]',
    },
  ],
  quickswap_v3: {
    factory: checksum(DOCUMENTED.quickswapV3.factory, 'QuickSwap V3 factory'),
    pool_deployer: checksum(DOCUMENTED.quickswapV3.poolDeployer, 'QuickSwap V3 pool deployer'),
    quoter: checksum(DOCUMENTED.quickswapV3.quoter, 'QuickSwap V3 quoter'),
    swap_router: checksum(DOCUMENTED.quickswapV3.swapRouter, 'QuickSwap V3 swap router'),
    pool_init_code_hash: DOCUMENTED.quickswapV3.poolInitCodeHash,
    replica_pool_init_code_hash: keccakOfBytecode('@cryptoalgebra/core/artifacts/contracts/AlgebraPool.sol/AlgebraPool.json', 'hardhat'),
    source: DOCUMENTED.quickswapV3.source,
  },
  balancer_v2: {
    vault: balancer('20210418-vault', 'Vault'),
    protocol_fees_collector: balancer('20210418-vault', 'ProtocolFeesCollector'),
    authorizer: balancer('20210418-authorizer', 'Authorizer'),
    queries: balancer('20220721-balancer-queries', 'BalancerQueries'),
    weighted_pool_factory: balancer('20230206-weighted-pool-v3', 'WeightedPoolFactory'),
    composable_stable_pool_factory: balancer('20230206-composable-stable-pool-v3', 'ComposableStablePoolFactory'),
    protocol_fee_percentages_provider: balancer('20220725-protocol-fee-percentages-provider', 'ProtocolFeePercentagesProvider'),
    vault_deployment_block: DEPLOYMENT_BLOCKS.balancerVault,
    source: '@balancer-labs/v2-deployments dist/tasks/<task>/output/polygon.json, checked against dist/addresses/polygon.json',
  },
  curve: {
    // Curve's Polygon aave pool (am3CRV): address, coins and underlying coins as Curve's own deployment
    // record lists them (curvefi/curve-contract-polygon contracts/pools/aave/pooldata.json); no npm
    // package carries them. The replica puts a stand-in (CurveAavePoolReplica) at the same address whose
    // coins are the replica's Aave V3 aTokens: read coins(i) on-chain, never from here.
    pools: [
      {
        name: 'aave',
        address: viem.getAddress('0x445FE580eF8d70FF569aB36e80c647af338db351'),
        coins: [
          viem.getAddress('0x27F8D03b3a2196956ED754baDc28D73be8830A6e'),
          viem.getAddress('0x1a13F4Ca1d028320A707D99520AbFefca3998b7F'),
          viem.getAddress('0x60D55F02A771d515e077c9C2403a1ef324885CeC'),
        ],
        underlying_coins: [bySymbol.DAI, bySymbol['USDC.e'], bySymbol.USDT],
        source:
          'curvefi/curve-contract-polygon contracts/pools/aave/pooldata.json (swap_address; coins: the Aave V2 ' +
          'aTokens amDAI, amUSDC, amUSDT; underlying: DAI, USDC.e, USDT)',
      },
    ],
    replica_pools: [
      {
        name: 'replica-3pool',
        address: curveReplicaAddress,
        coins: [bySymbol['USDC.e'], bySymbol.USDT, bySymbol.DAI],
        label: CURVE_REPLICA_LABEL,
      },
    ],
    address_provider: checksum(DOCUMENTED.curveAddressProvider.address, 'Curve AddressProvider'),
    note:
      'No installed package carries Curve pool addresses or bytecode. pools lists real Polygon pools from ' +
      "Curve's own deployment records; on the replica a stand-in (CurveAavePoolReplica) sits at the same " +
      "address, its coins being the replica's Aave V3 aTokens (real Polygon's are Aave V2 aTokens). " +
      'replica_pools exist only on the local replica: a CurveStableSwapReplica (same ABI and invariant) at an ' +
      'address derived from its label (keccak256(label), last 20 bytes).',
  },
  notes: {
    replica_v2_pairs:
      'The replica runs Uniswap V2 bytecode for both QuickSwap and SushiSwap, so its pair addresses follow ' +
      'replica_init_code_hash on both. SushiSwap pairs on the replica must therefore be found with ' +
      'factory.getPair, never by CREATE2 with init_code_hash (which is right for real Polygon only).',
    replica_quickswap_v3_pools:
      'The replica runs the @cryptoalgebra/core build of Algebra V1, whose pool creation code differs from ' +
      "Polygon's (docs/algebra.md): replica pool addresses follow replica_pool_init_code_hash, real ones " +
      'pool_init_code_hash; factory.poolByPair finds either.',
  },
};

const text = `${JSON.stringify(book, null, 2)}\n`;
if (process.argv.includes('--stdout')) process.stdout.write(text);
else {
  fs.writeFileSync(OUTPUT, text);
  process.stderr.write(`wrote ${path.relative(ROOT, OUTPUT)} (${tokens.length} tokens)\n`);
}
