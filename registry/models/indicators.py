"""Pre-computed indicator state, kept current by registry.services.indicator_state.

The figures of indicators.md as of any day D are rebuilt from two tables:

- IndicatorChange: for each district and building, the days on which its contribution to the
  figures changes (designation, revocation, a plaque hung or removed, an approved survey), with
  the change (+1/-1) of each figure. Derived from Record, Plaque and Survey; never edited by
  hand.
- IndicatorTotal: for each series (region, level), the running sum of those changes, one row
  per day on which it moved. The figures of a series as of D are its latest row on or before D,
  so a report is one index seek per series, whatever D and however many records there are.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registry.models.records import Record

# The counted figures of indicators.md, in report order, with their names for people: the one
# list of them. Each is an integer column of the two tables below, a field of the API's answer
# (registry.api.indicators) and a column of the downloads (registry.indicator_formats); its
# formula is registry.selectors.indicators.figures_sql. A new figure: a line here, its formula,
# a migration, and where the report page shows it.
FIGURE_LABELS = {
    "districts": pgettext_lazy("count", "历史文化街区"),  # a count: "Historic districts"
    "districts_plaqued": _("已挂牌街区"),
    "buildings": pgettext_lazy("count", "历史建筑"),
    "buildings_plaqued": _("已挂牌建筑"),
    "buildings_vacant": _("空置建筑"),
    "buildings_occupancy_unknown": _("使用状况不明建筑"),
    "districts_archived": _("已测绘建档街区"),
    "buildings_archived": _("已测绘建档建筑"),
}
FIGURES = tuple(FIGURE_LABELS)


class IndicatorFigures(models.Model):
    """The counted figures (FIGURES, one column each), as changes or as running totals."""

    region_code = models.CharField(max_length=6)
    level = models.CharField(max_length=10)
    day = models.DateField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.region_code} {self.level} {self.day}"


# Added before the two tables below are defined: each copies the columns of this abstract model.
for _figure in FIGURES:
    IndicatorFigures.add_to_class(_figure, models.IntegerField(default=0))


class IndicatorChange(IndicatorFigures):
    # The region and level are copied so that a record moved to another region or level still
    # says which series it used to count in until it is refreshed. No database constraint and
    # no cascade: when a record is deleted, refresh() needs its old rows to find its series.
    record = models.ForeignKey(
        Record, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["region_code", "level", "day"], name="indchange_series_day"),
        ]


class IndicatorTotal(IndicatorFigures):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "level", "day"], name="indtotal_series_day"
            ),
        ]
