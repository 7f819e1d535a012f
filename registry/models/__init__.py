from .audit import ChangeAction, ChangeLog
from .documents import DocumentKind, RecordDocument
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
    "DocumentKind",
    "IndicatorChange",
    "IndicatorTotal",
    "Photo",
    "Plaque",
    "Record",
    "RecordDocument",
    "RecordQuerySet",
    "RegionAssignment",
    "Region",
    "SearchDoc",
    "Survey",
]
