"""The read side of the catalog's search: keys.py says what a search matches (the keys of a
record, the key of a query), query.py asks the index. The write side, which stores the keys and
keeps the index current, is registry/services/search_index.py."""
