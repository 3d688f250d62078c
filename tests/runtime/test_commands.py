"""The advertised commands exactly as a user types them, each in its own `ape` process with stdin
closed (as in CI or under a process manager): a missing RPC URL, a bare `ape run bot`, an unattended
keystore deploy, a hint pasted back into the shell, `--json` as a pure JSON-lines stream, and plain
`ape test` on the fork."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from bot.replica.anvil import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
APE = str(Path(sys.executable).parent / "ape")
STRIPPED = ("FLASHARB_POLYGON_RPC", "FLASHARB_REPLICA_RPC", "APE_DATA_FOLDER")


@dataclass
class Shell:
    """A user's shell: a fresh ape data folder, no FlashArb variables unless given."""

    data: Path
    env: dict[str, str]

    def run(self, command: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            shlex.split(command),
            cwd=PROJECT_ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


@pytest.fixture
def shell(tmp_path: Path) -> Shell:
    env = {k: v for k, v in os.environ.items() if k not in STRIPPED and not k.startswith("APE_ACCOUNTS_")}
    env.pop("SOLCX_BINARY_PATH", None)  # the environment's .pth hook must find solc and anvil alone
    kept = [p for p in env.get("PATH", "").split(os.pathsep) if not p.endswith(os.path.join(".tools", "bin"))]
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), *kept])  # `source .venv/bin/activate`
    env["APE_DATA_FOLDER"] = str(tmp_path / "ape-data")
    return Shell(tmp_path / "ape-data", env)


@pytest.fixture
def node(replica: Any) -> Iterator[Any]:
    """A replica of its own (deploys here must not touch the session's fork upstream)."""
    from bot.replica import ReplicaNode

    with ReplicaNode(replica) as served:
        yield served


def keystore(shell: Shell, alias: str, passphrase: str) -> str:
    """An encrypted ape keystore account in the shell's ape data folder; its address."""
    account = Account.create()
    folder = shell.data / "accounts"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{alias}.json").write_text(json.dumps(Account.encrypt(account.key, passphrase)))
    return str(account.address)


def fund(url: str, address: str) -> None:
    from bot.replica.anvil import rpc_call

    rpc_call(url, "anvil_setBalance", [address, hex(10**21)])


def output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def assert_clean_failure(result: subprocess.CompletedProcess[str]) -> str:
    text = output(result)
    assert result.returncode != 0, text
    assert "Traceback" not in text, text
    assert "Select an account" not in text and "Sign:" not in text, text
    return text


@pytest.mark.parametrize(
    "command",
    [
        "ape run bot --network polygon",
        "ape run bot --network polygon --account searcher --live",
        "ape run deploy --network polygon",
        "ape run deploy --network polygon --account deployer",
        "ape run deploy --network polygon:mainnet:node --account deployer",
    ],
)
def test_real_polygon_without_an_rpc_stops_at_once_naming_the_variable(shell: Shell, command: str) -> None:
    text = assert_clean_failure(shell.run(command.replace("ape ", f"{APE} ", 1), timeout=60))
    assert "export FLASHARB_POLYGON_RPC=" in text


def test_bare_bot_without_a_replica_says_how_to_start(shell: Shell) -> None:
    shell.env["FLASHARB_REPLICA_RPC"] = f"http://127.0.0.1:{free_port()}"
    text = assert_clean_failure(shell.run(f"{APE} run bot", timeout=60))
    for command in ("ape run demo", "ape run replica", "ape run bot --network polygon"):
        assert command in text


def test_replica_network_without_a_replica_says_how_to_start(shell: Shell) -> None:
    shell.env["FLASHARB_REPLICA_RPC"] = f"http://127.0.0.1:{free_port()}"
    text = assert_clean_failure(
        shell.run(f"{APE} run deploy --network polygon:replica --account TEST::0", timeout=60)
    )
    assert "ape run replica" in text and "FLASHARB_REPLICA_RPC" not in text.split("nothing answers")[0]


def test_unattended_keystore_deploy_then_pasted_hint_then_bare_bot(
    shell: Shell, node: Any, tmp_path: Path
) -> None:
    shell.env["FLASHARB_REPLICA_RPC"] = node.url
    records = tmp_path / "records" / "deployments.json"
    owner = keystore(shell, "owner", "correct horse")
    fund(node.url, owner)

    # wrong passphrase: stops before any transaction, names the variable, no prompt
    shell.env["APE_ACCOUNTS_owner_PASSPHRASE"] = "wrong"
    deploy = f"{APE} run deploy --network polygon:replica --account owner --deployments {records}"
    text = assert_clean_failure(shell.run(deploy))
    assert "APE_ACCOUNTS_owner_PASSPHRASE" in text and "correct horse" not in text
    assert not records.exists()

    # right passphrase in ape's variable: deploys with no prompt at all (stdin is closed)
    shell.env["APE_ACCOUNTS_owner_PASSPHRASE"] = "correct horse"
    result = shell.run(deploy)
    assert result.returncode == 0, output(result)
    assert "FlashArb deployed at" in result.stdout and "Sign:" not in output(result)
    flasharb = json.loads(records.read_text())["137"]
    assert len(flasharb) == 1

    # a bot whose account is no executor: the hint it prints, pasted as is, fixes it
    bot = f"{APE} run bot --network polygon:replica --account TEST::1 --deployments {records} --once --json"
    failed = shell.run(bot)
    text = assert_clean_failure(failed)
    hint = text.split("adds it with: ", 1)[1].splitlines()[0].strip()
    assert "--account owner" in hint and f"--deployments {records}" in hint, hint
    fixed = shell.run(hint.replace("ape ", f"{APE} ", 1))
    assert fixed.returncode == 0, output(fixed)
    assert "FlashArb updated" in fixed.stdout

    ran = shell.run(bot)
    assert ran.returncode == 0, output(ran)
    lines = [line for line in ran.stdout.splitlines() if line.strip()]
    events = [json.loads(line) for line in lines]  # --json: stdout is JSON lines and nothing else
    assert events[-1]["event"] == "summary" and events[-1]["blocks"] == 1

    # bare `ape run bot` finds the served replica (FLASHARB_REPLICA_RPC) and paper trades on it
    bare = shell.run(f"{APE} run bot --deployments {records} --once --json")
    assert bare.returncode == 0, output(bare)
    assert json.loads(bare.stdout.splitlines()[-1])["event"] == "summary"
    assert "polygon:replica:node" in bare.stderr or "dry run" in bare.stderr


def test_plain_ape_test_needs_no_flag(shell: Shell) -> None:
    result = shell.run(f"{APE} test tests/runtime/test_network.py -q -k plain_ape_test", timeout=300)
    assert result.returncode == 0, output(result)
    assert "1 passed" in result.stdout


def test_show_config_names_each_source_without_connecting(shell: Shell, tmp_path: Path) -> None:
    settings = tmp_path / "bot.toml"
    settings.write_text('min_profit_usd = "4"\nmetrics_port = 9108\n')
    shell.env["FLASHARB_MIN_PROFIT_USD"] = "5"
    command = (
        f"{APE} run bot --network polygon --show-config --json --config {settings} "
        "--max-gas-gwei 300 --set breaker_max_failures=7"
    )
    result = shell.run(command, timeout=60)  # no FLASHARB_POLYGON_RPC: nothing is connected
    assert result.returncode == 0, output(result)
    shown = json.loads(result.stdout)["settings"]
    assert shown["min_profit_usd"] == {"value": "5", "source": "env FLASHARB_MIN_PROFIT_USD"}
    assert shown["metrics_port"]["source"] == f"file {settings}"
    assert shown["max_gas_price_gwei"]["source"] == "command line"
    assert shown["breaker_max_failures"] == {"value": 7, "source": "command line"}
    assert shown["network"]["value"] == "polygon:mainnet:node"


def test_encrypted_keystore_without_passphrase_or_terminal_names_the_variable(
    shell: Shell, node: Any
) -> None:
    shell.env["FLASHARB_REPLICA_RPC"] = node.url
    keystore(shell, "cold", "secret words")
    text = assert_clean_failure(shell.run(f"{APE} run deploy --network polygon:replica --account cold"))
    assert "APE_ACCOUNTS_cold_PASSPHRASE" in text and "no terminal" in text
