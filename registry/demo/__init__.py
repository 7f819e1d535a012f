"""Demo data: the real national historic cities plus a generator of realistic, clearly fake
exchange files (codes start with "DEMO-", English names end with " (demo)").

- cities.py      the real list (fixtures/national_cities.json) as exchange records
- geography.py   county codes from fixtures/regions.json and rough coordinates for them
- names.py       Chinese names (with pinyin English names) built from parts
- records.py     one exchange record of each kind, drawn from a random.Random
- zones.py       protection and control zones for districts, protection zones for some buildings
- generator.py   the whole file: parents in memory, buildings streamed
"""
