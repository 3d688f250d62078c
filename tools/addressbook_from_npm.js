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
const DOCUMENTED = {
  quickswapRouter: {
    address: '0xa5E0829CaCEd8fFDD4De3c43696c57F7D7A678ff',
    source: "QuickSwap's documentation (smart contracts: UniswapV2Router02 on Polygon); quickswap-sdk ships the factory only",
  },
  uniswapQuoterV2: {
    address: '0x61fFE014bA17989E743c5F6cB21bF9697530B21e',
    source: '@uniswap/smart-order-router util/addresses.js QUOTER_V2_ADDRESSES (same address on Polygon)',
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
      '@balancer-labs/v2-deployments', 'micro-eth-signer', 'viem',
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
    source:
      '@uniswap/sdk-core CHAIN_TO_ADDRESSES_MAP[POLYGON] (factory, position manager); SwapRouter: ' +
      'micro-eth-signer UNISWAP_V3_ROUTER_CONTRACT (Uniswap V3 periphery shares its addresses on Polygon, ' +
      `see sdk-core DEFAULT_ADDRESSES); QuoterV2: ${DOCUMENTED.uniswapQuoterV2.source}; pool_init_code_hash: ` +
      'keccak256 of UniswapV3Pool creation code in @uniswap/v3-core',
  },
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
  balancer_v2: {
    vault: balancer('20210418-vault', 'Vault'),
    protocol_fees_collector: balancer('20210418-vault', 'ProtocolFeesCollector'),
    authorizer: balancer('20210418-authorizer', 'Authorizer'),
    queries: balancer('20220721-balancer-queries', 'BalancerQueries'),
    weighted_pool_factory: balancer('20230206-weighted-pool-v3', 'WeightedPoolFactory'),
    protocol_fee_percentages_provider: balancer('20220725-protocol-fee-percentages-provider', 'ProtocolFeePercentagesProvider'),
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
  },
};

const text = `${JSON.stringify(book, null, 2)}\n`;
if (process.argv.includes('--stdout')) process.stdout.write(text);
else {
  fs.writeFileSync(OUTPUT, text);
  process.stderr.write(`wrote ${path.relative(ROOT, OUTPUT)} (${tokens.length} tokens)\n`);
}
