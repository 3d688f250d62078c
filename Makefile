# FlashArb. `make demo` shows the bot on the local Polygon replica; `make test` runs the suite.
# Every target calls the tools in .venv directly, exactly as `source .venv/bin/activate` would: the
# environment's .pth hook (tools/setup.sh) puts anvil and the solc shim in place, nothing here does.
SHELL := /bin/bash
APE := $(CURDIR)/.venv/bin/ape

.PHONY: setup lint test demo replica bench-gas bench-v3 bench-decision bench-sizing lock clean

setup:
	@tools/setup.sh

lint: setup
	.venv/bin/ruff check bot scripts tests bench tools
	.venv/bin/mypy
	.venv/bin/python tools/slither_check.py

test: setup
	$(APE) test $(ARGS)

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
