"""The Grafana dashboard (bot/console/grafana/flasharb-dashboard.json) only queries metrics the bot's
exporter serves, and shows every one of them."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from typing import Any

from bot.ops.metrics import BotMetrics

METRIC = re.compile(r"\bflasharb_[a-z0-9_]+\b")


def _dashboard() -> dict[str, Any]:
    text = files("bot.console").joinpath("grafana", "flasharb-dashboard.json").read_text()
    return json.loads(text)  # type: ignore[no-any-return]


def _served() -> tuple[set[str], set[str]]:
    """The sample names the exporter serves, and its metric families."""
    metrics = BotMetrics()
    metrics.skipped.labels(reason="paused").inc()  # a labelled counter serves samples once labelled
    samples: set[str] = set()
    families: set[str] = set()
    for family in metrics.registry.collect():
        families.add(family.name)
        samples.update(sample.name for sample in family.samples)
    assert families, "the exporter serves nothing"
    return samples, families


def test_every_panel_queries_served_metrics() -> None:
    samples, families = _served()
    shown: set[str] = set()
    panels = _dashboard()["panels"]
    assert panels
    for panel in panels:
        assert panel["targets"], f"panel {panel['title']!r} has no query"
        for target in panel["targets"]:
            names = METRIC.findall(target["expr"])
            assert names, f"panel {panel['title']!r}: {target['expr']!r} names no flasharb metric"
            unknown = sorted(set(names) - samples)
            assert not unknown, (
                f"panel {panel['title']!r} queries {unknown}, not served by bot/ops/metrics.py"
            )
            shown.update(names)
    unshown = {f for f in families if not any(name.startswith(f) for name in shown)}
    assert not unshown, f"metrics on no panel: {sorted(unshown)}"


def test_panels_have_unique_ids_and_a_datasource_variable() -> None:
    dashboard = _dashboard()
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert any(v["type"] == "datasource" for v in dashboard["templating"]["list"])
