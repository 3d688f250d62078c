"""The demo: the bot trading LIVE on the local Polygon replica while simulated traders move prices.

Nothing outside this machine is touched and no key of anyone's is used: the replica is served by a
local anvil, FlashArb is deployed by anvil's first dev account (a public test key, labelled as such),
and that same account is the executor. Each demo block is driven explicitly, so a run is quick and
reproducible for a given seed: the market flow sends its seeded swaps (or an empty block is mined),
then the bot processes the new block once.

    with DemoChain.start() as demo:            # replica + ape connection + FlashArb deployed
        loop = demo.bot(config_values)
        demo.run(loop, blocks=30, seed=7, intensity=3)
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.ops.config import DATA_DIR, BotConfig, make_config
from bot.replica import ReplicaNode, ensure_replica
from bot.replica.market_flow import MarketFlow
from bot.runtime.assemble import RuntimeOptions, assemble
from bot.runtime.events import EventSink
from bot.runtime.loop import BlockLoop, BlockReport, View
from bot.runtime.signals import interrupted, stop_on_signals

logger = logging.getLogger(__name__)

DEMO_DIR = DATA_DIR / "demo"
"""The demo's journal, control directory and deployments file (reset at every start)."""
TEST_ACCOUNT_LABEL = (
    "anvil dev account #0 (public test key from the standard test mnemonic; never fund it on a real chain)"
)
NETWORK = "polygon:replica:node"


@dataclass
class DemoChain:
    """A served replica, ape connected to it, and FlashArb deployed with a dev account."""

    node: ReplicaNode
    provider: Any
    account: Any
    flasharb: str
    directory: Path

    @classmethod
    @contextmanager
    def start(cls, directory: Path = DEMO_DIR, scale: str = "small") -> Iterator[DemoChain]:
        from ape import accounts, chain, networks, project

        from bot.addressbook import load
        from bot.execution.deploy import ensure_flasharb

        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        replica = ensure_replica(scale=scale)
        with ReplicaNode(replica) as node:
            with networks.parse_network_choice(NETWORK, provider_settings={"uri": node.url}) as provider:
                account = accounts.test_accounts[0]
                logger.info("demo account: %s, %s", account.address, TEST_ACCOUNT_LABEL)
                deployed = ensure_flasharb(
                    project=project,
                    chain=chain,
                    account=account,
                    book=load(137),
                    executors=(account.address,),
                    redeploy=True,
                    path=directory / "deployments.json",
                )
                yield cls(node, provider, account, deployed.address, directory)

    def config(self, no_max_profit: bool = False, **values: Any) -> BotConfig:
        """The demo's BotConfig: live, signing with the dev account, files under the demo directory."""
        base: dict[str, Any] = {
            "network": NETWORK,
            "account": "TEST::0",
            "dry_run": False,
            "journal_url": f"sqlite:///{self.directory / 'journal.sqlite'}",
            "control_dir": str(self.directory / "control"),
            "deployments_path": str(self.directory / "deployments.json"),
        }
        base.update({k: v for k, v in values.items() if v is not None})
        if no_max_profit:
            base["max_profit_usd"] = None
        return make_config(base)

    def bot(self, config: BotConfig, *, sink: EventSink | None = None, view: View | None = None) -> BlockLoop:
        from ape import project

        from bot.execution.signer import ApeSigner

        return assemble(
            config,
            self.provider.web3,
            flasharb_abi=project.FlashArb.contract_type.abi,
            signer=ApeSigner(self.account, self.provider.network.ecosystem),
            options=RuntimeOptions(receipt_timeout_s=10.0),
            sink=sink,
            view=view,
        )

    def run(
        self,
        loop: BlockLoop,
        *,
        blocks: int,
        seed: int,
        intensity: int,
        on_block: Callable[[int, int, BlockReport | None], None] | None = None,
        interval_s: float = 0.0,
    ) -> str:
        """Drive `blocks` demo blocks: market flow swaps (or an empty block), then one bot step;
        `interval_s` seconds apart (0: as fast as they go)."""
        w3 = self.provider.web3
        flow = MarketFlow(w3, self.node.replica.manifest, seed=seed, intensity=intensity)
        reason = f"{blocks} blocks done"
        with stop_on_signals(loop):  # SIGINT and SIGTERM: finish the block, close the run
            try:
                for index in range(blocks):
                    swaps = flow.step(index)
                    if not swaps:
                        w3.provider.make_request("evm_mine", [])
                    report = loop.step()
                    if on_block is not None:
                        on_block(index, len(swaps), report)
                    if loop.stop_requested:
                        reason = loop.stop_reason or "stopped by the operator"
                        break
                    if interval_s:
                        time.sleep(interval_s)
            except KeyboardInterrupt as exc:
                reason = interrupted(exc)
            finally:
                try:
                    loop.drain()
                finally:
                    loop.close(reason)
        return reason
