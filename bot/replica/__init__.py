"""The offline Polygon replica: anvil with chain id 137, the real protocol bytecode from npm at the
canonical Polygon addresses, and liquidity seeded at one table of prices.

    from bot.replica import ensure_replica, ReplicaNode
    replica = ensure_replica()                 # built once, then loaded from .cache/replica/
    with ReplicaNode(replica) as node:         # anvil --load-state on a free port
        print(node.url, replica.manifest.v3_pools)
"""

from __future__ import annotations

from bot.replica.build import Replica, ensure_replica
from bot.replica.manifest import Manifest
from bot.replica.node import ReplicaNode

__all__ = ["Manifest", "Replica", "ReplicaNode", "ensure_replica"]
