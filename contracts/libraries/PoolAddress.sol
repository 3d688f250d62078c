// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title PoolAddress
/// @notice The address a factory gives a pool with CREATE2: Uniswap V2 pairs (salt =
/// keccak256(abi.encodePacked(token0, token1))), Uniswap V3 pools (salt =
/// keccak256(abi.encode(token0, token1, fee))) and Algebra V1 pools (salt =
/// keccak256(abi.encode(token0, token1)), from the pool deployer), as UniswapV2Library.pairFor and
/// the periphery PoolAddress libraries compute them. A pool found at that address was deployed by that factory
/// from code with that init code hash, so its code is known: it is genuine.
library PoolAddress {
    /// @notice The two tokens in the factories' order (lower address first).
    /// @param tokenA One token.
    /// @param tokenB The other.
    /// @return token0 The lower address.
    /// @return token1 The higher address.
    function sort(address tokenA, address tokenB) internal pure returns (address token0, address token1) {
        (token0, token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
    }

    /// @notice The CREATE2 salt of a Uniswap V2 pair of `tokenA` and `tokenB`.
    /// @param tokenA One token.
    /// @param tokenB The other.
    /// @return salt keccak256(abi.encodePacked(token0, token1)).
    function v2Salt(address tokenA, address tokenB) internal pure returns (bytes32 salt) {
        (address token0, address token1) = sort(tokenA, tokenB);
        assembly ("memory-safe") {
            mstore(0x00, shl(96, token0)) // token0 in bytes 0..19 (scratch space)
            mstore(0x14, shl(96, token1)) // token1 in bytes 20..39; stays inside the 64-byte scratch space
            salt := keccak256(0x00, 0x28) // 40 packed bytes
        }
    }

    /// @notice The CREATE2 salt of a Uniswap V3 pool of `tokenA` and `tokenB` with fee `fee`.
    /// @param tokenA One token.
    /// @param tokenB The other.
    /// @param fee The pool's fee in hundredths of a basis point.
    /// @return salt keccak256(abi.encode(token0, token1, fee)).
    function v3Salt(address tokenA, address tokenB, uint256 fee) internal pure returns (bytes32 salt) {
        (address token0, address token1) = sort(tokenA, tokenB);
        assembly ("memory-safe") {
            let m := mload(0x40) // scratch: the free memory pointer is not advanced
            mstore(m, token0) // abi.encode: three words
            mstore(add(m, 0x20), token1)
            mstore(add(m, 0x40), fee)
            salt := keccak256(m, 0x60)
        }
    }

    /// @notice The CREATE2 salt of an Algebra V1 pool of `tokenA` and `tokenB` (one pool per pair; the
    /// pool deployer, not the factory, creates it).
    /// @param tokenA One token.
    /// @param tokenB The other.
    /// @return salt keccak256(abi.encode(token0, token1)).
    function algebraSalt(address tokenA, address tokenB) internal pure returns (bytes32 salt) {
        (address token0, address token1) = sort(tokenA, tokenB);
        assembly ("memory-safe") {
            mstore(0x00, token0) // abi.encode: two words, in the 64-byte scratch space
            mstore(0x20, token1)
            salt := keccak256(0x00, 0x40)
        }
    }

    /// @notice The address `deployer` creates with CREATE2 from `salt` and code hashing to `initCodeHash`.
    /// @param deployer The factory.
    /// @param salt The salt.
    /// @param initCodeHash keccak256 of the creation code.
    /// @return pool The address: the last 20 bytes of keccak256(0xff ++ deployer ++ salt ++ initCodeHash).
    function create2(address deployer, bytes32 salt, bytes32 initCodeHash) internal pure returns (address pool) {
        assembly ("memory-safe") {
            let m := mload(0x40) // scratch: the free memory pointer is not advanced
            mstore(m, or(shl(160, 0xff), deployer)) // 0xff in byte 11, the deployer in bytes 12..31
            mstore(add(m, 0x20), salt)
            mstore(add(m, 0x40), initCodeHash)
            pool := and(keccak256(add(m, 0x0b), 0x55), 0xffffffffffffffffffffffffffffffffffffffff) // 85 bytes
        }
    }
}
