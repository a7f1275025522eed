# Hashar: two commands on a fresh machine.
#   make run   set up, load demo data, serve on http://127.0.0.1:8000 with a Celery worker and beat
#   make test  set up and run the whole suite
# PostgreSQL and Redis: DATABASE_URL / REDIS_URL when set, else private servers under ./var/.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
SERVICES = eval "$$($(PY) config/devservices.py env)"

.PHONY: run test bench reliability services stop browser messages clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)
	$(PY) config/devservices.py serve

# the suite in two processes (pytest-xdist; each has a test database and a Redis database of
# its own; the browser and worker tests all go to one of them, see tests/conftest.py);
# PYTEST_ARGS replaces these
PYTEST_ARGS ?= -n 2 --dist loadgroup
test: $(STAMP) browser
	@start=$$(date +%s); $(SERVICES) && $(PY) -m pytest $(PYTEST_ARGS); status=$$?; \
	  mkdir -p var && echo $$(( $$(date +%s) - start )) > var/test-seconds; exit $$status

# Benchmarks against baselines measured in the same run (see bench/README.md); wrk from Debian.
bench: $(STAMP)
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq wrk >/dev/null)
	$(SERVICES) && $(PY) bench/run.py

# Debian's Chromium for the Playwright browser tests (Playwright's own browser download is
# not reachable here); installed once, where missing.
browser:
	@test -x /usr/bin/chromium || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || { echo "could not install chromium: browser tests will fail"; exit 1; }; }

# Concurrency, faults, fuzzing, access, deployment and backup checks (README "Reliability");
# the fault scenarios start their own Redis, PostgreSQL, workers and web server.
reliability: $(STAMP)
	$(SERVICES) && $(PY) bench/reliability.py

services: $(STAMP)
	$(PY) config/devservices.py up

stop:
	$(PY) config/devservices.py down

messages: $(STAMP)
	$(SERVICES) && $(PY) manage.py makemessages --all --ignore=.venv --ignore=var --no-obsolete --no-location \
	  && $(PY) manage.py compilemessages --ignore=.venv

clean: stop
	rm -rf var
