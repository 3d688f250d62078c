"""FlashArb: flash-loan arbitrage on Polygon. The bot side: market state, exact AMM math, search,
route encoding, execution and operations, plus the offline Polygon replica used to test it all."""
