"""Reads of the public catalog: search, the derived filters, list pages and a record's page.

The search (`q`) is a condition on the record id, answered by the search index
(registry/search/query.py). Two things keep it fast at national scale on SQLite:
- a search alone is counted on the index alone (CatalogQuerySet.count), without reading one
  record, however many it finds (bench/catalog.py times 宗祠 at a million records);
- when it finds many records and the list is in code order, SQLite walks the code index and
  checks each record against the matches until the page is full (`+id IN`: the unary plus
  stops it from looking up every match first and sorting them all). With few matches it looks
  them up and sorts them. The count from the index decides, and serves the paginator too.
"""

import datetime
from collections import defaultdict

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    Expression,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Substr, Upper
from django.db.models.lookups import Exact, IsNull
from django.db.models.sql.where import AND, WhereNode
from django.utils.translation import gettext_lazy as _

from registry.choices import KINDS_WITH_PLAQUES, Kind, Occupancy, Status
from registry.models import Plaque, Record, RecordQuerySet, Region, SearchDoc, Survey
from registry.models.records import archived_q, hanging_q
from registry.models.regions import region_label as region_names_label
from registry.regionscope import scope_prefix
from registry.search import query as index_query
from registry.search.keys import query_key
from registry.selectors.documents import public_documents
from registry.selectors.photos import photos_for
from registry.zones import outlines
from registry.zones.index import ZONE_FIELDS

UNKNOWN = "unknown"
# A record's page and API detail show at most this many photos, and as many documents: the
# page's size stays bounded however many are stored (the admin lists them all).
MEDIA_SHOWN = 100
OCCUPANCY_CHOICES = [*Occupancy.choices, (UNKNOWN, _("未知"))]
# Above this many matches, a code-ordered page walks the code index (see the module doc);
# probing the index record by record pays when one record in DENSE matches. Looking the
# matches up and sorting them grows with their number; the walk is short when the matches are
# spread over the codes, and longest when they all sit at the end (老街: districts only, all
# coded after the buildings). Both thresholds were set on the bench at a million records,
# where from WALK_MIN matches the walk wins even then: bench/pages.py times 老街.
WALK_MIN = 20_000
DENSE = 16


class SearchMatch(Expression):
    """`record.id IN (ids the index finds for key)`: a condition usable in filter().

    `total` is state on this object: plan_search sets it once the queryset is built, and every
    queryset derived from that one, before or after the plan (the paginator's values_list(),
    its count(), the slice of a page), reads it. They share it because Django's
    WhereNode.clone() copies the tree's nodes but not its lookups: each clone holds the same
    Exact(SearchMatch, True), so this very object (compiling works on a copy made by
    resolve_expression, which keeps the attributes). Should a Django upgrade copy or rebuild
    lookups on clone, a queryset derived before the plan would have no total: still the right
    records and count, but counted by reading the records, and its pages never walked.
    tests/test_search_index.py::test_a_planned_search_is_shared_by_every_clone fails then.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, key: str, tokens: tuple[str, ...] = ()):
        super().__init__()
        self.key = key
        self.tokens = tuple(tokens)  # filter tokens the records must hold too (search/keys.py)
        self.total: int | None = None  # set by plan_search(): how many records the key finds
        self.records = 0  # ...and about how many records there are

    def as_sql(self, compiler, connection):
        column = f"{compiler.quote_name_unless_alias(Record._meta.db_table)}.id"
        param = [index_query.match_param(self.key, self.tokens)]
        if connection.vendor == "sqlite" and self._walks(compiler.query):
            alone = len(and_terms(compiler.query.where)) == 1
            short = len(self.key) <= 2 and not self.tokens
            if alone and short and self.total * DENSE >= self.records:
                # A key of one or two characters is a single doclist (FTS5 prefix index):
                # probing it for each record walked beats copying its many matches first,
                # when the search alone decides (other filters would thin the matches out).
                fts = index_query.FTS
                return (
                    f"EXISTS (SELECT 1 FROM {fts} WHERE {fts} MATCH %s AND rowid = {column})",
                    param,
                )
            column = f"+{column}"
        return f"{column} IN ({index_query.match_sql()})", param

    def _walks(self, query) -> bool:
        """A page (sliced) in code order of a search with many matches."""
        order = tuple(str(o).lstrip("-") for o in query.order_by)
        return query.is_sliced and order == ("code",) and (self.total or 0) > WALK_MIN

    def __repr__(self) -> str:
        return f"SearchMatch({self.key!r}, {self.tokens!r})"


class CatalogQuerySet(RecordQuerySet):
    def count(self) -> int:
        all_terms = and_terms(self.query.where)
        terms = [t for t in all_terms if not _neutral(t)]
        only = terms[0] if len(terms) == 1 else None
        if (
            self._result_cache is None
            and isinstance(only, SearchMatch)
            and only.total is not None
            and not self.query.is_sliced
        ):
            return only.total
        if len(terms) < len(all_terms) and self._result_cache is None:
            return self._without_search_doc(terms).count()
        return super().count()

    def _without_search_doc(self, terms: list) -> "CatalogQuerySet":
        """This queryset without with_search_doc's join: the same count (every record has its
        row), without reading a search row per record (a tenth of a second per 100,000)."""
        clone = self._chain()
        clone.query.where = WhereNode(terms, AND)
        for alias, join in clone.query.alias_map.items():
            if join.table_name == SearchDoc._meta.db_table:
                clone.query.alias_refcount[alias] = 0  # the compiler leaves it out of FROM
        return clone


SEARCH_DOC = "search_doc__isnull"


def with_search_doc(queryset):
    """The records joined to their search rows by an inner join, for the name order: then
    the first page walks the sort key's index (searchdoc_sort_key) rather than sorting every
    record (an ordering alone joins them by a LEFT JOIN, which both databases must start from
    the records). Every record has its row (the derived state: refresh_derived --check), so
    the join drops none, and count() leaves it out of its decision (_neutral)."""
    return queryset.filter(**{SEARCH_DOC: False})


def _neutral(term) -> bool:
    """The join of with_search_doc: true of every record."""
    lhs = getattr(term, "lhs", None)
    return (
        isinstance(term, IsNull)
        and term.rhs is False
        and getattr(getattr(lhs, "target", None), "model", None) is SearchDoc
    )


def and_terms(where) -> list:
    """The conditions ANDed in a WHERE tree (a Query's `where`), in order. A subtree that is
    not a plain AND stays one term: negated, or an OR (XOR) of two or more; an OR of one child
    is that child, an empty one matches everything (Django compiles it to nothing) and gives
    no term. A filter(SearchMatch(...)), which Django keeps as Exact(SearchMatch, True), is the
    SearchMatch itself: it compiles to the same SQL on its own.

    The one walk of the tree: the catalog's count and plan read it (is the search alone?), and
    the admin's search folds the terms it returns (selectors/folded_search.py)."""
    if isinstance(where, WhereNode):
        if where.negated or (where.connector != AND and len(where.children) > 1):
            return [where]
        return [term for child in where.children for term in and_terms(child)]
    if isinstance(where, Exact) and isinstance(where.lhs, SearchMatch) and where.rhs is True:
        return [where.lhs]
    return [where]


def catalog() -> CatalogQuerySet:
    return CatalogQuerySet(model=Record)


def search(queryset, q: str, tokens: tuple[str, ...] = ()):
    """Records whose keys `q` starts (and that hold every filter token in `tokens`)."""
    key = query_key(q)
    return queryset if key is None else queryset.filter(SearchMatch(key, tokens))


def match_count(key: str, tokens: tuple[str, ...] = ()) -> tuple[int, int]:
    """How many records the index finds for `key` (read from the index alone), and the
    largest record id (about how many records there are; one index seek)."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT ({index_query.count_sql()}), (SELECT MAX(id) FROM {Record._meta.db_table})",
            [index_query.match_param(key, tokens)],
        )
        total, largest = cur.fetchone()
        return total, largest or 0


def plan_search(queryset):
    """Counts the search's matches once (one index query): the count of a search alone, and
    what decides the plan of its pages."""
    matches = [t for t in and_terms(queryset.query.where) if isinstance(t, SearchMatch)]
    if len(matches) == 1:
        match = matches[0]
        match.total, match.records = match_count(match.key, match.tokens)
    return queryset


def status_case(as_of: datetime.date) -> Case:
    """The status of each record on `as_of` in SQL, as Record.status_on says it."""
    return Case(
        When(
            Q(designated_on__isnull=True) | Q(designated_on__gt=as_of), then=Value(Status.CANDIDATE)
        ),
        When(revoked_on__lte=as_of, then=Value(Status.REVOKED)),
        default=Value(Status.DESIGNATED),
    )


FACETS = ("kind", "level", "province", "status", "plaqued", "occupancy")


def facet_counts(queryset, as_of: datetime.date) -> dict[str, dict[str, int]]:
    """How many of `queryset` fall in each value of each filter the search page offers.
    Plaqued counts districts and buildings; occupancy, buildings.

    One GROUP BY on all six at once, then each facet summed from those few groups (at most
    kinds x levels x provinces x ...: a few thousand): the matching records are read once, not
    once per facet (bench/pages.py times a search with a filter and its facets)."""
    plaqued = Case(
        When(kind__in=list(KINDS_WITH_PLAQUES), then=Exists(hanging_plaques(as_of))),
        default=Value(None),
        output_field=BooleanField(null=True),
    )
    occupancy = Case(
        When(
            kind=Kind.BUILDING,
            then=Coalesce(latest_survey_field("occupancy", as_of), Value(UNKNOWN)),
        ),
        default=Value(None),
        output_field=CharField(null=True),
    )
    groups = (
        queryset.order_by()
        .values(
            f_kind=F("kind"),
            f_level=F("level"),
            f_province=Concat(Substr("region_id", 1, 2), Value("0000")),
            f_status=status_case(as_of),
            f_plaqued=plaqued,
            f_occupancy=occupancy,
        )
        .annotate(n=Count("pk"))
    )
    counts: dict[str, dict] = {name: defaultdict(int) for name in FACETS}
    for group in groups:
        for name in FACETS:
            if (value := group[f"f_{name}"]) is not None:
                counts[name][value] += group["n"]
    return {name: dict(values) for name, values in counts.items()}


# --- Regions of the search page ----------------------------------------------------------------


def region_label(code: str) -> str:
    """A region scope by its names, province first (山西省 · 晋中市 · 平遥县), never its code:
    the names of the province, prefecture and county it is or lies in (one query)."""
    prefix = scope_prefix(code)
    codes = {code[:2] + "0000", code[:4] + "00", prefix.ljust(6, "0")}
    rows = Region.objects.filter(code__in=codes).order_by("code").values_list("name", "name_en")
    return " · ".join(region_names_label(name, name_en) for name, name_en in rows)


def child_regions(code: str) -> list[tuple[str, str]]:
    """(code, label in the current language) of the regions directly under the scope `code`'s
    region: a province's prefectures (and counties it holds directly), a prefecture's counties
    (one query)."""
    parent = scope_prefix(code).ljust(6, "0")
    rows = Region.objects.filter(parent_id=parent).order_by("code")
    return [
        (code, region_names_label(name, name_en))
        for code, name, name_en in rows.values_list("code", "name", "name_en")
    ]


def child_region_counts(queryset, children: list[tuple[str, str]]) -> dict[str, int]:
    """How many of `queryset` lie in each of `children` (child_regions): one GROUP BY on the
    records' region, at most one row per region (3,213 in GB/T 2260), each folded into the
    child it is or lies in. A record of the parent region itself is in no child."""
    codes = {code for code, _ in children}
    counts: dict[str, int] = defaultdict(int)
    groups = queryset.order_by().values_list("region_id").annotate(n=Count("pk"))
    for region, n in groups:
        child = region if region in codes else region[:4] + "00"
        if child in codes:
            counts[child] += n
    return dict(counts)


def canonical_code(code: str) -> str | None:
    """The code of the one record whose code is `code` but for case (hc-140728: HC-140728),
    or None (none, or several). One seek on the index of UPPER(code) (record_code_upper)."""
    found = list(
        Record.objects.alias(upper=Upper("code"))
        .filter(upper=code.upper())
        .values_list("code", flat=True)[:2]
    )
    return found[0] if len(found) == 1 else None


# --- Derived filters (as of a day) -----------------------------------------------------------


def hanging_plaques(as_of: datetime.date, record=None):
    record = OuterRef("pk") if record is None else record
    return Plaque.objects.hanging(on=as_of).filter(record=record)


def approved_surveys(as_of: datetime.date, building=None):
    building = OuterRef("pk") if building is None else building
    return Survey.objects.latest_approved(by=as_of).filter(building=building)


def latest_survey_field(field: str, as_of: datetime.date) -> Subquery:
    return Subquery(approved_surveys(as_of).values(field)[:1])


def filter_plaqued(queryset, plaqued: bool, as_of: datetime.date):
    hanging = Exists(hanging_plaques(as_of))
    return queryset.filter(hanging if plaqued else ~hanging)


def filter_occupancy(queryset, occupancy: str, as_of: datetime.date):
    """Buildings only: the occupancy of the latest approved survey by `as_of`, or unknown."""
    buildings = queryset.filter(kind=Kind.BUILDING)
    if occupancy == UNKNOWN:
        return buildings.filter(~Exists(approved_surveys(as_of)))
    return buildings.filter(Exact(latest_survey_field("occupancy", as_of), occupancy))


def filter_archived(queryset, archived: bool, as_of: datetime.date):
    """Archived on `as_of`, or not (not yet, or never: the kinds without archives too)."""
    return queryset.filter(archived_q(as_of) if archived else ~archived_q(as_of))


def with_current_state(queryset, as_of: datetime.date, *, condition: bool = True):
    """Records with what they are on `as_of`: status (status_on_day), plaqued (None for kinds
    that hold no plaques), occupancy and condition of the latest approved survey (None but for
    buildings; occupancy "unknown" for a building never surveyed), and their region and parent.
    Without `condition`, one subquery a building less (the downloads do not show it)."""
    with_plaques = Q(kind__in=list(KINDS_WITH_PLAQUES))
    building = Q(kind=Kind.BUILDING)
    state = {
        "status_on_day": status_case(as_of),
        "plaqued": Case(When(with_plaques, then=Exists(hanging_plaques(as_of))), default=None),
        "occupancy": Case(
            When(building, then=Coalesce(latest_survey_field("occupancy", as_of), Value(UNKNOWN))),
            default=None,
        ),
    }
    if condition:
        state["condition"] = Case(
            When(building, then=latest_survey_field("condition", as_of)), default=None
        )
    return queryset.select_related("region", "parent").annotate(**state)


def page_records(ids: list[int], as_of: datetime.date) -> list[Record]:
    """The records of one page, in the page's order, with their current state (one query)."""
    records = Record.objects.filter(pk__in=ids).defer(*ZONE_FIELDS)  # the list draws no zones
    found = {r.pk: r for r in with_current_state(records, as_of)}
    return [found[pk] for pk in ids if pk in found]


def record_detail(code: str, as_of: datetime.date) -> Record | None:
    """A record with all its public page shows, in five queries: the record (region path,
    parent, children count, current state), its plaques, its approved surveys, its public
    photos (selectors/photos.py), its public documents."""
    children = (
        Record.objects.filter(parent=OuterRef("pk"))
        .order_by()
        .values("parent")
        .annotate(n=Count("pk"))
        .values("n")
    )
    record = (
        with_current_state(Record.objects.filter(code=code), as_of)
        .defer(*ZONE_FIELDS)  # read as WKB for the map (registry/zones/outlines.py)
        .annotate(**outlines.wkb_annotations())
        .select_related("region__parent__parent")
        .annotate(children_count=Coalesce(Subquery(children), 0))
        .first()
    )
    if record is None:
        return None
    record.plaque_list = list(
        record.plaques.annotate(
            hanging=Case(When(hanging_q(as_of), then=Value(True)), default=Value(False))
        ).order_by("installed_on", "id")
    )
    surveys = approved_surveys(as_of, building=record)
    record.survey_list = list(surveys.only("surveyed_on", "occupancy", "condition", "use"))
    record.region_path = region_path(record)
    record.photos = list(photos_for(record)[:MEDIA_SHOWN])
    record.document_list = list(public_documents(record)[:MEDIA_SHOWN])
    return record


def children_preview(record: Record, limit: int = 50) -> list[Record]:
    return list(
        record.children.order_by("code").only("code", "name", "kind", "level", "parent_id")[:limit]
    )


def region_path(record: Record) -> list:
    """Province, prefecture, county of the record's region (those the table has)."""
    path, region = [], record.region
    while region is not None:
        path.append(region)
        region = region.parent
    return path[::-1]
