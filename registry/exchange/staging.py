"""The staged file: temporary tables that hold every valid line, checked and merged in SQL.

Staging keeps memory bounded whatever the file size (nothing but the region list is held in
Python), lets the cross-line rules (duplicates, parents in any order, kind changes) run as set
queries, and lets the merge be a handful of INSERT ... SELECT / UPDATE ... FROM statements.
The same SQL runs on SQLite (3.39+, for IS DISTINCT FROM and UPDATE ... FROM) and PostgreSQL.
"""

from contextlib import contextmanager, nullcontext

from django.db import connection
from django.utils import timezone

from registry.choices import ALLOWED_PARENT_KINDS, SurveyState
from registry.db import indexes_built_after
from registry.models import Photo, Plaque, Record, Survey

RECORDS_TABLE = Record._meta.db_table
PLAQUES_TABLE = Plaque._meta.db_table
SURVEYS_TABLE = Survey._meta.db_table
PHOTOS_TABLE = Photo._meta.db_table

# The zones, staged as the WKB parse_zone made (RFC 7946 orientation) and stored as geometries
# (GEOMETRY below); the registry's own are read back as WKB to compare (_find_changed).
ZONE_COLUMNS = ("protection_zone", "control_zone")
RECORD_COLUMNS = (
    "line", "code", "kind", "name", "name_en", "level", "region", "parent", "designated_on",
    "revoked_on", "address", "lat", "lon", "era", "description", "description_en",
    "designation_batch", "designation_document", "designation_authority", "archive_level",
    "archive_completed_on", *ZONE_COLUMNS,
)  # fmt: skip
PLAQUE_COLUMNS = ("line", "seq", "number", "installed_on", "removed_on")
SURVEY_COLUMNS = ("line", "surveyed_on", "occupancy", "condition", "use", "surveyor", "notes")
# Record fields copied from the staged line; parent is resolved separately (by code).
FIELDS = (
    ("kind", "kind"), ("name", "name"), ("name_en", "name_en"), ("level", "level"),
    ("region_id", "region"), ("designated_on", "designated_on"), ("revoked_on", "revoked_on"),
    ("address", "address"), ("lat", "lat"), ("lon", "lon"),
    # Version 2: the staged columns are named as the record's.
    *(
        (column, column)
        for column in RECORD_COLUMNS[RECORD_COLUMNS.index("era") : -len(ZONE_COLUMNS)]
    ),
)  # fmt: skip
SURVEY_FIELDS = ("occupancy", "condition", "use", "surveyor", "notes")
APPROVED = SurveyState.APPROVED.value
SRID = 4326
# (WKB -> geometry, geometry -> WKB) of each engine: both read and write the NDR bytes
# parse_zone makes, so a zone imported again compares equal.
# (from WKB, to WKB as a format of the column). NDR named on PostgreSQL: its default is the
# server's byte order, and the staged WKB (registry/zones/geometry.py) is little-endian.
GEOMETRY = {
    "sqlite": ("GeomFromWKB", "AsBinary({})"),
    "postgresql": ("ST_GeomFromWKB", "ST_AsBinary({}, 'NDR')"),
}


def _values(vendor: str) -> list[tuple[str, str]]:
    """(record column, SQL of its new value from the staged line `s`) for every copied field."""
    from_wkb = GEOMETRY[vendor][0]
    return [(col, f"s.{src}") for col, src in FIELDS] + [
        (col, f"{from_wkb}(s.{col}, {SRID})") for col in ZONE_COLUMNS
    ]


def _ddl(vendor: str) -> list[str]:
    pg = vendor == "postgresql"
    date = "date" if pg else "text"
    real = "double precision" if pg else "real"
    blob = "bytea" if pg else "blob"
    code = 'text COLLATE "C"' if pg else "text"
    return [
        f"""CREATE TEMP TABLE imp_record (
            line integer PRIMARY KEY, code {code}, kind text, name text, name_en text, level text,
            region text, parent {code}, designated_on {date}, revoked_on {date}, address text,
            lat {real}, lon {real}, era text, description text, description_en text,
            designation_batch text, designation_document text, designation_authority text,
            archive_level text, archive_completed_on {date}, protection_zone {blob},
            control_zone {blob}, rec_id bigint,
            is_new integer DEFAULT 0, touched integer DEFAULT 0)""",
        f"""CREATE TEMP TABLE imp_plaque (
            line integer, seq integer, number text, installed_on {date}, removed_on {date})""",
        f"""CREATE TEMP TABLE imp_survey (
            line integer, surveyed_on {date}, occupancy text, condition text, use text,
            surveyor text, notes text)""",
        "CREATE TEMP TABLE imp_changed (rec_id bigint)",
        f"CREATE TEMP TABLE imp_invalid (line integer, code {code})",
        # The approved surveys the merge deletes, and the photos it detaches from them.
        "CREATE TEMP TABLE imp_gone_survey (id bigint PRIMARY KEY)",
        "CREATE TEMP TABLE imp_detached (id bigint PRIMARY KEY)",
    ]


TEMP_TABLES = (
    "imp_record", "imp_plaque", "imp_survey", "imp_changed", "imp_invalid", "imp_gone_survey",
    "imp_detached",
)  # fmt: skip
# The photos the merge detached from the surveys it replaced (for the change log).
DETACHED = "SELECT id FROM imp_detached"


class Staging:
    """Temporary tables on the current connection; dropped on exit."""

    def __init__(self):
        self.vendor = connection.vendor

    # -- loading ---------------------------------------------------------------------------
    def create(self) -> None:
        with connection.cursor() as cur:
            for sql in _ddl(self.vendor):
                cur.execute(sql)

    def drop(self) -> None:
        with connection.cursor() as cur:
            for table in TEMP_TABLES:
                cur.execute(f"DROP TABLE IF EXISTS {table}")

    @contextmanager
    def loading(self):
        """A write transaction for the staging tables alone.

        On SQLite, temporary tables live in their own database file, so filling them in a
        plain (deferred) transaction takes no lock on the registry: surveyors keep saving
        while a long file is parsed. The registry's write lock is taken only for the merge.
        """
        own = self.vendor == "sqlite" and not connection.in_atomic_block
        with connection.cursor() as cur:
            if own:
                cur.execute("BEGIN")
            try:
                yield _Writer(cur, self.vendor)
            except BaseException:
                if own:
                    cur.execute("ROLLBACK")
                raise
            if own:
                cur.execute("COMMIT")

    def index(self) -> None:
        with connection.cursor() as cur:
            cur.execute("CREATE INDEX imp_record_code ON imp_record (code)")
            cur.execute("CREATE INDEX imp_plaque_line ON imp_plaque (line)")
            cur.execute("CREATE INDEX imp_survey_line ON imp_survey (line)")
            if self.vendor == "postgresql":
                cur.execute("ANALYZE imp_record")
                cur.execute("ANALYZE imp_plaque")
                cur.execute("ANALYZE imp_survey")

    # -- cross-line rules ------------------------------------------------------------------
    def check(self, invalid_lines: list[tuple[int, str]] = ()) -> list[tuple[int, str, str]]:
        """Errors that need the whole file or the registry: (line, key, reason).

        `invalid_lines` are the (line, code) of lines that failed their own rules: a code used
        again after one of them is still a duplicate, and a line whose parent is on one of
        them is not blamed again."""
        errors = []
        codes = "imp_record"
        with connection.cursor() as cur:
            if invalid_lines:
                cur.executemany("INSERT INTO imp_invalid VALUES (%s, %s)", invalid_lines)
                codes = "(SELECT line, code FROM imp_record UNION ALL SELECT * FROM imp_invalid)"
            cur.execute(
                f"""SELECT s.line, s.code, f.first_line FROM {codes} s
                    JOIN (SELECT code, MIN(line) AS first_line FROM {codes} a
                          GROUP BY code HAVING COUNT(*) > 1) f ON f.code = s.code
                    WHERE s.line <> f.first_line"""
            )
            for line, code, first in cur.fetchall():
                errors.append((line, "code", f"duplicate code {code}: already at line {first}"))
            cur.execute(
                f"""SELECT s.line, s.code, r.kind, s.kind FROM imp_record s
                    JOIN {RECORDS_TABLE} r ON r.code = s.code WHERE r.kind <> s.kind"""
            )
            for line, code, old, new in cur.fetchall():
                errors.append(
                    (
                        line,
                        "kind",
                        f"{code} is a {old} in the registry, not a {new}: "
                        "a code never changes kind",
                    )
                )
            errors.extend(self._parent_errors(cur, {code for _, code in invalid_lines}))
        return errors

    def _parent_errors(self, cur, invalid_codes) -> list[tuple[int, str, str]]:
        allowed = " ".join(
            f"WHEN '{kind}' THEN pk IN ({', '.join(repr(str(k)) for k in sorted(parents))})"
            for kind, parents in ALLOWED_PARENT_KINDS.items()
            if parents
        )
        cur.execute(
            f"""SELECT line, kind, parent, pk FROM (
                    SELECT s.line, s.kind, s.parent,
                           COALESCE((SELECT f.kind FROM imp_record f WHERE f.code = s.parent
                                     ORDER BY f.line LIMIT 1),
                                    (SELECT r.kind FROM {RECORDS_TABLE} r
                                     WHERE r.code = s.parent)) AS pk
                    FROM imp_record s WHERE s.parent IS NOT NULL) q
                WHERE pk IS NULL OR NOT (CASE kind {allowed} ELSE FALSE END)"""
        )
        errors = []
        for line, kind, parent, parent_kind in cur.fetchall():
            if parent_kind is None:
                if parent in invalid_codes:
                    continue
                reason = f"parent {parent} is neither in the file nor in the registry"
            else:
                reason = f"a {kind} cannot lie in a {parent_kind} ({parent})"
            errors.append((line, "parent", reason))
        return errors

    # -- merge -----------------------------------------------------------------------------
    def merge(self) -> dict[str, int]:
        """Upsert every staged record; a record identical to the registry's is not touched.

        New records get their ids here (the registry's highest id + the line number), so
        plaques, surveys and parents are joined by line and id, never looked up by code again.
        """
        now = timezone.now()
        with connection.cursor() as cur:
            if self.vendor == "postgresql":
                # Ids are handed out below: no one else may insert records meanwhile.
                cur.execute(f"LOCK TABLE {RECORDS_TABLE} IN SHARE ROW EXCLUSIVE MODE")
            cur.execute(f"SELECT MAX(id) FROM {RECORDS_TABLE}")
            (base,) = cur.fetchone()
            if base is not None:  # an empty registry has nothing to match
                cur.execute(
                    f"""UPDATE imp_record SET rec_id = r.id FROM {RECORDS_TABLE} r
                        WHERE r.code = imp_record.code"""
                )
                self._find_changed(cur)
                cur.execute(
                    """UPDATE imp_record SET touched = 1
                       WHERE rec_id IN (SELECT rec_id FROM imp_changed)"""
                )
            cur.execute(
                "UPDATE imp_record SET rec_id = %s + line, is_new = 1, touched = 1 "
                "WHERE rec_id IS NULL",
                [base or 0],
            )
            parent_id = f"""COALESCE(
                (SELECT f.rec_id FROM imp_record f WHERE f.code = s.parent),
                (SELECT p.id FROM {RECORDS_TABLE} p WHERE p.code = s.parent))"""
            assignments = ", ".join(f"{col} = {sql}" for col, sql in _values(self.vendor))
            cur.execute(
                f"""UPDATE {RECORDS_TABLE}
                    SET {assignments}, parent_id = {parent_id}, updated_at = %s
                    FROM imp_record s
                    WHERE {RECORDS_TABLE}.id = s.rec_id AND s.touched = 1 AND s.is_new = 0""",
                [now],
            )
            bulk = (
                indexes_built_after(cur, [RECORDS_TABLE, PLAQUES_TABLE, SURVEYS_TABLE])
                if base is None
                else nullcontext()
            )
            with bulk:
                self._insert_new(cur, parent_id, now)
            cur.execute("SELECT COUNT(*), SUM(is_new), SUM(touched) - SUM(is_new) FROM imp_record")
            total, created, updated = cur.fetchone()
            cur.execute("SELECT COUNT(*) FROM imp_detached")
            (detached,) = cur.fetchone()
        return {
            "records": total or 0,
            "created": created or 0,
            "updated": updated or 0,
            "unchanged": (total or 0) - (created or 0) - (updated or 0),
            "photos_detached": detached,
            "was_empty": base is None,
        }

    def _insert_new(self, cur, parent_id: str, now) -> None:
        """New records (their ids already chosen), then every touched record's plaques and
        surveys."""
        values = _values(self.vendor)
        cols = ", ".join(col for col, _ in values)
        srcs = ", ".join(sql for _, sql in values)
        cur.execute(
            f"""INSERT INTO {RECORDS_TABLE} (id, code, {cols}, parent_id, created_at, updated_at)
                SELECT s.rec_id, s.code, {srcs}, {parent_id}, %s, %s
                FROM imp_record s WHERE s.is_new = 1 ORDER BY s.line""",
            [now, now],
        )
        if self.vendor == "postgresql":
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{RECORDS_TABLE}', 'id'),"
                f" (SELECT MAX(id) FROM {RECORDS_TABLE}))"
            )
        self._replace_plaques(cur)
        self._replace_surveys(cur, now)

    def _find_changed(self, cur) -> None:
        as_wkb = GEOMETRY[self.vendor][1]
        differs = " OR ".join(
            [f"s.{src} IS DISTINCT FROM r.{col}" for col, src in FIELDS]
            + [f"s.{col} IS DISTINCT FROM {as_wkb.format(f'r.{col}')}" for col in ZONE_COLUMNS]
        )
        cur.execute(
            f"""INSERT INTO imp_changed (rec_id)
                SELECT s.rec_id FROM imp_record s JOIN {RECORDS_TABLE} r ON r.id = s.rec_id
                LEFT JOIN {RECORDS_TABLE} p ON p.id = r.parent_id
                WHERE {differs} OR s.parent IS DISTINCT FROM p.code"""
        )
        # Plaques and approved surveys compared as multisets, both ways round.
        plaque = "p.number, p.installed_on, p.removed_on"
        staged_plaques = f"""SELECT s.rec_id AS rec_id, {plaque}, COUNT(*) AS n
                             FROM imp_plaque p JOIN imp_record s ON s.line = p.line
                             WHERE s.rec_id IS NOT NULL GROUP BY s.rec_id, {plaque}"""
        registry_plaques = f"""SELECT p.record_id AS rec_id, {plaque}, COUNT(*) AS n
                               FROM {PLAQUES_TABLE} p JOIN imp_record s ON s.rec_id = p.record_id
                               GROUP BY p.record_id, {plaque}"""
        survey = ", ".join(["v.surveyed_on"] + [f'v."{f}"' for f in SURVEY_FIELDS])
        staged_surveys = f"""SELECT s.rec_id AS rec_id, {survey}
                             FROM imp_survey v JOIN imp_record s ON s.line = v.line
                             WHERE s.rec_id IS NOT NULL"""
        registry_surveys = f"""SELECT v.building_id AS rec_id, {survey}
                               FROM {SURVEYS_TABLE} v JOIN imp_record s ON s.rec_id = v.building_id
                               WHERE v.state = '{APPROVED}'"""
        for staged, registry in (
            (staged_plaques, registry_plaques),
            (staged_surveys, registry_surveys),
        ):
            for first, second in ((staged, registry), (registry, staged)):
                cur.execute(
                    f"""INSERT INTO imp_changed (rec_id)
                        SELECT DISTINCT d.rec_id FROM ({first} EXCEPT {second}) d"""
                )

    def _replace_plaques(self, cur) -> None:
        cur.execute(
            f"""DELETE FROM {PLAQUES_TABLE} WHERE record_id IN
                (SELECT rec_id FROM imp_record WHERE touched = 1 AND is_new = 0)"""
        )
        cur.execute(
            f"""INSERT INTO {PLAQUES_TABLE} (record_id, number, installed_on, removed_on)
                SELECT s.rec_id, p.number, p.installed_on, p.removed_on
                FROM imp_plaque p JOIN imp_record s ON s.line = p.line
                WHERE s.touched = 1"""
        )

    def _replace_surveys(self, cur, now) -> None:
        """Approved surveys are matched by day, so a survey kept by the file keeps its row
        (and its photos); drafts and submitted surveys are never touched. The photos of an
        approved survey the file no longer holds are kept on their building (_detach_photos)."""
        touched_old = "SELECT rec_id FROM imp_record WHERE touched = 1 AND is_new = 0"
        cur.execute(
            f"""INSERT INTO imp_gone_survey (id)
                SELECT id FROM {SURVEYS_TABLE}
                WHERE state = '{APPROVED}' AND building_id IN ({touched_old})
                AND NOT EXISTS (
                    SELECT 1 FROM imp_survey v JOIN imp_record s ON s.line = v.line
                    WHERE s.rec_id = {SURVEYS_TABLE}.building_id
                    AND v.surveyed_on = {SURVEYS_TABLE}.surveyed_on)"""
        )
        cur.execute(f"DELETE FROM {SURVEYS_TABLE} WHERE id IN (SELECT id FROM imp_gone_survey)")
        self._detach_photos(cur)
        sets = ", ".join(f'"{f}" = v."{f}"' for f in SURVEY_FIELDS)
        cur.execute(
            f"""UPDATE {SURVEYS_TABLE} SET {sets}
                FROM imp_survey v JOIN imp_record s ON s.line = v.line
                WHERE s.touched = 1 AND s.is_new = 0 AND {SURVEYS_TABLE}.building_id = s.rec_id
                AND {SURVEYS_TABLE}.surveyed_on = v.surveyed_on
                AND {SURVEYS_TABLE}.state = '{APPROVED}'"""
        )
        cols = ", ".join(f'"{f}"' for f in SURVEY_FIELDS)
        vcols = ", ".join(f'v."{f}"' for f in SURVEY_FIELDS)
        cur.execute(
            f"""INSERT INTO {SURVEYS_TABLE} (building_id, surveyed_on, {cols}, state, created_at)
                SELECT s.rec_id, v.surveyed_on, {vcols}, '{APPROVED}', %s
                FROM imp_survey v JOIN imp_record s ON s.line = v.line
                WHERE s.touched = 1 AND (s.is_new = 1 OR NOT EXISTS (
                    SELECT 1 FROM {SURVEYS_TABLE} x WHERE x.building_id = s.rec_id
                    AND x.surveyed_on = v.surveyed_on AND x.state = '{APPROVED}'))""",
            [now],
        )

    def _detach_photos(self, cur) -> None:
        """Photos are evidence: an import never loses one. A photo of a deleted survey stays
        on its record (it belongs to the building through `record` already), its survey set
        to null, in this transaction; the importer logs each (DETACHED). Its files are kept.

        After the DELETE, which both engines allow because Django makes every foreign key
        DEFERRABLE INITIALLY DEFERRED (checked at commit). On PostgreSQL that order matters:
        the photo service locks the survey it attaches to, so the DELETE waits for such a
        photo to commit, and this statement, run after, sees it. Its `public` mark is kept as
        it is: a photo published with its approved survey stays public as the record's own,
        an unpublished one stays hidden (permissions.PUBLIC_PHOTO)."""
        cur.execute(
            f"""INSERT INTO imp_detached (id)
                SELECT id FROM {PHOTOS_TABLE} WHERE survey_id IN (SELECT id FROM imp_gone_survey)"""
        )
        cur.execute(
            f"UPDATE {PHOTOS_TABLE} SET survey_id = NULL WHERE id IN (SELECT id FROM imp_detached)"
        )


class _Writer:
    """Batched inserts into the staging tables: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, cur, vendor: str):
        self.cur = cur
        self.vendor = vendor

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in columns)
        if self.vendor == "postgresql":
            with self.cur.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            self.cur.cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
