"""Cycle search, optimal sizing and ranking over market snapshots. Pure: no I/O.

from bot.search import enumerate_cycles, LenderTerms, Searcher
cycles = enumerate_cycles(pool_set, borrowable)              # once per pool set
searcher = Searcher(cycles, LenderTerms(aave_premium_bps=5, aave_assets=..., balancer_assets=...),
                    native=wmatic)
decision = searcher.decide(market, fee_per_gas)               # every block: the trades to take
result = searcher.search(market, fee_per_gas)                 # or every profitable opportunity
"""

from bot.search.apply import after_hop, after_trade
from bot.search.gas import GasModel
from bot.search.graph import Cycle, Leg, enumerate_cycles, legs_of
from bot.search.lenders import LenderOption, LenderTerms
from bot.search.opportunity import HopQuote, Opportunity
from bot.search.prices import PriceTable, build_price_table
from bot.search.searcher import Decision, SearchConfig, Searcher, SearchResult, SearchStats
from bot.search.sizing import Sized, aave_premium, run_cycle, size_bracketed, size_constant_product

__all__ = [
    "Cycle",
    "Decision",
    "GasModel",
    "HopQuote",
    "Leg",
    "LenderOption",
    "LenderTerms",
    "Opportunity",
    "PriceTable",
    "SearchConfig",
    "SearchResult",
    "SearchStats",
    "Searcher",
    "Sized",
    "aave_premium",
    "after_hop",
    "after_trade",
    "build_price_table",
    "enumerate_cycles",
    "legs_of",
    "run_cycle",
    "size_bracketed",
    "size_constant_product",
]
