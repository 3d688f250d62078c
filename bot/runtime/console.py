"""Where an `ape run` command's output goes: results on stdout, every log line on stderr.

ape's logger prints its lines through click on stdout (its per-level table is keyed by level
numbers but looked up by level name, so even warnings land there). A command whose stdout is a data
stream (`ape run bot --json`, JSON lines) or is piped into another program must not carry them, so
the scripts send every log line to stderr before they do anything else.
"""

from __future__ import annotations

import logging
import sys

_LEVEL_NAMES = ("debug", "info", "success", "warning", "error", "critical")


def logs_to_stderr() -> None:
    """Point ape's click log handler, and any plain stream handler on the root logger, at stderr."""
    for name in ("ape", ""):
        for handler in logging.getLogger(name).handlers:
            if isinstance(getattr(handler, "echo_kwargs", None), dict):  # ape.logging.ClickHandler
                handler.echo_kwargs = {level: {"err": True} for level in _LEVEL_NAMES}  # type: ignore[attr-defined]
            elif type(handler) is logging.StreamHandler:
                handler.setStream(sys.stderr)
