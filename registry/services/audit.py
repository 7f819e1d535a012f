"""The audit trail (registry.models.ChangeLog): who changed what, when, from what to what.

- `log` is called by the services (and so by the admin) for each object they write.
- `log_bulk` logs a set-based write (an import) in one INSERT ... SELECT: one entry per object
  whose id the given SQL subquery yields, its values read from the table as they are now, and
  its values before read from its latest earlier entry (every change is logged, so that is
  what it was). `record_import` is that for records, and also adds one to their version, so
  that an admin form opened before the import cannot silently overwrite it.

A service that logs its own save (with its user and action) makes it inside `in_charge()`;
any other single-object save of a record (a plain ORM `save()`) is logged by the signal in
registry/services/derived.py, with no user.

The values of an object are its own fields, foreign keys as ids, dates as ISO text, a zone
(a geometry) as the hex of its WKB, upper case: the same JSON whether written by Python
(`snapshot`) or by SQL (`_json_sql`). Hex WKB because both databases and GEOS write the same
bytes, so the entry holds the zone exactly; GeoJSON written by each database would not be.
"""

import datetime
import decimal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from registry.models import ChangeAction, ChangeLog, Photo, Plaque, Record, Survey

CHANGELOG_TABLE = ChangeLog._meta.db_table
# Bookkeeping columns that are not facts of the registry.
SKIPPED = frozenset({"id", "created_at", "updated_at", "version", "uploaded_at"})
# model -> (SQL of its record id, SQL of its name for people), with the model's table as `o`
# and its record joined as `r`.
_RECORD_JOIN = {
    Record: ("o.id", "CAST(o.code AS TEXT) || ' ' || o.name"),
    Plaque: ("o.record_id", "COALESCE(o.number, '#' || CAST(o.id AS TEXT))"),
    Survey: (
        "o.building_id",
        "CAST(r.code AS TEXT) || ' ' || r.name || ' ' || CAST(o.surveyed_on AS TEXT)",
    ),
    Photo: ("o.record_id", "CAST(r.code AS TEXT) || ' ' || o.image"),
}
_IN_CHARGE: ContextVar[bool] = ContextVar("audit_in_charge", default=False)


@contextmanager
def in_charge() -> Iterator[None]:
    """The saves made inside are logged by the caller (a service, with its user): the signal
    that logs plain ORM saves leaves them alone, so that each change is logged once."""
    token = _IN_CHARGE.set(True)
    try:
        yield
    finally:
        _IN_CHARGE.reset(token)


def is_in_charge() -> bool:
    return _IN_CHARGE.get()


def fields_of(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.name not in SKIPPED]


def snapshot(obj: models.Model) -> dict:
    return {f.name: _jsonable(f.value_from_object(obj)) for f in fields_of(type(obj))}


def _jsonable(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, GEOSGeometry):
        return bytes(value.wkb).hex().upper()
    return value


def record_of(obj: models.Model) -> Record | None:
    if isinstance(obj, Record):
        return obj
    if isinstance(obj, Survey):
        return obj.building
    return getattr(obj, "record", None)


def log(
    *,
    user,
    action: str,
    obj: models.Model,
    before: dict | None = None,
    after: dict | None = None,
) -> ChangeLog:
    """One entry for one object; `after` defaults to the object's values now."""
    record = record_of(obj)
    return ChangeLog.objects.create(
        user=user if getattr(user, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        object_repr=str(obj)[:300],
        record_id=record.pk if record else None,
        region_id=record.region_id if record else None,
        before=before,
        after=snapshot(obj) if after is None else after,
    )


def log_bulk(
    *,
    model: type[models.Model],
    ids_sql: str,
    params: Sequence = (),
    user=None,
    action: str = ChangeAction.IMPORT,
) -> int:
    """Log every object of `model` whose id `ids_sql` (a SELECT of ids, with `params`)
    yields, in one statement. Returns the number of entries written."""
    table = model._meta.db_table
    record_id, repr_sql = _RECORD_JOIN[model]
    label = model._meta.label_lower
    previous = (
        f"(SELECT p.after FROM {CHANGELOG_TABLE} p WHERE p.object_type = %s AND p.object_id = o.id"
        " ORDER BY p.id DESC LIMIT 1)"
    )
    sql = (
        f"INSERT INTO {CHANGELOG_TABLE} (time, user_id, action, object_type, object_id,"
        " object_repr, record_id, region_id, before, after)"
        f" SELECT %s, %s, %s, %s, o.id, SUBSTR({repr_sql}, 1, 300), {record_id}, r.region_id,"
        f" {previous}, {_json_sql(model)}"
        f" FROM {table} o JOIN {Record._meta.db_table} r ON r.id = {record_id}"
        f" WHERE o.id IN ({ids_sql})"
    )
    user_id = getattr(user, "pk", user)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, [timezone.now(), user_id, action, label, label, *params])
        return cur.rowcount


def record_import(
    *, records_sql: str, params: Sequence = (), user=None, action: str = ChangeAction.IMPORT
) -> int:
    """For the bulk importer, after it created or changed records: one entry per record
    whose id `records_sql` yields (a SELECT of registry_record ids, with `params`), and the
    version of each of those records moved on by one. Returns the number of entries."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"UPDATE {Record._meta.db_table} SET version = version + 1 WHERE id IN ({records_sql})",
            list(params),
        )
        return log_bulk(model=Record, ids_sql=records_sql, params=params, user=user, action=action)


def _json_sql(model) -> str:
    """The object's values as JSON, built by the database: the same keys and value types as
    `snapshot` (foreign keys as ids, dates as ISO text)."""
    pairs = []
    for f in fields_of(model):
        column = f"o.{f.column}"
        if isinstance(f, models.DateTimeField) and connection.vendor == "sqlite":
            column = f"REPLACE({column}, ' ', 'T')"  # SQLite keeps "2020-01-01 00:00:00"
        elif isinstance(f, GeometryField):
            column = (
                f"UPPER(ENCODE(ST_AsBinary({column}, 'NDR'), 'hex'))"
                if connection.vendor == "postgresql"
                else f"NULLIF(HEX(AsBinary({column})), '')"  # SQLite's HEX(NULL) is ''"
            )
        pairs.append(f"'{f.name}', {column}")
    function = "jsonb_build_object" if connection.vendor == "postgresql" else "json_object"
    return f"{function}({', '.join(pairs)})"
