"""Operations: what the block loop needs around the search to run unattended and safely.

config    BotConfig, the one validated model of every setting (TOML file + CLI overrides)
guards    may this opportunity be sent? profit range in USD, gas price cap, lender, liquidity
breaker   circuit breaker: consecutive failures or losses past a limit pause sending
journal   SQLAlchemy journal of runs, opportunities, decisions, transactions and outcomes
metrics   Prometheus metrics on the bot's own registry
control   pause / resume / stop / status / reset-breaker from another terminal
alarms    low executor gas balance
view      the live terminal view (rich)
summary   the end-of-run summary from the journal
"""
