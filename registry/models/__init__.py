from .audit import ChangeAction, ChangeLog
from .indicators import IndicatorChange, IndicatorTotal
from .photos import Photo
from .records import Plaque, Record, RecordQuerySet
from .regions import Region
from .search import SearchDoc
from .surveys import Survey
from .workflow import RegionAssignment

__all__ = [
    "ChangeAction",
    "ChangeLog",
    "IndicatorChange",
    "IndicatorTotal",
    "Photo",
    "Plaque",
    "Record",
    "RecordQuerySet",
    "RegionAssignment",
    "Region",
    "SearchDoc",
    "Survey",
]
