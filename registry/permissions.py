"""Every permission rule of the admin, in one place.

A user's role is the group they are in (surveyor, reviewer, registrar; created by migration
0006); a superuser has every role. A user's scope is the regions they work in
(RegionAssignment, any GB/T 2260 code): a province covers its prefectures and counties. Each
rule is a queryset constraint (`restrict`, in the spirit of NetBox's RestrictedQuerySet: by
region code ranges, index-friendly) and the same rule for one object (`can`), so the admin's
get_queryset and has_*_permission agree: an object outside the scope is not found (404) and
an action outside the role is refused (403).

Actions: view, add, change; submit (a surveyor sends their survey for review); approve (a
reviewer approves or rejects a submitted survey); designate (a registrar designates and
revokes records); publish (a reviewer or registrar marks a photo public, or not). Nothing is
ever deleted through the admin.

Photos are also seen outside the admin (their files at /media/, registry/views/media.py): those
marked public, of the record itself or of an approved survey, by everyone, the rest only as
`restrict` allows (`visible_photos`). Documents likewise: the public ones (marked so, not
withdrawn) by everyone, the rest as `restrict` allows (`visible_documents`).
"""

from django.db.models import Model, Q, QuerySet

from registry.choices import SurveyState
from registry.regionscope import region_q, scope_range

SURVEYOR, REVIEWER, REGISTRAR = "surveyor", "reviewer", "registrar"
ROLES = (SURVEYOR, REVIEWER, REGISTRAR)
VIEW, ADD, CHANGE, SUBMIT, APPROVE, DESIGNATE, PUBLISH = (
    "view", "add", "change", "submit", "approve", "designate", "publish",
)  # fmt: skip

# model_name -> role -> actions. Surveyors enter facts (records' descriptions, plaques,
# surveys, photos); reviewers judge surveys; registrars own records and their designation.
RULES: dict[str, dict[str, frozenset[str]]] = {
    "record": {
        SURVEYOR: frozenset({VIEW, CHANGE}),
        REVIEWER: frozenset({VIEW}),
        REGISTRAR: frozenset({VIEW, ADD, CHANGE, DESIGNATE}),
    },
    "plaque": {
        SURVEYOR: frozenset({VIEW, ADD, CHANGE}),
        REVIEWER: frozenset({VIEW}),
        REGISTRAR: frozenset({VIEW, ADD, CHANGE}),
    },
    "survey": {
        SURVEYOR: frozenset({VIEW, ADD, CHANGE, SUBMIT}),
        REVIEWER: frozenset({VIEW, APPROVE}),
        REGISTRAR: frozenset({VIEW}),
    },
    # Photos are never changed, only published or not: by those who judge what the public
    # sees (reviewers, registrars), never by the surveyor who took them.
    "photo": {
        SURVEYOR: frozenset({VIEW, ADD}),
        REVIEWER: frozenset({VIEW, PUBLISH}),
        REGISTRAR: frozenset({VIEW, ADD, PUBLISH}),
    },
    # Documents as photos, and changed too: published, unpublished or withdrawn (never deleted).
    "recorddocument": {
        SURVEYOR: frozenset({VIEW, ADD, CHANGE}),
        REVIEWER: frozenset({VIEW}),
        REGISTRAR: frozenset({VIEW, ADD, CHANGE}),
    },
    "changelog": {role: frozenset({VIEW}) for role in ROLES},
    "region": {role: frozenset({VIEW}) for role in ROLES},
}
# Where each model's region code is, as a lookup (for querysets) and as a path (for objects).
REGION_FIELD = {
    "record": "region_id",
    "plaque": "record__region_id",
    "survey": "building__region_id",
    "photo": "record__region_id",
    "recorddocument": "record__region_id",
    "changelog": "region_id",
    "region": "code",
}
# Fields of a record that only registrars change (the rest surveyors may correct). The parent
# too: moving a building under another district changes what that district counts. The
# designation's batch, document and authority are the designation's, as its day is.
REGISTRAR_RECORD_FIELDS = (
    "code", "kind", "level", "region", "parent", "designated_on", "revoked_on",
    "designation_batch", "designation_document", "designation_authority",
)  # fmt: skip
# Survey states in which its surveyor may still edit and submit it.
EDITABLE_SURVEY_STATES = (SurveyState.DRAFT, SurveyState.REJECTED)


# The photos anyone may see: those marked public (Photo.public, off for a new upload; set by
# whoever may PUBLISH), of the record itself or of an approved survey. A survey's photo still
# under review (draft, submitted, rejected survey) stays hidden even if marked. Everything
# else: only staff who may view the record's photos see it.
PUBLIC_PHOTO = Q(public=True) & (Q(survey__isnull=True) | Q(survey__state=SurveyState.APPROVED))
# The documents anyone may see: those marked public and not withdrawn. A plan or a drawing is
# not public until someone who may change it says so (RecordDocument.public defaults off).
PUBLIC_DOCUMENT = Q(public=True, withdrawn_at__isnull=True)


def roles(user) -> frozenset[str]:
    """The user's roles, read once per request (cached on the user object)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(ROLES)
    if not hasattr(user, "_heritage_roles"):
        names = user.groups.filter(name__in=ROLES).values_list("name", flat=True)
        user._heritage_roles = frozenset(names)
    return user._heritage_roles


def regions(user) -> tuple[str, ...]:
    """The codes of the regions the user works in (cached on the user object)."""
    if not hasattr(user, "_heritage_regions"):
        codes = user.region_assignments.values_list("region_id", flat=True)
        user._heritage_regions = tuple(sorted(codes))
    return user._heritage_regions


def allowed(user, model, action: str) -> bool:
    """May the user's roles do `action` on some objects of `model`?"""
    rules = RULES.get(_name(model), {})
    return any(action in rules.get(role, ()) for role in roles(user))


def scope_q(user, field: str) -> Q:
    """The objects whose region code (at `field`) lies in the user's regions."""
    if user.is_superuser:
        return Q()
    codes = regions(user)
    if not codes:
        return Q(pk__in=[])
    q = Q()
    for code in codes:
        q |= region_q(code, field=field)
    return q


def restrict(queryset: QuerySet, user, action: str = VIEW) -> QuerySet:
    """The part of `queryset` on which the user may do `action` (state rules aside: see
    `can` for one object)."""
    name = _name(queryset.model)
    if not allowed(user, name, action):
        return queryset.none()
    return queryset.filter(scope_q(user, REGION_FIELD[name]))


def visible_photos(queryset: QuerySet, user) -> QuerySet:
    """The photos of `queryset` the user may see: the public ones, and the others where the
    user may view photos (`restrict`). Anyone else is told nothing: not found."""
    return queryset.filter(PUBLIC_PHOTO) | restrict(queryset, user)


def visible_documents(queryset: QuerySet, user) -> QuerySet:
    """The documents of `queryset` the user may see: the public ones, and the others (withdrawn
    included) where the user may view documents. Anyone else: not found."""
    return queryset.filter(PUBLIC_DOCUMENT) | restrict(queryset, user)


def choices(queryset: QuerySet, user, keep=None) -> QuerySet:
    """What the user may choose for a foreign key (a record's parent or region, a plaque's
    record, a survey's building): the objects of `queryset` in the user's regions, and `keep`
    (the primary key already chosen: a parent set by someone who may, kept while the user
    edits the rest). The rule for one object: `may_choose`."""
    if _name(queryset.model) not in REGION_FIELD:
        return queryset  # not a registry object (a user, say)
    chosen = restrict(queryset, user)
    return chosen | queryset.filter(pk=keep) if keep is not None else chosen


def may_choose(user, obj: Model) -> bool:
    """May the user point a foreign key at `obj` (make it a record's parent, say)?"""
    return allowed(user, obj, VIEW) and in_scope(user, region_of(obj))


def in_scope(user, region_code: str | None) -> bool:
    if user.is_superuser:
        return True
    if not region_code:
        return False
    return any(low <= region_code <= high for low, high in map(scope_range, regions(user)))


def can(user, action: str, obj: Model) -> bool:
    """May the user do `action` on this object? Role, region and the object's state."""
    name = _name(obj)
    if not allowed(user, name, action) or not in_scope(user, region_of(obj)):
        return False
    if name == "survey":
        return _survey_rule(user, action, obj)
    return True


def _survey_rule(user, action: str, survey) -> bool:
    # Approved surveys are read-only for everyone: corrections are new surveys. A survey is
    # edited and submitted by the one who entered it, judged by someone else.
    if action in (CHANGE, SUBMIT):
        own = survey.created_by_id in (None, user.pk) or user.is_superuser
        return own and survey.state in EDITABLE_SURVEY_STATES
    if action == APPROVE:
        return survey.state == SurveyState.SUBMITTED and survey.created_by_id != user.pk
    return True


def region_of(obj: Model) -> str | None:
    """The region code an object belongs to (uses the select_related path of its model)."""
    path = REGION_FIELD[_name(obj)]
    *relations, attname = path.split("__")
    for relation in relations:
        obj = getattr(obj, relation, None)
        if obj is None:
            return None
    return getattr(obj, attname, None)


def _name(model) -> str:
    return model if isinstance(model, str) else model._meta.model_name
