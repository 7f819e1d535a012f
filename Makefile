# A newcomer needs two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000

.PHONY: install run serve test test-fast lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
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
