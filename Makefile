# flexcloud: `make run` starts the local stack, `make test` runs the tests (both set up .venv first).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test unit bench package lint clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<26.3"  # chalice requires pip<26.3
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m infra.local_stack

test: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadfile

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

# The Lambda package and its CloudFormation: build/package/{deployment.zip,sam.yaml} (README "Deploy").
package: $(STAMP)
	$(PY) -m infra.build_package package

# Offline checks of what `package` built: templates current, cfn-lint clean, zip under 50 MiB.
lint: package
	$(PY) -m infra.render_resources --check
	$(VENV)/bin/cfn-lint --regions $${AWS_DEFAULT_REGION:-eu-west-1} -- build/package/sam.yaml infra/base-stack.yaml
	$(PY) benchmarks/package_size.py --no-build

bench: $(STAMP)
	for script in benchmarks/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build
