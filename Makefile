# followup-cal: `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo install test test-dates lint format bench bench-baseline bench-sync clean chromium docs dovecot sabredav cyrus davical faketime

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when the project's metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/followup-cal validate examples/interviews.yaml
	$(BIN)/followup-cal plan examples/interviews.yaml
	$(BIN)/followup-cal agenda examples/interviews.yaml
	$(BIN)/followup-cal export examples/interviews.yaml -o followups.ics --no-state
	$(BIN)/followup-cal plan examples/interviews.yaml --html timeline.html > /dev/null
	@echo "Import or subscribe to followups.ics in your calendar app; open timeline.html in a browser."

# followup-cal on your PATH (~/.local/bin) in an environment of its own: by pipx when you
# have it, else the same by hand (a venv under ~/.local/share), which works where a
# system Python refuses `pip install --user`.
PREFIX ?= $(HOME)/.local
install:
	@if command -v pipx >/dev/null; then pipx install --force .; else \
	  $(PYTHON) -m venv --clear $(PREFIX)/share/followup-cal/venv && \
	  $(PREFIX)/share/followup-cal/venv/bin/python -m pip install --quiet . && \
	  mkdir -p $(PREFIX)/bin && \
	  ln -sf $(PREFIX)/share/followup-cal/venv/bin/followup-cal $(PREFIX)/bin/followup-cal; fi
	@echo "installed $(PREFIX)/bin/followup-cal; if your shell does not find it, add $(PREFIX)/bin to PATH"

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The timeline test opens the page in Debian's chromium: installed here when missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Another apt run (unattended-upgrades, a second `make test`) may hold the dpkg lock:
# wait for it, up to 10 minutes, as apt itself can, rather than fail at once.
APT_GET := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600
chromium:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  echo "installing Debian's chromium for the timeline test"; \
	  $(APT_GET) update -qq && \
	  $(APT_GET) install -y -qq chromium >/dev/null; }

# The inbox tests read mail from Debian's Dovecot, run as the tests' own process. What they
# run is checked, not a package name: dovecot-core without dovecot-imapd (installing
# another IMAP server removes it) has no imap process to serve them.
dovecot:
	@{ command -v dovecot >/dev/null || [ -x /usr/sbin/dovecot ]; } && \
	  [ -x /usr/lib/dovecot/imap ] && [ -x /usr/lib/dovecot/imap-login ] || { \
	  echo "installing Debian's dovecot-imapd for the inbox tests"; \
	  $(APT_GET) update -qq && \
	  $(APT_GET) install -y -qq dovecot-imapd >/dev/null; }

# The sync tests run Debian's sabre/dav (Digest auth) under `php -S`, on SQLite through PDO.
sabredav:
	@[ -f /usr/share/php/Sabre/autoload.php ] && command -v php >/dev/null && \
	  php -r 'exit(extension_loaded("pdo_sqlite") ? 0 : 1);' || { \
	  echo "installing Debian's php-sabre-dav for the sync tests"; \
	  $(APT_GET) update -qq && \
	  $(APT_GET) install -y -qq php-cli php-sqlite3 php-sabre-dav >/dev/null; }

# Cyrus CalDAV (the server behind Fastmail). Debian's cyrus-imapd conflicts with the
# dovecot-imapd the inbox tests need, so Cyrus is not installed: cyrus-common and
# cyrus-caldav are unpacked into the venv (tests/cyrus_server.py runs them from there),
# and what the programs the tests run lack is installed: their libraries, SASL's
# saslpasswd2.
CYRUS := $(VENV)/cyrus
CYRUS_BIN := $(CYRUS)/usr/lib/cyrus/bin
CYRUS_RUN := master httpd lmtpd ctl_cyrusdb
cyrus: | $(BIN)/python
	@(for p in $(CYRUS_RUN); do [ -x $(CYRUS_BIN)/$$p ] || exit 1; done) || { \
	  echo "unpacking Debian's cyrus-caldav into $(CYRUS) for the sync tests"; \
	  $(APT_GET) update -qq && rm -rf $(CYRUS) $(CYRUS).debs && mkdir -p $(CYRUS).debs && \
	  (cd $(CYRUS).debs && apt-get download -qq cyrus-common cyrus-caldav >/dev/null 2>&1) && \
	  for deb in $(CYRUS).debs/*.deb; do dpkg -x $$deb $(CYRUS); \
	    dpkg-deb -f $$deb Depends >> $(CYRUS)/depends; done && rm -rf $(CYRUS).debs; }
	@cd $(CYRUS_BIN) && LD_LIBRARY_PATH=$$(dirname $(abspath $(CYRUS))/usr/lib/*/libcyrus.so.0) \
	  ldd $(CYRUS_RUN) | grep -q "not found" || ! command -v saslpasswd2 >/dev/null || exit 0; \
	  missing=$$(tr ',' '\n' < $(abspath $(CYRUS))/depends | sed 's/(.*)//; s/|.*//; s/ //g' | \
	    grep '^lib' | sort -u | while read p; do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	  echo "installing what Cyrus needs:" $$missing sasl2-bin; \
	  $(APT_GET) install -y -qq --no-install-recommends $$missing sasl2-bin >/dev/null

# DAViCal (Debian's davical on PostgreSQL) under `php -S`, a cluster per test run
# (tests/davical_server.py). Installing them removes nothing.
davical:
	@[ -f /usr/share/davical/htdocs/caldav.php ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && \
	  php -r 'exit(extension_loaded("pgsql") ? 0 : 1);' && perl -MDBD::Pg -e1 2>/dev/null || { \
	  echo "installing Debian's davical and postgresql for the sync tests"; \
	  $(APT_GET) update -qq && \
	  $(APT_GET) install -y -qq --no-install-recommends davical php-pgsql libdbd-pg-perl postgresql >/dev/null; }

# One pytest-xdist worker per core; each test file runs in one worker, so the servers a
# file starts start once. WORKERS=0 runs everything in one process.
WORKERS ?= auto
PYTEST := TZ=UTC $(BIN)/python -m pytest -n $(WORKERS) --dist loadfile
test: lint chromium dovecot sabredav cyrus davical
	$(PYTEST)

# The suite under other clocks (Debian's libfaketime): days that bite date code. Every
# test pins the day it plans from (FOLLOWUP_CAL_TODAY, --today), so each must pass as on
# any other day. DAYS: YYYY-MM-DD (noon UTC) or YYYY-MM-DDTHH:MM:SS (UTC). The clock is
# moved by an offset, so every process of a run agrees on the time; in one process, as
# pytest-xdist's workers deadlock under libfaketime. Its monotonic clock stays faked
# (DONT_FAKE_MONOTONIC=1 makes every time.sleep fail with EINVAL in its 0.9.10), so a
# thread's timed wait never ends: the one test that needs a timer to fire is skipped
# (tests/conftest.py), and a day that runs past DAY_SECONDS is stopped with every
# thread's stack in its log. TESTS: by default the files that start no server, theirs or
# another test file's (Dovecot stalls under libfaketime, the Google sign-in's time
# limits never end); TESTS=tests for all. Each day's log is .test-dates-DAY.log, kept
# when the day fails, so runs of other days can go side by side.
DAYS ?= 2026-12-24 2026-12-31T23:30:00 2027-01-01T02:00:00 2028-02-29 2027-03-14 \
	2027-03-28 2027-07-15 2027-10-31 2027-11-07
DAY_SECONDS ?= 3600
TESTS ?= $(shell grep -L -E '^(from|import) (caldav_servers|imap_server|google_standin|test_google|test_sync|test_inbox)' tests/test_*.py)
faketime:
	@ls /usr/lib/*/faketime/libfaketimeMT.so.1 >/dev/null 2>&1 || { \
	  echo "installing Debian's faketime for test-dates"; \
	  $(APT_GET) update -qq && \
	  $(APT_GET) install -y -qq faketime >/dev/null; }

test-dates: $(VENV)/.installed-dev faketime chromium
	@lib=$$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 | head -n 1); failed=""; \
	for day in $(DAYS); do \
	  clock=$$(echo "$$day" | tr T ' '); case $$clock in *:*) ;; *) clock="$$clock 12:00:00";; esac; \
	  offset=$$(( $$(date -u -d "$$clock" +%s) - $$(date -u +%s) )); log=.test-dates-$$day.log; \
	  start=$$(date +%s); \
	  timeout -s ABRT $(DAY_SECONDS) env LD_PRELOAD=$$lib FAKETIME="$$(printf %+d $$offset)" \
	    TZ=UTC $(BIN)/python -m pytest -n 0 -q -p no:cacheprovider $(TESTS) \
	    > $$log 2>&1 && ok=yes || ok=no; \
	  echo "$$clock UTC: $$(tail -n 1 $$log) [$$(( $$(date +%s) - start )) s]"; \
	  [ $$ok = yes ] && rm -f $$log || failed="$$failed $$day"; \
	done; \
	[ -z "$$failed" ] || { echo "failed on:$$failed (see .test-dates-DAY.log)"; exit 1; }

# The manual as a site in site/ (MkDocs, mkdocs.yml), after regenerating the command
# reference from the commands' own help and the key reference from the file's schema
# (tests say when either is stale). `make test` builds
# it with --strict too (tests/test_docs.py).
docs: $(VENV)/.installed-dev
	$(BIN)/python -m followup_cal.cli.reference > docs/cli.md
	$(BIN)/python -m followup_cal.cli.format_reference > docs/keys.md
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet
	@echo "The manual: open site/index.html"

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(VENV)/.installed $(VENV)/.installed-dev $@

# Every command at 500, 2,000 and 10,000 interviews and a cold start, against floors
# measured in the same run (bench/scale.py, docs/benchmarks.md; about 20 minutes on a
# busy 2-core machine, SIZES=500,2000 for a quick one); it says which figure moved more
# than 10 % from bench/baseline.json, which only bench-baseline writes. Never part of
# `make test`. bench-sync: the sync benchmark against vdirsyncer on Radicale.
SIZES ?= 500,2000,10000
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/scale.py --sizes $(SIZES)

bench-baseline: $(VENV)/.installed-dev
	$(BIN)/python bench/scale.py --sizes $(SIZES) --save-baseline

bench-sync: $(VENV)/.installed-bench
	$(BIN)/python bench/sync_bench.py

clean:
	rm -rf $(VENV) followups.ics timeline.html site .pytest_cache .hypothesis .test-dates*.log
