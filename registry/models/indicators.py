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

from registry.models.records import Record


class IndicatorFigures(models.Model):
    """The six counted figures of indicators.md, as changes or as running totals."""

    region_code = models.CharField(max_length=6)
    level = models.CharField(max_length=10)
    day = models.DateField()
    districts = models.IntegerField(default=0)
    districts_plaqued = models.IntegerField(default=0)
    buildings = models.IntegerField(default=0)
    buildings_plaqued = models.IntegerField(default=0)
    buildings_vacant = models.IntegerField(default=0)
    buildings_occupancy_unknown = models.IntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.region_code} {self.level} {self.day}"


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
