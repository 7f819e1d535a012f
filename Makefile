# A newcomer needs two commands: `make run` and `make test`.
VENV   := .venv
# SpatiaLite (the zones, GeoDjango) is a loadable SQLite extension, so the venv's Python must be
# able to load one: Debian's python3.11 can; a Python built without
# --enable-loadable-sqlite-extensions (pyenv's default) cannot. The first such 3.11 found.
CAN_LOAD = -c "import sqlite3, sys; assert sys.version_info[:2] == (3, 11); sqlite3.connect(':memory:').enable_load_extension(True)"
PYTHON ?= $(firstword $(foreach p,/usr/bin/python3.11 python3.11 python3,$(shell $(p) $(CAN_LOAD) >/dev/null 2>&1 && echo $(p))))
PY     := $(VENV)/bin/python
PORT   ?= 8000

.PHONY: install system-libs run serve test test-fast lint bench clean

install: system-libs
	@# A venv made by an earlier version of this file with a Python that cannot load SpatiaLite.
	@$(PY) $(CAN_LOAD) >/dev/null 2>&1 || rm -f $(VENV)/.installed
	@$(MAKE) --no-print-directory $(VENV)/.installed

# GDAL/GEOS/PROJ (GeoDjango), SpatiaLite (the embedded database), PostGIS for each local
# PostgreSQL server, and a Python 3.11 that can load SQLite extensions. Installed with apt-get
# where it is available and we are root; otherwise the one command to run is printed. (Debian 12
# names; gdal-bin brings GDAL, GEOS and PROJ.) GDAL is found as ctypes finds it, which is how
# GeoDjango loads it; a server is a PostgreSQL version with a `postgres` binary, not a client.
PG_SERVERS = $(patsubst /usr/lib/postgresql/%/bin/postgres,%,$(wildcard /usr/lib/postgresql/*/bin/postgres))
SYSTEM_PACKAGES = gdal-bin libsqlite3-mod-spatialite python3.11 python3.11-venv \
	$(patsubst %,postgresql-%-postgis-3,$(PG_SERVERS))
system-libs:
	@if [ -n "$(PYTHON)" ] \
	    && $(PYTHON) -c "import ctypes.util, sys; sys.exit(not (ctypes.util.find_library('gdal') and ctypes.util.find_library('geos_c')))" \
	    && $(PYTHON) -c "import sqlite3; c = sqlite3.connect(':memory:'); c.enable_load_extension(True); c.load_extension('mod_spatialite')" 2>/dev/null \
	    $(foreach v,$(PG_SERVERS),&& test -f /usr/share/postgresql/$(v)/extension/postgis.control) \
	    ; then \
	  exit 0; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "=== installing system libraries: $(SYSTEM_PACKAGES)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	else \
	  echo "The zones need GDAL, SpatiaLite and PostGIS. Run, then make again:"; \
	  echo "  sudo apt-get install -y $(SYSTEM_PACKAGES)"; \
	  exit 1; \
	fi

$(VENV)/.installed: requirements.txt
	@test -n "$(PYTHON)" || { echo "No Python 3.11 that can load SQLite extensions (make system-libs)"; exit 1; }
	$(PY) $(CAN_LOAD) >/dev/null 2>&1 || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py create_demo_users
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production: gunicorn + WhiteNoise with heritage.settings.production (README "Production").
# Needs DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and HERITAGE_PUBLIC_URL in the environment;
# refuses DEBUG. Photo files (/media/) come from the application too, each with its photo's
# permission rule; behind nginx, HERITAGE_MEDIA_ACCEL_REDIRECT hands the sending to it (never
# alias /media/ to MEDIA_ROOT).
BIND    ?= 127.0.0.1:8000
WORKERS ?= 3
serve: install
	DJANGO_SETTINGS_MODULE=heritage.settings.production $(PY) manage.py check --deploy --fail-level WARNING
	DJANGO_SETTINGS_MODULE=heritage.settings.production $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=heritage.settings.production $(PY) manage.py collectstatic --noinput
	DJANGO_SETTINGS_MODULE=heritage.settings.production $(VENV)/bin/gunicorn heritage.wsgi \
		--bind $(BIND) --workers $(WORKERS) --timeout 60 --max-requests 2000 \
		--max-requests-jitter 200 --access-logfile -

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# The quick loop while working: no browser, no 10 MB inputs, no fuzzing or big grids.
test-fast: install
	$(PY) -m pytest -m "not slow and not browser" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Datasette (the catalog benchmark's baseline) gets a virtualenv of its own.
DATASETTE_VENV := .venv-datasette
$(DATASETTE_VENV)/.installed: bench/requirements-datasette.txt
	test -x $(DATASETTE_VENV)/bin/python || $(PYTHON) -m venv $(DATASETTE_VENV)
	$(DATASETTE_VENV)/bin/python -m pip install --quiet -r bench/requirements-datasette.txt
	touch $@

bench: install $(DATASETTE_VENV)/.installed
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(DATASETTE_VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm media bench/out
