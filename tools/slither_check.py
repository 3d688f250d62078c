"""Static analysis gate: slither over FlashArb, every finding fixed or triaged.

    python tools/slither_check.py            # exit 1 on any finding not in tools/slither-triage.json
    python tools/slither_check.py --list     # print every finding with its key (to triage a new one)

slither (slither-analyzer, PyPI) compiles through crytic-compile. Offline, solc exists only as the
project's solc-js shim (.tools/solc/solc-v0.8.28), which implements `--standard-json` and nothing else,
so this script writes a standard-JSON input for contracts/FlashArb.sol (its libraries and interfaces
are pulled in by import) with the project's compiler settings, and has slither compile that with the
shim (`--compile-force-framework solc-json --solc <shim>`): nothing is downloaded.

A finding's key is its detector and the functions/contracts it names (not line numbers), so edits
elsewhere in a file do not invalidate the triage. Each triage entry carries a one-line reason.
Entries that no longer match any finding are reported (the fix landed: delete the entry).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SOLC = ROOT / ".tools" / "solc" / "solc-v0.8.28"
TRIAGE = ROOT / "tools" / "slither-triage.json"
TARGETS = ("contracts/FlashArb.sol",)


def standard_json() -> dict[str, Any]:
    """The compiler input: FlashArb's sources with the settings of ape-config.yaml."""
    return {
        "language": "Solidity",
        "sources": {path: {"urls": [path]} for path in TARGETS},
        "settings": {
            "optimizer": {"enabled": True, "runs": 1_000_000},
            "evmVersion": "cancun",
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode", "evm.deployedBytecode"], "": ["ast"]}},
        },
    }


def run_slither() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "flasharb.standard.json"
        spec.write_text(json.dumps(standard_json()))
        out = Path(tmp) / "slither.json"
        cmd = [
            str(Path(sys.executable).parent / "slither"),  # the one beside this Python (the venv)
            str(spec),
            "--compile-force-framework",
            "solc-json",
            "--solc",
            str(SOLC),
            "--solc-args",
            f"--base-path {ROOT} --allow-paths {ROOT}",
            "--json",
            str(out),
        ]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
        if not out.exists():
            sys.stderr.write(proc.stdout + proc.stderr)
            raise SystemExit("slither did not run (see above)")
        report = json.loads(out.read_text())
    if not report.get("success"):
        raise SystemExit(f"slither failed: {report.get('error')}")
    return list(report.get("results", {}).get("detectors", []))


def key(finding: dict[str, Any]) -> str:
    """detector:element, the first source element slither names (a function signature, a variable or a
    pragma), never a line number, so edits elsewhere in a file keep the triage valid."""
    element = (finding.get("elements") or [{}])[0]
    fields = element.get("type_specific_fields", {})
    name = (
        fields.get("signature", element.get("name", ""))
        if element.get("type") == "function"
        else element.get("name", "")
    )
    owner = fields.get("parent", {}).get("name")
    if owner and element.get("type") in ("function", "variable", "event"):
        name = f"{owner}.{name}"
    return f"{finding['check']}:{name}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="print every finding and its key")
    args = parser.parse_args(argv)
    findings = run_slither()
    triage = {e["key"]: e["reason"] for e in json.loads(TRIAGE.read_text())["triaged"]}
    keys = [key(f) for f in findings]
    if args.list:
        sys.stdout.write(json.dumps(sorted(set(keys)), indent=1) + "\n")
    if args.list:
        for f, k in zip(findings, keys, strict=True):
            sys.stdout.write(f"[{f['impact']}/{f['confidence']}] {k}\n    {f['description'].strip()[:300]}\n")
    new = [(f, k) for f, k in zip(findings, keys, strict=True) if k not in triage]
    stale = sorted(set(triage) - set(keys))
    sys.stdout.write(
        f"slither: {len(findings)} findings, {len(findings) - len(new)} triaged, {len(new)} new\n"
    )
    for k in stale:
        sys.stdout.write(f"  stale triage entry (no longer reported; delete it): {k}\n")
    for f, k in new:
        sys.stdout.write(f"  NEW [{f['impact']}] {k}\n    {f['description'].strip()}\n")
    if new:
        sys.stdout.write(
            f"Fix each new finding, or add it to {TRIAGE.relative_to(ROOT)} with a one-line reason.\n"
        )
    return 1 if new else 0


if __name__ == "__main__":
    raise SystemExit(main())
