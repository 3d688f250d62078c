"""Parity on the fork for SushiSwap V3: bot.amm.v3_pool equals a QuoterV2 bound to SushiSwap's factory
to the wei, for every replica SushiSwap V3 pool in both directions, random exact inputs and outputs
from one unit to far beyond the pool's depth."""

from __future__ import annotations

import logging
import random
from typing import Any

from .chain_reads import deploy_quoter_v2, v3_state
from .test_parity_v3 import check_exact_input, check_exact_output, decimals_of

logger = logging.getLogger(__name__)
CASES = 25
"""Random amounts per pool, direction and kind."""


def test_sushiswap_v3_pools_equal_their_quoter(w3: Any, book: Any, replica: Any) -> None:
    (sushi,) = book.uniswap_v3_forks
    quoter = deploy_quoter_v2(w3, sushi.factory, book.token("WMATIC").address)
    rng = random.Random(917)
    compared = skipped = 0
    for pool in replica.manifest.v3_fork_pools:
        state = v3_state(w3, pool.address, max_words=100)
        for zero_for_one in (True, False):
            token_in, token_out = (
                (state.token0, state.token1) if zero_for_one else (state.token1, state.token0)
            )
            for check, token in ((check_exact_input, token_in), (check_exact_output, token_out)):
                decimals = decimals_of(replica, token)
                for _ in range(CASES):
                    amount = max(1, int(10 ** (rng.random() * (decimals + 7))))
                    if check(w3, quoter, state, zero_for_one, amount) in (None, False):
                        skipped += 1
                    else:
                        compared += 1
    logger.info(
        "SushiSwap V3 parity: %d exact (or refused by both), %d outside the snapshot's ticks",
        compared,
        skipped,
    )
    assert compared >= 0.8 * (compared + skipped)
