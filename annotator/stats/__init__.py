"""Statistics as people read them: `annotator stats` and the screen's Statistics command.

The numbers come from `Store.counts()` (SQL aggregates, never the corpus loaded); this module
only lays them out.
"""

from __future__ import annotations


def format_stats(c: dict) -> str:
    lines = [
        f"documents   {c['documents']} ({c['clusters']} story clusters)",
        f"sentences   {c['sentences']} ({c['to_label']} to label; the rest are teasers and boilerplate)",
        "blocks      " + ", ".join(f"{k} {v}" for k, v in c["blocks"].items()),
        f"annotated   {c['annotated']} of {c['to_label']} by at least one annotator",
    ]
    if c["annotated"]:
        for field in ("mode", "claim"):
            lines.append(f"{field:<12}" + ", ".join(f"{k} {v}" for k, v in c["labels"][field].items()))
        lines.append(f"quotes      {c['quotes']}")
    for name, a in c["annotators"].items():
        rate = f", {a['per_hour']} sentences per hour" if a["per_hour"] else ""
        projected = f", projected {a['projected']}" if a.get("projected") else ""
        lines.append(
            f"  {name:<12} done {a['done']}, skipped {a['skipped']}, remaining {a['remaining']}{projected}{rate}"
        )
    if not c["annotators"]:
        lines.append("  (no annotations yet)")
    if c["reviewers"]:
        lines.append("reviewed")
    for name, r in c["reviewers"].items():
        rate = f", {r['per_hour']} verdicts per hour" if r["per_hour"] else ""
        lines.append(f"  {name:<12} verdicts {r['verdicts']}{rate}")
    return "\n".join(lines)
