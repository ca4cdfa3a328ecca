"""What a stored plan shows: the full scans, sorts and temporary tables in the reduced plans
the check call recorded (`worker.probes.cometrics.plans_of`), in each database's own words."""

from __future__ import annotations

# What a reader of a plan looks for first, per database's own words.
MARKS = {
    "full scan": ("Seq Scan", ": ALL ", "SCAN "),
    "sort": ("Sort", "filesort", "TEMP B-TREE FOR ORDER BY"),
    "temporary table": ("Using temporary", "TEMP B-TREE FOR GROUP BY", "TEMP B-TREE FOR DISTINCT"),
}


def marks(plan: str) -> list[str]:
    """The full scans, sorts and temporary tables a reduced plan (`plans_of`) shows. A SQLite
    "SCAN t USING (COVERING) INDEX" walks an index, not the table, and MariaDB's "<union1,2>:
    ALL" reads the union's own result: neither is a full scan."""
    found = []
    for mark, words in MARKS.items():
        hits = [w for w in words if w in plan + " "]
        if mark == "full scan" and hits == ["SCAN "]:
            table_scans = [p for p in plan.split("; ") if p.startswith("SCAN ")]
            hits = [p for p in table_scans if " USING " not in p]
        if mark == "full scan" and hits == [": ALL "]:  # MariaDB reading a union's result
            hits = [p for p in plan.split("; ") if ": ALL " in p and not p.startswith("<")]
        if hits:
            found.append(mark)
    return found
