"""Command-line options the `ape run` scripts share, so each means the same everywhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

network_option = click.option(
    "--network",
    default=None,
    metavar="polygon|polygon:replica",
    help="polygon = real Polygon (needs FLASHARB_POLYGON_RPC); polygon:replica = the local replica. "
    "Default: a replica being served (FLASHARB_REPLICA_RPC or 127.0.0.1:8545).",
)
"""`--network`: resolved by bot.runtime.network.resolve before anything connects."""


def deployments_option(verb: str) -> Callable[[Any], Any]:
    """`--deployments FILE`: where FlashArb is recorded (`verb`: "record FlashArb in", ...)."""
    return click.option(
        "--deployments",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=f"File to {verb} (default: .data/deployments.json).",
    )
