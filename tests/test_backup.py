"""backup_heritage / restore_heritage: a round trip gives a byte-identical export and the same
rows (users, drafts, workflow fields, keys); damaged backups and non-empty databases are
refused; a SQLite backup restores into PostgreSQL, and one PostgreSQL refuses leaves nothing.
Hostile backups: tests/test_hostile_backup.py."""

import contextlib
import datetime
import io
import json
import os
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission, User
from django.contrib.gis.geos import GEOSGeometry
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from registry.models import ChangeLog, Photo, Plaque, Record, Survey
from registry.services import backup as backup_service
from registry.services.backup_files import SIGNATURE, signature
from registry.zones.geometry import parse_zone
from tests.catalog_builders import build_catalog

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def key(settings):
    """Backups are signed (HERITAGE_BACKUP_KEY); tests/test_hostile_backup.py tries the rest."""
    settings.HERITAGE_BACKUP_KEY = secrets.token_urlsafe(32)
    return settings.HERITAGE_BACKUP_KEY


def export() -> bytes:
    out = io.StringIO()
    call_command("export_heritage", stdout=out, stderr=io.StringIO())
    return out.getvalue().encode("utf-8")


def rows() -> dict:
    """Every backed-up row, keys included, comparable across databases."""
    return {
        "users": sorted(User.objects.values_list("id", "username", "password", "is_staff")),
        # Groups go by name (a migration may have made them with other ids).
        "groups": sorted(Group.objects.values_list("name", "permissions__codename")),
        "memberships": sorted(User.groups.through.objects.values_list("user_id", "group__name")),
        "records": sorted(Record.objects.values_list("id", "code", "parent_id", "updated_at")),
        "plaques": sorted(Plaque.objects.values_list("id", "record_id", "number")),
        "surveys": sorted(
            Survey.objects.values_list(
                "id",
                "building_id",
                "surveyed_on",
                "state",
                "surveyor",
                "notes",
                "created_by_id",
                "reviewed_by_id",
                "rejection_reason",
                "created_at",
            )
        ),  # fmt: skip
    }


@pytest.fixture
def registry():
    records = build_catalog()
    officer = User.objects.create_user("officer", password="pw-历史-1234", is_staff=True)
    reviewers = Group.objects.create(name="审核员")
    reviewers.permissions.add(Permission.objects.get(codename="change_survey"))
    officer.groups.add(reviewers)
    Survey.objects.create(
        building=records["TY-B-0002"], surveyed_on=datetime.date(2024, 3, 1), occupancy="vacant",
        state="rejected", created_by=officer, reviewed_by=officer, rejection_reason="照片不清",
    )  # fmt: skip
    # Zones travel in the exchange file: a Polygon with a hole and a MultiPolygon, the
    # Polygon's exterior stored clockwise (the export turns it round, on either engine).
    shell = [[112.1, 37.1], [112.1, 37.3], [112.3, 37.3], [112.3, 37.1], [112.1, 37.1]]
    hole = [[112.15, 37.15], [112.25, 37.15], [112.25, 37.25], [112.15, 37.25], [112.15, 37.15]]
    far = [[112.5, 37.5], [112.6, 37.5], [112.6, 37.6], [112.5, 37.5]]
    zones = {
        "protection_zone": {"type": "Polygon", "coordinates": [shell, hole]},
        "control_zone": {"type": "MultiPolygon", "coordinates": [[shell[::-1]], [far]]},
    }
    Record.objects.filter(code="JZ-D-0001").update(
        **{key: GEOSGeometry(memoryview(parse_zone(z).wkb), srid=4326) for key, z in zones.items()}
    )
    return records


def empty_the_registry():
    # The history too: the builders' plain ORM saves are logged (registry/services/derived.py).
    ChangeLog.objects.all().delete()
    Survey.objects.all().delete()
    Plaque.objects.all().delete()
    Record.objects.update(parent=None)
    Record.objects.all().delete()
    User.objects.all().delete()
    # Groups stay: a freshly migrated database has its role groups, and restore merges into them.
    Group.objects.filter(name="审核员").delete()


def test_round_trip_is_exact(registry, tmp_path):
    before_export, before_rows = export(), rows()
    call_command("backup_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["counts"]["registry.Survey"] == Survey.objects.count()
    assert (tmp_path / "b" / "records.jsonl").read_bytes() == before_export
    assert b'"protection_zone":{"type":"Polygon","coordinates":[[[112.1,37.1],[112.3,37.1]' in (
        before_export
    )
    empty_the_registry()
    assert export() == b""

    call_command("restore_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    assert export() == before_export
    assert rows() == before_rows
    # Derived state is rebuilt: the search finds, the indicators count.
    assert Record.objects.filter(code="JZ-B-0001").exists()
    from registry.selectors.records import catalog, search

    assert search(catalog(), "宗祠").count() == 3
    # New rows get new keys (sequences moved past the restored ones on PostgreSQL).
    new = Survey.objects.create(
        building=Record.objects.get(code="JZ-B-0001"), surveyed_on=datetime.date(2025, 1, 1),
        occupancy="in_use", state="draft",
    )  # fmt: skip
    assert new.pk > max(s[0] for s in before_rows["surveys"])


def test_refuses_a_registry_that_is_not_empty(registry, tmp_path):
    call_command("backup_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    before = rows()
    with pytest.raises(CommandError, match="empty registry"):
        call_command("restore_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    assert rows() == before


def test_refuses_a_backup_directory_that_is_not_empty(registry, tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup_heritage", str(tmp_path / "b"), stdout=io.StringIO())


@pytest.mark.parametrize("damaged", ["records.jsonl", "data.jsonl"])
def test_refuses_a_damaged_backup_and_writes_nothing(registry, tmp_path, damaged):
    call_command("backup_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    path = tmp_path / "b" / damaged
    path.write_bytes(path.read_bytes().replace(b"JZ-B-0001", b"JZ-B-0009", 1))
    empty_the_registry()
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    assert not Record.objects.exists() and not User.objects.exists()


def test_a_restore_whose_export_differs_is_rolled_back(registry, tmp_path, monkeypatch):
    call_command("backup_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    empty_the_registry()
    real = backup_service.write_jsonl
    monkeypatch.setattr(
        backup_service, "write_jsonl", lambda out, records: real(out, list(records)[1:])
    )
    with pytest.raises(CommandError, match="differs"):
        call_command("restore_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    assert not Record.objects.exists() and not User.objects.exists()


def test_photos_round_trip_with_their_files(registry, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    files = {}
    for i, record in enumerate(Record.objects.filter(kind="building")[:2]):
        for field in backup_service._file_fields(Photo):
            name = f"photos/2025/01/{field}-{i}.jpg"
            (settings.MEDIA_ROOT / name).parent.mkdir(parents=True, exist_ok=True)
            (settings.MEDIA_ROOT / name).write_bytes(os.urandom(2048))
            files[field] = name
        Photo.objects.create(record=record, width=10, height=10, public=i == 0, **files)
    sums = {n: backup_service._sha256(settings.MEDIA_ROOT / n) for n in _media_names(Photo)}
    marks = dict(Photo.objects.values_list("image", "public"))
    call_command("backup_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    Photo.objects.all().delete()
    empty_the_registry()
    settings.MEDIA_ROOT = tmp_path / "media2"
    call_command("restore_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    assert {n: backup_service._sha256(settings.MEDIA_ROOT / n) for n in sums} == sums
    assert Photo.objects.count() == 2
    assert dict(Photo.objects.values_list("image", "public")) == marks  # one public, one not


def test_a_backup_from_before_photo_public_restores_what_was_public(
    registry, tmp_path, settings, key
):
    """Rows of a backup made before Photo.public (0020) lack the field: the photos the old rule
    showed (a record's own, an approved survey's) come back public, the others hidden."""
    settings.MEDIA_ROOT = tmp_path / "media"
    building = Record.objects.filter(kind="building").first()
    submitted = Survey.objects.create(building=building, surveyed_on=datetime.date(2024, 3, 1),
                                      occupancy="vacant", state="submitted")  # fmt: skip
    for i, survey in enumerate((None, submitted)):
        files = {}
        for field in backup_service._file_fields(Photo):
            name = f"photos/2025/01/{field}-{i}.jpg"
            (settings.MEDIA_ROOT / name).parent.mkdir(parents=True, exist_ok=True)
            (settings.MEDIA_ROOT / name).write_bytes(os.urandom(2048))
            files[field] = name
        Photo.objects.create(record=building, survey=survey, width=10, height=10, **files)
    call_command("backup_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    data, manifest_path = tmp_path / "b" / "data.jsonl", tmp_path / "b" / "manifest.json"
    rows_ = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines()]
    for row in rows_:
        if row["model"] == "registry.photo":
            del row["fields"]["public"]  # as the code before 0020 wrote it
    data.write_text("".join(json.dumps(r) + "\n" for r in rows_), encoding="utf-8")
    manifest = json.loads(manifest_path.read_text())
    manifest["files"]["data.jsonl"] = {
        "sha256": backup_service._sha256(data),
        "size": data.stat().st_size,
    }
    manifest_path.write_text(json.dumps(manifest))
    (tmp_path / "b" / SIGNATURE).write_text(
        signature(manifest_path.read_bytes(), key.encode()) + "\n"
    )
    Photo.objects.all().delete()
    empty_the_registry()
    settings.MEDIA_ROOT = tmp_path / "media2"
    call_command("restore_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    marks = dict(Photo.objects.values_list("survey__state", "public"))
    assert marks == {None: True, "submitted": False}


def test_documents_round_trip_with_their_files(registry, tmp_path, settings):
    from registry.models import RecordDocument
    from registry.services import documents
    from tests.document_builders import pdf_bytes, upload

    settings.MEDIA_ROOT = tmp_path / "media"
    officer = User.objects.get(username="officer")
    record = Record.objects.get(code="JZ-B-0001")
    document = documents.prepare(upload(pdf_bytes()))
    RecordDocument.objects.create(
        record=record, title="批复", kind="approval", public=True, uploaded_by=officer,
        content_type=document.content_type, size=len(document.content), sha256="0" * 64,
        file=ContentFile(document.content, name="a.pdf"),
    )  # fmt: skip
    sums = {
        n: backup_service._sha256(settings.MEDIA_ROOT / n) for n in _media_names(RecordDocument)
    }
    call_command("backup_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    RecordDocument.objects.all().delete()
    empty_the_registry()
    settings.MEDIA_ROOT = tmp_path / "media2"
    call_command("restore_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    assert {n: backup_service._sha256(settings.MEDIA_ROOT / n) for n in sums} == sums
    restored = RecordDocument.objects.get()
    assert (restored.title, restored.record.code, restored.public) == ("批复", "JZ-B-0001", True)


def _media_names(model):
    fields = backup_service._file_fields(model)
    return [v for f in fields for v in model.objects.values_list(f, flat=True)]


def _postgres_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=2
        ).close()
    except Exception:
        return False
    return True


def _manage(*args, database_url: str, **env: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "heritage.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, timeout=300
    )


def skip_unless_sqlite_and_postgresql():
    if connection.vendor != "sqlite":
        pytest.skip("the backup side of this test runs on SQLite (here: another vendor)")
    if not _postgres_reachable():
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")


@contextlib.contextmanager
def fresh_postgres():
    """The URL of a new, migrated PostgreSQL database, dropped afterwards."""
    import psycopg

    name = f"h_hard_xvendor_{uuid.uuid4().hex[:8]}"
    admin = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        url = f"postgres://postgres@127.0.0.1:5432/{name}"
        result = _manage("migrate", "--noinput", database_url=url)
        assert result.returncode == 0, result.stderr.decode()
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.slow
def test_sqlite_backup_restores_into_postgresql(registry, tmp_path, key):
    skip_unless_sqlite_and_postgresql()
    call_command("backup_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    with fresh_postgres() as url:
        result = _manage(
            "restore_heritage", str(tmp_path / "b"), database_url=url, HERITAGE_BACKUP_KEY=key
        )
        assert result.returncode == 0, result.stderr.decode()
        result = _manage("export_heritage", database_url=url)
        assert result.returncode == 0, result.stderr.decode()
        assert result.stdout == (tmp_path / "b" / "records.jsonl").read_bytes()
        assert result.stdout == export()


def test_rows_postgresql_refuses_leave_no_media(registry, tmp_path, settings, key):
    """SQLite keeps a caption longer than its max_length; PostgreSQL refuses it (DataError).
    The restore must fail before any photo file is written, and commit no row."""
    skip_unless_sqlite_and_postgresql()
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "photos").mkdir(parents=True)
    (tmp_path / "media" / "photos" / "a.jpg").write_bytes(os.urandom(256))
    apps.get_model("registry.Photo").objects.create(
        record=Record.objects.get(code="JZ-B-0001"), width=1, height=1, caption="长" * 300,
        image="photos/a.jpg", thumbnail="photos/a.jpg",
    )  # fmt: skip
    call_command("backup_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    with fresh_postgres() as url:
        result = _manage(
            "restore_heritage", str(tmp_path / "b"), database_url=url, HERITAGE_BACKUP_KEY=key,
            HERITAGE_MEDIA_ROOT=str(tmp_path / "restored-media"),
        )  # fmt: skip
        assert result.returncode != 0
        assert b"Traceback" not in result.stderr and b"nothing restored" in result.stderr
        assert [p for p in (tmp_path / "restored-media").rglob("*") if p.is_file()] == []
        result = _manage("export_heritage", database_url=url)
        assert result.returncode == 0 and result.stdout == b""


@pytest.mark.django_db(transaction=True)
def test_rows_that_do_not_fit_together_are_refused_clearly(tmp_path, key):
    """Checksums prove a backup is what was written, not that its rows fit together (one
    edited by hand, its checksum recomputed). A key naming a row the backup lacks fails the
    foreign keys at commit (both engines): a clear refusal, nothing restored, no traceback."""
    import importlib

    # A transactional test flushes every table: the regions of migration 0002 come back here.
    importlib.import_module("registry.migrations.0002_load_regions").load_regions(apps, None)
    building = Record.objects.create(code="B1", kind="building", name="张氏宗祠",
                                     level="provincial", region_id="140728")  # fmt: skip
    Survey.objects.create(building=building, surveyed_on=datetime.date(2024, 3, 1),
                          occupancy="vacant", state="draft")  # fmt: skip
    call_command("backup_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    data, manifest_path = tmp_path / "b" / "data.jsonl", tmp_path / "b" / "manifest.json"
    rows_ = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines()]
    for row in rows_:
        if row["model"] == "registry.survey":
            row["fields"]["created_by"] = 999999  # no such user in the backup
    data.write_text("".join(json.dumps(r) + "\n" for r in rows_), encoding="utf-8")
    manifest = json.loads(manifest_path.read_text())
    manifest["files"]["data.jsonl"] = {
        "sha256": backup_service._sha256(data),
        "size": data.stat().st_size,
    }
    manifest_path.write_text(json.dumps(manifest))
    # Signed again with the registry's own key: a backup its key holder made broken.
    (tmp_path / "b" / SIGNATURE).write_text(
        signature(manifest_path.read_bytes(), key.encode()) + "\n"
    )
    ChangeLog.objects.all().delete()
    Survey.objects.all().delete()
    Record.objects.all().delete()

    with pytest.raises(CommandError, match="(?s)refused a row.*nothing restored"):
        call_command("restore_heritage", str(tmp_path / "b"), stdout=io.StringIO())
    assert not Record.objects.exists() and not Survey.objects.exists()
