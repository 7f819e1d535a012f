from .records import Plaque, Record, RecordQuerySet
from .regions import Region
from .surveys import Survey

__all__ = ["Plaque", "Record", "RecordQuerySet", "Region", "Survey"]
