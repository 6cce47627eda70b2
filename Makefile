# flexcloud: `make run` starts the local stack, `make test` runs the tests (both set up .venv first).
# The venv runs Lambda's Python (3.13, as in infra/build_package.py): Chalice takes the functions' runtime
# from the Python that runs it, and the package's wheels and bytecode are for that version.
LAMBDA_PYTHON := 3.13
# Exits 0 only for a CPython 3.13 with the GIL (Lambda's build; free-threaded wheels differ).
IS_LAMBDA_PYTHON := import sys, sysconfig; \
	sys.exit("%d.%d" % sys.version_info[:2] != "$(LAMBDA_PYTHON)" or bool(sysconfig.get_config_var("Py_GIL_DISABLED")))
# The first python3.13 on PATH that runs (a pyenv shim of a version that is not selected does not), else
# the newest pyenv-installed 3.13.x, found without pyenv's shims or `pyenv init`. Override with PYTHON=...
PYENV_PYTHONS := "$${PYENV_ROOT:-$$HOME/.pyenv}"/versions/$(LAMBDA_PYTHON).*/bin/python$(LAMBDA_PYTHON)
PYTHON ?= $(shell for candidate in python$(LAMBDA_PYTHON) $$(ls -d $(PYENV_PYTHONS) 2>/dev/null | sort -rV); \
	do "$$candidate" -c '$(IS_LAMBDA_PYTHON)' 2>/dev/null && { command -v "$$candidate"; break; }; done)
NO_PYTHON = $(if $(PYTHON),$(PYTHON) is not Python $(LAMBDA_PYTHON),Python $(LAMBDA_PYTHON) not found): install it \
	(`pyenv install $(LAMBDA_PYTHON)` or your system's python$(LAMBDA_PYTHON) package) \
	or run make PYTHON=/path/to/python$(LAMBDA_PYTHON)
VENV := .venv
PY := $(VENV)/bin/python
# What each set needs installed (infra/venv.py): `make run` the runtime set and the local AWS emulation, `make test`
# the dev set (a superset). Named by version, so a venv of another Python is rebuilt.
RUN_STAMP := $(VENV)/.installed-run-$(LAMBDA_PYTHON)
TEST_STAMP := $(VENV)/.installed-test-$(LAMBDA_PYTHON)
CHECK_PYTHON = $(if $(shell "$(PYTHON)" -c '$(IS_LAMBDA_PYTHON)' 2>/dev/null && echo ok),,$(error $(NO_PYTHON)))
# Connection settings the running local stack writes for `make cli`.
LOCAL_ENV := $(CURDIR)/.local-stack/env

.PHONY: run test fuzz cli demo unit bench package lint clean

$(RUN_STAMP): requirements.txt requirements-dev.txt
	$(CHECK_PYTHON)
	@if [ $(TEST_STAMP) -nt requirements.txt ] && [ $(TEST_STAMP) -nt requirements-dev.txt ]; then :; \
	else "$(PYTHON)" infra/venv.py run; fi
	@touch $@

$(TEST_STAMP): requirements.txt requirements-dev.txt
	$(CHECK_PYTHON)
	@"$(PYTHON)" infra/venv.py test
	@touch $@ $(RUN_STAMP)

run: $(RUN_STAMP)
	@$(PY) -m infra.local_stack

test: $(TEST_STAMP)
	$(PY) -m pytest -q -n 2 --dist loadfile

# The schema fuzzing of `make test` (tests/e2e/test_schema_fuzz.py) with more examples per operation and persona.
FUZZ_EXAMPLES ?= 50
fuzz: $(TEST_STAMP)
	FLEXCLOUD_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q -s tests/e2e/test_schema_fuzz.py

# Ops commands, e.g. make cli ARGS="add-account --name X": against the running `make run` when it is up,
# otherwise against whatever AWS the environment names.
cli: $(RUN_STAMP)
	@if [ -f "$(LOCAL_ENV)" ]; then set -a; . "$(LOCAL_ENV)"; set +a; fi; $(PY) -m chalicelib.cli $(ARGS)

# The README walkthrough's demo site with a day of prices, on the running `make run`.
demo: $(RUN_STAMP)
	@$(MAKE) -s cli ARGS=seed-demo

unit: $(TEST_STAMP)
	$(PY) -m pytest -q tests/unit

# The Lambda package and its CloudFormation: build/package/{deployment.zip,sam.yaml} (README "Deploy").
package: $(TEST_STAMP)
	$(PY) -m infra.build_package package

# Offline checks of what `package` built: templates current, cfn-lint clean, zip under 50 MiB.
lint: package
	$(PY) -m infra.render_resources --check
	$(VENV)/bin/cfn-lint --regions $${AWS_DEFAULT_REGION:-eu-west-1} -- build/package/sam.yaml infra/base-stack.yaml
	$(PY) benchmarks/package_size.py --no-build

bench: $(TEST_STAMP)
	for script in benchmarks/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build
