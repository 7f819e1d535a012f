from .indicators import IndicatorChange, IndicatorTotal
from .records import Plaque, Record, RecordQuerySet
from .regions import Region
from .search import SearchDoc
from .surveys import Survey

__all__ = [
    "IndicatorChange",
    "IndicatorTotal",
    "Plaque",
    "Record",
    "RecordQuerySet",
    "Region",
    "SearchDoc",
    "Survey",
]
