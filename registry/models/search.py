"""The catalog's search data, derived from Record by registry.services.search_index.

One row per record: `terms`, the space-separated search keys of the record (what they are:
registry/search/keys.py), indexed by the database's own inverted index, created in migration
0004 outside the ORM: an FTS5 table (external content, this table) on SQLite, a GIN index
over the keys as tsvector lexemes on PostgreSQL. Both answer "some key starts with q", which is
all a search asks (registry/search/query.py).
"""

from django.db import models

from registry.db import code_collation
from registry.models.records import Record


class SearchDoc(models.Model):
    # No database constraint: the bulk importer writes records with raw SQL and refreshes this
    # table afterwards; a foreign key would only slow that rebuild down.
    record = models.OneToOneField(
        Record,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_doc",  # the catalog's name order joins it (ordering=name)
    )
    terms = models.TextField()
    # The record's place in the name order (registry/search/keys.py sort_key: pinyin, then
    # name and code); byte order ("C") on PostgreSQL, whatever the database's locale.
    sort_key = models.TextField(default="", db_collation=code_collation())

    class Meta:
        verbose_name = "search document"
        # (sort_key, record): the first page in name order walks it, and a unique key
        # (sort_key ends with the code) needs no tie-breaker after it.
        # (record, sort_key): a filtered list in name order reads each match's key from this
        # index, not from its row with every search key (bench: 0.18 s instead of 0.61 s for
        # 100,000 buildings on SQLite).
        indexes = [
            models.Index(fields=["sort_key", "record"], name="searchdoc_sort_key"),
            models.Index(fields=["record", "sort_key"], name="searchdoc_record_sort_key"),
        ]

    def __str__(self) -> str:
        return str(self.record_id)
