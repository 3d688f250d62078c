#!/usr/bin/env node
// A `solc` command line backed by solc-js (WebAssembly), for machines that cannot download native solc.
// It implements the two calls py-solc-x and ape-solidity make:
//   solc --version
//   solc --standard-json [--base-path DIR] [--include-path DIR]... [--allow-paths A,B]   (JSON on stdin)
// Imports are resolved the way native solc resolves them: relative to the base path, then each include
// path; a path outside the allowed roots is refused, like native solc.
'use strict';
const fs = require('fs');
const path = require('path');

const projectRoot = path.resolve(__dirname, '..');
const solc = require(path.join(projectRoot, 'node_modules', 'solc'));

function parseArgs(argv) {
  const opts = { version: false, standardJson: false, basePath: null, includePaths: [], allowPaths: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`option ${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--version') opts.version = true;
    else if (arg === '--standard-json') opts.standardJson = true;
    else if (arg === '--base-path') opts.basePath = path.resolve(value());
    else if (arg === '--include-path') opts.includePaths.push(path.resolve(value()));
    else if (arg === '--allow-paths') opts.allowPaths.push(...value().split(',').filter(Boolean).map((p) => path.resolve(p)));
    else if (arg.startsWith('--base-path=')) opts.basePath = path.resolve(arg.slice(12));
    else if (arg.startsWith('--include-path=')) opts.includePaths.push(path.resolve(arg.slice(15)));
    else if (arg.startsWith('--allow-paths=')) opts.allowPaths.push(...arg.slice(14).split(',').filter(Boolean).map((p) => path.resolve(p)));
    else if (arg === '-' ) continue;
    else fail(`unsupported option ${arg} (this solc-js shim implements --version and --standard-json only)`);
  }
  return opts;
}

function fail(message) {
  process.stderr.write(`solc-js shim: ${message}\n`);
  process.exit(1);
}

function within(file, root) {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function makeImportCallback(opts) {
  const roots = [opts.basePath || process.cwd(), ...opts.includePaths];
  const allowed = [...roots, ...opts.allowPaths];
  return (importPath) => {
    const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((root) => path.join(root, importPath));
    for (const candidate of candidates) {
      if (!fs.existsSync(candidate)) continue;
      if (!allowed.some((root) => within(candidate, root))) {
        return { error: `${candidate} is outside the allowed paths` };
      }
      return { contents: fs.readFileSync(candidate, 'utf8') };
    }
    return { error: `File not found: ${importPath} (looked in ${roots.join(', ')})` };
  };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.version) {
    // solc-js reports e.g. "0.8.28+commit.7893614a.Emscripten.clang"; py-solc-x parses "Version: X".
    const version = solc.version().replace('Emscripten.clang', 'Linux.g++');
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${version}\n`);
    return;
  }
  if (!opts.standardJson) fail('nothing to do: pass --version or --standard-json');
  const input = fs.readFileSync(0, 'utf8');
  process.stdout.write(solc.compile(input, { import: makeImportCallback(opts) }));
}

main();
