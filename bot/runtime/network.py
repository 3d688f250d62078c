"""Which chain an `ape run` command talks to, decided before ape connects or prompts for anything.

FlashArb runs on Polygon mainnet (chain id 137) and on the local Polygon replica. The `--network`
value a user types is resolved here, with the RPC URL it needs, so that a missing URL stops the
command at once with one message naming the variable to set, instead of a traceback from deep inside
ape:

    `--network` given           meaning                        RPC URL from
    (none)                      the replica, if one is served  FLASHARB_REPLICA_RPC, else 127.0.0.1:8545
    polygon, polygon:mainnet,   real Polygon                   FLASHARB_POLYGON_RPC (required)
    polygon:mainnet:node
    polygon:replica[:node]      the local replica              FLASHARB_REPLICA_RPC, else 127.0.0.1:8545
    polygon:mainnet-fork[...]   a local fork of real Polygon   FLASHARB_POLYGON_RPC (required)

Anything else (ape's `local` test chain, Amoy, another ecosystem) is refused: the address book holds
Polygon mainnet only.

    target = resolve(network)            # NetworkError with the fix when it cannot run
    with connect(target) as provider:    # ape connected, chain id checked
        ...
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.errors import NetworkError

logger = logging.getLogger("flasharb.network")

POLYGON_RPC_ENV = "FLASHARB_POLYGON_RPC"
REPLICA_RPC_ENV = "FLASHARB_REPLICA_RPC"
DEFAULT_REPLICA_URL = "http://127.0.0.1:8545"
POLYGON_CHAIN_ID = 137

MAINNET = "polygon:mainnet:node"
REPLICA = "polygon:replica:node"
MAINNET_FORK = "polygon:mainnet-fork:foundry"

_ALIASES = {
    "polygon": MAINNET,
    "polygon:mainnet": MAINNET,
    MAINNET: MAINNET,
    "polygon:replica": REPLICA,
    REPLICA: REPLICA,
    "polygon:mainnet-fork": MAINNET_FORK,
    MAINNET_FORK: MAINNET_FORK,
}

REPLICA_HINT = (
    "To try FlashArb without an RPC:\n"
    "  ape run demo                      # the bot trading on the local replica, 30 blocks\n"
    "  ape run replica                   # or serve the replica (one shell), then in another:\n"
    "  ape run bot                       #   paper trade on it"
)
START_HINT = (
    REPLICA_HINT + "\nOn real Polygon:\n"
    f"  export {POLYGON_RPC_ENV}=https://<your Polygon RPC endpoint>\n"
    "  ape run bot --network polygon"
)


@dataclass(frozen=True, slots=True)
class Target:
    """A resolved network: the ape choice to connect to, and the URL of its node (None: from ape's
    config, which expands the same environment variable)."""

    choice: str
    """Full ape network choice, e.g. "polygon:mainnet:node"."""
    uri: str | None
    """The node's RPC URL, passed to ape as provider settings (None for the fork provider)."""
    label: str
    """What it is, for messages: "real Polygon", "the local replica at http://127.0.0.1:8545"."""

    @property
    def is_replica(self) -> bool:
        return self.choice == REPLICA


def redact(url: str) -> str:
    """The URL without credentials, path or query (RPC URLs often carry an API key there)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    hidden = "/..." if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{host}{port}{hidden}"


def probe(url: str, timeout_s: float = 1.0) -> int | None:
    """The chain id the node at `url` answers with, or None if nothing answers there in time."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            result = json.loads(response.read())["result"]
    except (OSError, ValueError, KeyError, TypeError, urllib.error.URLError):
        return None
    try:
        return int(result, 16) if isinstance(result, str) else int(result)
    except (TypeError, ValueError):
        return None


def _replica_url(env: Mapping[str, str]) -> str | None:
    return env.get(REPLICA_RPC_ENV) or None


def resolve(
    network: str | None,
    env: Mapping[str, str] | None = None,
    probe_url: Any = probe,
) -> Target:
    """The Target for `--network` (None when not given); NetworkError naming the fix otherwise."""
    env = os.environ if env is None else env
    if network is None:
        url = _replica_url(env) or DEFAULT_REPLICA_URL
        chain_id = probe_url(url)
        if chain_id == POLYGON_CHAIN_ID:
            return Target(REPLICA, url, f"the local replica at {url}")
        where = f"{REPLICA_RPC_ENV}={url}" if _replica_url(env) else url
        seen = "nothing answers" if chain_id is None else f"a chain with id {chain_id} answers"
        raise NetworkError(
            f"no --network given and no Polygon replica is being served ({seen} at {where}).\n" + START_HINT
        )
    choice = _ALIASES.get(network.strip().lower())
    if choice is None:
        raise NetworkError(
            f"--network {network}: FlashArb runs on Polygon mainnet (chain id 137) and its local replica "
            "only. Use --network polygon (real Polygon, needs "
            f"{POLYGON_RPC_ENV}), --network polygon:replica (the local replica), or leave --network out "
            "to use a replica being served."
        )
    if choice in (MAINNET, MAINNET_FORK):
        polygon_url = env.get(POLYGON_RPC_ENV) or None
        if polygon_url is None:
            what = "real Polygon" if choice == MAINNET else "a fork of real Polygon"
            raise NetworkError(
                f"--network {network} is {what}, and it needs an RPC URL: set {POLYGON_RPC_ENV}, e.g.\n"
                f"  export {POLYGON_RPC_ENV}=https://<your Polygon RPC endpoint>\n"
                "then run the command again.\n" + REPLICA_HINT
            )
        if choice == MAINNET_FORK:
            return Target(choice, None, f"a local fork of real Polygon ({redact(polygon_url)})")
        return Target(choice, polygon_url, f"real Polygon ({redact(polygon_url)})")
    url = _replica_url(env) or DEFAULT_REPLICA_URL
    if probe_url(url) is None:
        raise NetworkError(
            f"--network {network} is the local replica, and nothing answers at {url}"
            + ("" if _replica_url(env) else f" ({REPLICA_RPC_ENV} is not set)")
            + ". Start it in another shell with `ape run replica` (it serves 127.0.0.1:8545; with "
            f"--port P, set {REPLICA_RPC_ENV}=http://127.0.0.1:P), or try `ape run demo`."
        )
    return Target(REPLICA, url, f"the local replica at {url}")


def resolve_name(network: str | None) -> str:
    """The ape choice `--network` names, without checking that its node can be reached (None: the
    replica, which a bare command looks for)."""
    if network is None:
        return REPLICA
    choice = _ALIASES.get(network.strip().lower())
    if choice is None:
        resolve(network, env={POLYGON_RPC_ENV: "-"})  # raises the NetworkError that names the choices
    return choice or REPLICA


CONNECT_ATTEMPTS = 4
"""How many times start-up tries to connect before it gives up (a flaky node refuses some)."""
CONNECT_BACKOFF_S = 0.5
"""The wait before the first retry; it doubles for each later one (0.5 + 1 + 2 s in all)."""


def _ape_provider(target: Target) -> Any:
    """ape's context manager for connecting to `target`."""
    from ape import networks

    settings = {} if target.uri is None else {"uri": target.uri}
    return networks.parse_network_choice(target.choice, provider_settings=settings)


@contextmanager
def connect(
    target: Target,
    *,
    attempts: int = CONNECT_ATTEMPTS,
    backoff_s: float = CONNECT_BACKOFF_S,
    open_provider: Callable[[Target], Any] = _ape_provider,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Any]:
    """ape connected to `target` (its provider), with the chain id checked to be Polygon's.

    A connection that fails (refused, timed out, an error from the node while ape reads the chain id)
    is retried `attempts` times in all, `backoff_s` apart and doubling; then NetworkError names the
    node and the last failure. A node that answers with another chain id is refused at once."""
    from ape.exceptions import ApeException

    for attempt in range(1, attempts + 1):
        stack = ExitStack()
        try:
            provider = stack.enter_context(open_provider(target))
            chain_id = provider.chain_id
        except (ApeException, OSError, ValueError) as exc:
            stack.close()
            if attempt >= attempts:
                raise NetworkError(
                    f"cannot connect to {target.label} (tried {attempts} times): {_first_line(exc)}"
                ) from None
            delay = backoff_s * 2 ** (attempt - 1)
            logger.warning(
                "connecting to %s failed (%s); retry %d of %d in %.1f s",
                target.label,
                _first_line(exc),
                attempt,
                attempts - 1,
                delay,
            )
            sleep(delay)
            continue
        with stack:
            if chain_id != POLYGON_CHAIN_ID:
                raise NetworkError(
                    f"{target.label} serves chain id {chain_id}, not Polygon ({POLYGON_CHAIN_ID}); "
                    "check the RPC URL"
                )
            yield provider
        return


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
