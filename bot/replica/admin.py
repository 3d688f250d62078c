"""The replica's admin: a fixed, public, well-known account that owns and administers every protocol.

Its key is keccak256("FlashArb Polygon replica admin"): documented here, never a secret, and worthless
anywhere but a local replica. It owns the factories, is the Aave pool/ACL admin, the Balancer
authorizer's admin and the minter of every ReplicaToken, and holds the liquidity positions it seeded.
anvil's default dev accounts are left as they are for tests.
"""

from __future__ import annotations

from eth_account import Account
from eth_utils.crypto import keccak

ADMIN_KEY_LABEL = "FlashArb Polygon replica admin"
ADMIN_PRIVATE_KEY = "0x" + keccak(text=ADMIN_KEY_LABEL).hex()
"""0x10f551a3...479d57: the admin's private key (public knowledge, replica only)."""
ADMIN_ADDRESS: str = Account.from_key(ADMIN_PRIVATE_KEY).address
"""0xD33b51b689B246eb646FCD3eAeFA1Ba80BBb27eF."""
