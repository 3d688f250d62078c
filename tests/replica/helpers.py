"""Constants the replica tests share."""

from __future__ import annotations

from typing import Any

ERC20_ABI: list[dict[str, Any]] = [
    {"type": "function", "name": name, "stateMutability": mutability, "inputs": inputs, "outputs": outputs}
    for name, mutability, inputs, outputs in [
        ("name", "view", [], [{"name": "", "type": "string"}]),
        ("symbol", "view", [], [{"name": "", "type": "string"}]),
        ("decimals", "view", [], [{"name": "", "type": "uint8"}]),
        ("totalSupply", "view", [], [{"name": "", "type": "uint256"}]),
        ("balanceOf", "view", [{"name": "account", "type": "address"}], [{"name": "", "type": "uint256"}]),
        (
            "approve",
            "nonpayable",
            [{"name": "spender", "type": "address"}, {"name": "amount", "type": "uint256"}],
            [{"name": "", "type": "bool"}],
        ),
    ]
]
DEADLINE = 2**63
