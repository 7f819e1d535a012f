"""backup_heritage / restore_heritage: the whole registry in a directory, and back.

A backup directory holds:

- `records.jsonl`: the exchange file (export_heritage), the copy any registry can read;
- `data.jsonl`: the rows of every model in MODELS in Django's JSON Lines serialisation, primary
  keys kept: users and groups, records, plaques, surveys of every state with their workflow
  fields, and (when those models exist) photos, the audit history and region assignments. Keys
  are kept because the history refers to objects by id;
- `media/`: every file a FileField of those rows names (photos and thumbnails);
- `manifest.json`: format version, counts, and the SHA-256 and size of every file above.

Restore refuses a database that holds any of these rows, checks every checksum before writing,
loads the rows in one transaction, rebuilds what is derived (search index, indicator state),
then exports again and refuses (rolls back) unless the export is byte-identical to
`records.jsonl`. Derived tables (search, indicator state) and sessions are not backed up.

To back up a new model, add its label to MODELS (in dependency order); its FileFields are
picked up by themselves.
"""

import datetime
import hashlib
import json
import shutil
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from registry.choices import NUL_REASON, forbidden_character
from registry.db import read_snapshot
from registry.exchange.export import iter_records
from registry.exchange.writers import write_jsonl

FORMAT = 1
# Dependency order: a row's foreign keys point to rows of models above it (or its own model).
MODELS = [
    "auth.Group",
    "auth.User",
    "registry.Record",
    "registry.Plaque",
    "registry.Survey",
    "registry.Photo",
    "registry.ChangeLog",
    "registry.RegionAssignment",
]
RECORDS, DATA, MEDIA, MANIFEST = "records.jsonl", "data.jsonl", "media", "manifest.json"
BATCH = 2000


class BackupError(Exception):
    pass


class ExactJSONEncoder(DjangoJSONEncoder):
    """Django's encoder cuts times to milliseconds (ECMA-262); a backup keeps microseconds,
    or a restored updated_at or history time would differ from the original."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            if isinstance(o, datetime.time) and timezone.is_aware(o):
                raise ValueError("JSON can't represent timezone-aware times.")
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def backed_up_models() -> list[type[models.Model]]:
    """The models of MODELS that this code base has (photos and history came later)."""
    found = []
    for label in MODELS:
        try:
            found.append(apps.get_model(label))
        except LookupError:
            continue
    return found


def _keys(model) -> dict:
    """Groups by name and permissions by (codename, app, model): their ids differ between
    databases (migrations create roles and permissions in their own order), and a restore
    merges into the groups a migration made. Users keep their ids, which the registry's rows
    (surveys, photos, history) refer to; their groups and permissions go by natural key."""
    if model._meta.label == "auth.Group":
        return {"use_natural_foreign_keys": True, "use_natural_primary_keys": True}
    if model._meta.app_label == "auth":
        return {"use_natural_foreign_keys": True}
    return {}


def _file_fields(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backup(directory: Path) -> dict:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: a backup goes into a new directory")
    counts, media = {}, []
    with read_snapshot():
        with (directory / RECORDS).open("w", encoding="utf-8", newline="") as out:
            counts["exchange_records"] = write_jsonl(out, iter_records())
        with (directory / DATA).open("w", encoding="utf-8", newline="") as out:
            for model in backed_up_models():
                rows = model._base_manager.order_by("pk")
                counts[model._meta.label] = rows.count()
                serializers.serialize(
                    "jsonl",
                    rows.iterator(chunk_size=BATCH),
                    stream=out,
                    cls=ExactJSONEncoder,
                    **_keys(model),
                )
                for name in _file_fields(model):
                    media += [v for v in rows.values_list(name, flat=True).iterator() if v]
    media_root = Path(settings.MEDIA_ROOT)
    for name in sorted(set(media)):
        source = media_root / name
        if not source.is_file():
            raise BackupError(f"{name}: the database names this file but MEDIA_ROOT lacks it")
        target = directory / MEDIA / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    files = {
        str(p.relative_to(directory)): {"sha256": _sha256(p), "size": p.stat().st_size}
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }
    manifest = {
        "format": FORMAT,
        "created": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "models": [m._meta.label for m in backed_up_models()],
        "counts": counts,
        "files": files,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    return manifest


def _verified_manifest(directory: Path) -> dict:
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path}: no manifest: not a backup directory")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')}, this code reads {FORMAT}")
    unknown = set(manifest["models"]) - {m._meta.label for m in backed_up_models()}
    if unknown:
        raise BackupError(f"this code base lacks the models {sorted(unknown)} of the backup")
    for name, expected in manifest["files"].items():
        file = directory / name
        if not file.is_file() or _sha256(file) != expected["sha256"]:
            raise BackupError(f"{name}: missing or damaged (checksum differs from the manifest)")
    return manifest


def _refuse_unless_empty() -> None:
    # Groups are roles that migrations create: the backup's are merged into them by name.
    held = [
        m._meta.label
        for m in backed_up_models()
        if m._meta.label != "auth.Group" and m._base_manager.exists()
    ]
    if held:
        raise BackupError(
            "restore needs an empty registry, and this database holds rows of "
            + ", ".join(held)
            + " (migrate a new database and restore into it)"
        )


def _load_rows(path: Path) -> dict[str, int]:
    """Rows in batches of bulk_create (saves would fire signals and take hours at 1M);
    users and groups one by one, for their many-to-many relations."""
    counts: dict[str, int] = {}
    batch: list = []

    def flush():
        if batch:
            type(batch[0]).objects.bulk_create(batch, batch_size=BATCH)
            batch.clear()

    with path.open(encoding="utf-8") as stream:
        for item in serializers.deserialize("jsonl", stream):
            obj = item.object
            _storable(obj)
            label = obj._meta.label
            counts[label] = counts.get(label, 0) + 1
            if item.m2m_data or obj._meta.app_label == "auth":
                flush()
                item.save()
                continue
            if batch and type(batch[0]) is not type(obj):
                flush()
            batch.append(obj)
    flush()
    # New rows must not collide with restored keys (PostgreSQL sequences; SQLite needs none).
    sql = connection.ops.sequence_reset_sql(no_style(), backed_up_models())
    with connection.cursor() as cur:
        for statement in sql:
            cur.execute(statement)
    return counts


def _storable(obj) -> None:
    """Name the row holding a text this database cannot store, rather than fail on it with the
    driver's error: a surrogate nowhere, a NUL not in PostgreSQL (a SQLite registry may hold
    one from before the models refused it; restored there, check_heritage lists it)."""
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        reason = forbidden_character(value) if isinstance(value, str) else None
        if reason and not (reason == NUL_REASON and connection.vendor == "sqlite"):
            raise BackupError(
                f"{obj._meta.label} {obj.pk}: {field.name}: {reason}, which this database "
                "cannot store: mend it in the registry backed up (check_heritage lists it) and "
                "back up again"
            )


def _restore_media(directory: Path, manifest: dict) -> None:
    """Files first (they only add: an existing file must already be the same), so that no
    committed row ever names a file that is not there."""
    media_root = Path(settings.MEDIA_ROOT)
    copies = {
        name: media_root / name[len(MEDIA) + 1 :]
        for name in manifest["files"]
        if name.startswith(MEDIA + "/")
    }
    for name, target in copies.items():
        if target.exists() and _sha256(target) != manifest["files"][name]["sha256"]:
            raise BackupError(f"{target} exists with other content: not overwritten")
    for name, target in copies.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(directory / name, target)
        if _sha256(target) != manifest["files"][name]["sha256"]:
            raise BackupError(f"{target}: copied file differs from the backup")


def restore(directory: Path) -> dict:
    from registry.services import indicator_state, search_index

    directory = Path(directory)
    manifest = _verified_manifest(directory)
    _refuse_unless_empty()
    _restore_media(directory, manifest)
    with transaction.atomic():
        counts = _load_rows(directory / DATA)
        expected = {k: v for k, v in manifest["counts"].items() if "." in k}
        if counts != {k: v for k, v in expected.items() if v}:
            raise BackupError(f"rows loaded {counts} differ from the manifest's {expected}")
        search_index.refresh()
        indicator_state.refresh()
        again = directory / (RECORDS + ".restored")
        try:
            with again.open("w", encoding="utf-8", newline="") as out:
                write_jsonl(out, iter_records())
            if _sha256(again) != manifest["files"][RECORDS]["sha256"]:
                raise BackupError("the restored registry's export differs from records.jsonl")
        finally:
            again.unlink(missing_ok=True)
    return counts
