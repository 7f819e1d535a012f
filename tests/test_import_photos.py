"""What an import does to the photos of the approved surveys it replaces: photos are evidence,
never lost. A photo of a survey the file no longer holds stays on its building (`survey` set
to null, in the merge's transaction, in the change log); its files are untouched.

These tests commit for real (transaction=True): both engines check foreign keys at commit,
where the import used to fail with a traceback."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from registry.models import ChangeLog, Photo, Record, Survey
from registry.selectors.photos import photos_for
from registry.services import photos
from tests.exchange_helpers import building, city, district, jsonl, run_export, run_import, write
from tests.workflow_builders import jpeg_bytes, user

pytestmark = pytest.mark.django_db(transaction=True)

VACANT_2019 = {"surveyed_on": "2019-01-01", "occupancy": "vacant"}
IN_USE_2021 = {"surveyed_on": "2021-01-01", "occupancy": "in_use"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def migrated_rows():
    """A transactional test flushes every table: the regions and roles that migrations load
    come back here (faster than serialized_rollback's reload of the whole database)."""
    importlib.import_module("registry.migrations.0002_load_regions").load_regions(apps, None)
    importlib.import_module("registry.migrations.0006_workflow_groups").create_groups(apps, None)


@pytest.fixture
def photo(tmp_path):
    """B1 with its approved survey of 2019-01-01, and a photo of that survey, marked public."""
    ok, _, err = run_import(write(tmp_path, jsonl(
        city(), district(), building(surveys=[VACANT_2019])), "a.jsonl"))  # fmt: skip
    assert ok, err
    survey = Survey.objects.get(building__code="B1", surveyed_on="2019-01-01")
    upload = SimpleUploadedFile("门楼.jpg", jpeg_bytes(), content_type="image/jpeg")
    shot = photos.photo_attach(
        user=user("s", "surveyor", password=None), upload=upload, survey=survey, caption="门楼"
    )
    reviewer = user("r", "reviewer", password=None)
    return photos.photo_publish(user=reviewer, photo=shot, public=True)


def _files(photo: Photo) -> tuple[bytes, bytes]:
    with photo.image.open("rb") as image, photo.thumbnail.open("rb") as thumb:
        return image.read(), thumb.read()


def test_a_detached_photo_not_marked_public_stays_hidden(tmp_path, photo):
    photos.photo_publish(user=user("r2", "reviewer", password=None), photo=photo, public=False)
    ok, _, err = run_import(write(tmp_path, jsonl(building(surveys=[IN_USE_2021])), "b.jsonl"))
    assert ok, err
    photo.refresh_from_db()
    assert photo.survey is None and not photo.public  # a record's photo now, still unmarked
    assert list(photos_for(photo.record)) == []


def test_replacing_a_survey_keeps_its_photo_on_the_building(tmp_path, photo):
    files = _files(photo)
    survey_id = photo.survey_id
    ok, out, err = run_import(write(tmp_path, jsonl(building(surveys=[IN_USE_2021])), "b.jsonl"))
    assert ok, err
    assert "Traceback" not in err
    assert "1 updated" in out and "1 photo of replaced surveys kept on its record" in out
    assert not Survey.objects.filter(pk=survey_id).exists(), "the file replaced the survey"
    photo.refresh_from_db()
    assert photo.survey is None and photo.record == Record.objects.get(code="B1")
    assert (photo.caption, _files(photo)) == ("门楼", files), "the photo and its files are kept"
    assert list(photos_for(photo.record)) == [photo], "public before (approved), public still"
    assert photo.public

    entry = ChangeLog.objects.filter(object_type="registry.photo", object_id=photo.pk).latest("id")
    assert entry.action == "import" and entry.record_id == photo.record_id
    assert entry.before["survey"] == survey_id and entry.after["survey"] is None
    assert entry.after["record"] == photo.record_id and entry.region_id == "140728"

    # The building is not stuck: it can be imported again, its survey replaced again.
    again = jsonl(building(surveys=[{**IN_USE_2021, "surveyed_on": "2022-01-01"}]))
    ok, out, err = run_import(write(tmp_path, again, "c.jsonl"))
    assert ok, err
    assert "photo" not in out, "nothing left to detach"
    assert Photo.objects.get(pk=photo.pk).survey is None


def test_a_survey_the_file_keeps_keeps_its_photo(tmp_path, photo):
    kept = {**VACANT_2019, "occupancy": "in_use", "notes": "已修缮"}
    ok, out, err = run_import(write(tmp_path, jsonl(building(surveys=[kept, IN_USE_2021])), "b"))
    assert ok, err
    assert "photo" not in out
    photo.refresh_from_db()
    assert photo.survey.surveyed_on.isoformat() == "2019-01-01"
    assert photo.survey.notes == "已修缮"
    assert not ChangeLog.objects.filter(object_type="registry.photo", action="import").exists()


def test_the_round_trip_stays_byte_identical_after_a_photo_is_kept(tmp_path, photo):
    assert run_import(write(tmp_path, jsonl(building(surveys=[IN_USE_2021])), "b.jsonl"))[0]
    first = run_export()
    ok, out, err = run_import(write(tmp_path, first.encode("utf-8"), "export.jsonl"))
    assert ok, err
    assert "0 created, 0 updated, 3 unchanged" in out
    assert run_export() == first
    assert Photo.objects.filter(pk=photo.pk, survey=None).exists()


def test_a_database_refusal_in_the_merge_is_a_clear_failure_and_changes_nothing(
    tmp_path, photo, monkeypatch
):
    """Any integrity error of the merge (here: the photos left on the deleted survey, as before
    the fix) is one clear message, no traceback, and nothing is written."""
    from registry.exchange import staging

    monkeypatch.setattr(staging.Staging, "_detach_photos", lambda self, cur: None)
    before = (
        sorted(Survey.objects.values_list("id", "surveyed_on", "occupancy")),
        sorted(Photo.objects.values_list("id", "survey_id")),
        ChangeLog.objects.count(),
        Record.objects.get(code="B1").version,
    )
    ok, out, err = run_import(write(tmp_path, jsonl(building(surveys=[IN_USE_2021])), "b.jsonl"))
    assert not ok
    assert "the database refused the merge" in err and "nothing was imported" in err
    assert "Traceback" not in err
    assert before == (
        sorted(Survey.objects.values_list("id", "surveyed_on", "occupancy")),
        sorted(Photo.objects.values_list("id", "survey_id")),
        ChangeLog.objects.count(),
        Record.objects.get(code="B1").version,
    )


def test_a_photo_for_a_survey_an_import_replaced_meanwhile_is_refused_clearly(tmp_path):
    """The surveyor's page was opened before the import: the survey it names is gone."""
    assert run_import(write(tmp_path, jsonl(
        city(), district(), building(surveys=[VACANT_2019])), "a.jsonl"))[0]  # fmt: skip
    stale = Survey.objects.get(building__code="B1")
    assert run_import(write(tmp_path, jsonl(building(surveys=[IN_USE_2021])), "b.jsonl"))[0]
    upload = SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")
    with pytest.raises(ValidationError) as refused:
        photos.photo_attach(user=user("s", "surveyor", password=None), upload=upload,
                            survey=stale)  # fmt: skip
    assert "不存在" in str(refused.value)
    assert not Photo.objects.exists()


def test_a_photo_committed_while_the_import_deletes_its_survey_is_kept(tmp_path, monkeypatch):
    """PostgreSQL, two connections: a surveyor's upload holds its survey's row while the import
    deletes that survey. The DELETE waits for the photo's commit, and the photo is then kept
    (the merge detaches after deleting; detaching first would miss it and fail at commit).
    SQLite needs no such test: its write transactions (BEGIN IMMEDIATE) never overlap."""
    import threading
    import time

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time")
    assert run_import(write(tmp_path, jsonl(
        city(), district(), building(surveys=[VACANT_2019])), "a.jsonl"))[0]  # fmt: skip
    survey = Survey.objects.get(building__code="B1")
    surveyor = user("s", "surveyor", password=None)
    failures, import_waited = [], []
    lock_survey = photos._lock_survey

    def lock_then_wait_for_the_import(target):
        lock_survey(target)
        import_started.set()
        # Go on (insert the photo, commit) only once the import waits for this lock.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not import_waited:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_stat_clear_snapshot()")  # fresh within a transaction
                cur.execute(
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND datname = current_database() AND pid <> pg_backend_pid()"
                )
                if cur.fetchone()[0]:
                    import_waited.append(True)
            time.sleep(0.02)

    import_started = threading.Event()
    monkeypatch.setattr(photos, "_lock_survey", lock_then_wait_for_the_import)

    def upload():
        try:
            photos.photo_attach(user=surveyor, survey=survey, upload=SimpleUploadedFile(
                "p.jpg", jpeg_bytes(), content_type="image/jpeg"))  # fmt: skip
        except Exception as exc:  # reported below, in the test's thread
            failures.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=upload)
    thread.start()
    assert import_started.wait(10)
    ok, out, err = run_import(write(tmp_path, jsonl(building(surveys=[IN_USE_2021])), "b.jsonl"))
    thread.join(30)
    assert import_waited, "the import never waited for the upload: the test proves nothing"
    assert not failures, failures
    assert ok, err
    assert "1 photo of replaced surveys kept on its record" in out
    assert list(Photo.objects.values_list("survey_id", "record__code")) == [(None, "B1")]
