"""The bot at run time: the block loop and what it is assembled from.

preflight   FlashArb deployed on this chain and the account an executor, or a clear error
pools       which pools to track (discovery among the configured tokens)
lenders     what each lender offers (Aave premium and reserves, Balancer fee and balances), on-chain
usd         USD prices from on-chain pools, as integers
events      the typed events of a run, and the JSON-lines sink (--json)
bookkeeping the one fan-out of those events: journal, metrics, live view, JSON, status details
pipeline    one block: refresh -> search with the guards -> route -> simulate -> send; `decide` is
            its CPU-only part (what the decision benchmark times)
transactions the transaction manager: sender, nonces, in flight, replace/cancel, receipts, restart
heads       new blocks by newHeads subscription, polling as the fallback
loop        the driver: new heads, control channel, pipeline step, bookkeeping, start and stop
assemble    builds a BlockLoop from a BotConfig and a connected web3
cli_support what `ape run bot` and `ape run demo` share (options -> BotConfig, accounts, logging)
demo        the live demo on the local replica with simulated market flow
"""
