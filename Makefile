# FlashArb. `make demo` shows the bot on the local Polygon replica; `make test` runs the suite.
SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/bin:$(PATH)
export SOLCX_BINARY_PATH := $(CURDIR)/.tools/solc
APE := $(CURDIR)/.venv/bin/ape
# Fork caches of the replica and of real Polygon must never mix: each gets its own ape data folder.
TEST_DATA := $(CURDIR)/.ape-data/$(if $(FLASHARB_POLYGON_RPC),polygon,replica)

.PHONY: setup lint test demo replica bench-gas bench-v3 bench-decision bench-sizing lock clean

setup:
	@tools/setup.sh

lint: setup
	.venv/bin/ruff check bot scripts tests bench
	.venv/bin/mypy

test: setup
	APE_DATA_FOLDER=$(TEST_DATA) $(APE) test --network polygon:mainnet-fork:foundry $(ARGS)

demo: setup
	$(APE) run demo $(ARGS)

replica: setup
	$(APE) run replica $(ARGS)

bench-gas: setup
	.venv/bin/python -m bench.gas $(ARGS)

bench-v3: setup
	.venv/bin/python bench/v3_quote.py $(ARGS)

bench-decision: setup
	.venv/bin/python -m bench.decision $(ARGS)

bench-sizing: setup
	.venv/bin/python -m bench.sizing_optimality $(ARGS)

lock:
	.venv/bin/pip freeze --exclude-editable | grep -v -i '^flasharb' > requirements.lock

clean:
	rm -rf .build .cache .ape-data
