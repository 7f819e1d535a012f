"""indicators.md computed naively in Python, record by record: the yardstick that the SQL
selector is compared with on random registries (tests only; fine to loop here)."""

import datetime

from registry.models import Record, Region

FIGURES = (
    "districts",
    "districts_plaqued",
    "buildings",
    "buildings_plaqued",
    "buildings_vacant",
    "buildings_occupancy_unknown",
    "districts_archived",
    "buildings_archived",
)


def record_figures(rec: Record, d: datetime.date) -> dict[str, int]:
    out = dict.fromkeys(FIGURES, 0)
    designated = rec.designated_on is not None and rec.designated_on <= d
    designated = designated and (rec.revoked_on is None or rec.revoked_on > d)
    if not designated or rec.kind not in ("district", "building"):
        return out
    plaqued = any(
        p.installed_on <= d and (p.removed_on is None or p.removed_on > d)
        for p in rec.plaques.all()
    )
    prefix = "districts" if rec.kind == "district" else "buildings"
    out[prefix] = 1
    out[f"{prefix}_plaqued"] = int(plaqued)
    done = rec.archive_completed_on
    out[f"{prefix}_archived"] = int(done is not None and done <= d)
    if rec.kind == "building":
        approved = [s for s in rec.surveys.all() if s.state == "approved" and s.surveyed_on <= d]
        latest = max(approved, key=lambda s: s.surveyed_on) if approved else None
        out["buildings_vacant"] = int(latest is not None and latest.occupancy == "vacant")
        out["buildings_occupancy_unknown"] = int(latest is None)
    return out


def group_key(rec: Record, by: str) -> str:
    code = rec.region_id
    return {
        "none": "",
        "province": code[:2] + "0000",
        "prefecture": code[:4] + "00",
        "county": code,
        "level": rec.level,
    }[by]


def rates(f: dict) -> dict:
    total = f["districts"] + f["buildings"]
    cov = (f["districts_plaqued"] + f["buildings_plaqued"]) / total if total else None
    vac = f["buildings_vacant"] / f["buildings"] if f["buildings"] else None
    arc = (f["districts_archived"] + f["buildings_archived"]) / total if total else None
    return {
        **f,
        "plaque_coverage": cov,
        "plaque_target_met": None if cov is None else cov == 1,
        "vacancy_rate": vac,
        "vacancy_target_met": None if vac is None else vac < 0.1,
        "archive_coverage": arc,
    }


def expected_report(d: datetime.date, by="none", region=None, level=None) -> dict:
    groups: dict[str, dict] = {}
    for rec in Record.objects.prefetch_related("plaques", "surveys"):
        if region and not rec.region_id.startswith(_prefix(region)):
            continue
        if level and rec.level != level:
            continue
        g = groups.setdefault(group_key(rec, by), dict.fromkeys(FIGURES, 0))
        for name, value in record_figures(rec, d).items():
            g[name] += value
    total = {name: sum(g[name] for g in groups.values()) for name in FIGURES}
    names = dict(Region.objects.values_list("code", "name"))
    level_names = {"national": "国家级", "provincial": "省级", "municipal": "市县级"}
    rows = []
    if by != "none":
        for key in sorted(groups):
            g = groups[key]
            if not (g["districts"] or g["buildings"]):
                continue
            label = level_names[key] if by == "level" else names.get(key) or names[key[:2] + "0000"]
            rows.append({"key": key, "label": label, **rates(g)})
    return {
        "as_of": d.isoformat(),
        "by": by,
        "region": region,
        "level": level,
        "rows": rows,
        "total": rates(total),
    }


def _prefix(code: str) -> str:
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code
