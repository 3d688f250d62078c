"""The bot at run time: the block loop and what it is assembled from.

preflight   FlashArb deployed on this chain and the account an executor, or a clear error
pools       which pools to track (discovery among the configured tokens)
lenders     what each lender offers (Aave premium and reserves, Balancer fee and balances), on-chain
usd         USD prices from on-chain pools, as integers
events      one JSON object per line per opportunity and trade (--json)
loop        the block loop: refresh -> search -> guards -> simulate -> send -> receipt -> journal
assemble    builds a BlockLoop from a BotConfig and a connected web3
cli_support what `ape run bot` and `ape run demo` share (options -> BotConfig, accounts, logging)
demo        the live demo on the local replica with simulated market flow
"""
