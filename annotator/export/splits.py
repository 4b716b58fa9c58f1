"""Train/dev/test assignment by near-duplicate cluster (or document), so a story never sits in two
splits; stratified on a label where the groups allow it, and frozen in the store once assigned so
that every later export puts each story where the first one did."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Literal

from annotator.errors import UserError
from annotator.scheme import SPLITS, Split

Unit = Literal["cluster", "document"]
Stratify = Literal["mode", "claim"]  # the label whose distribution each split should keep


def parse_split(spec: str) -> dict[str, int]:
    """'80/10/10' -> {'train': 80, 'dev': 10, 'test': 10}."""
    parts = spec.split("/")
    if len(parts) != 3 or not all(p.strip().isdigit() for p in parts):
        raise UserError(f"--split {spec!r}: expected three whole percentages like 80/10/10")
    values = [int(p) for p in parts]
    if sum(values) != 100:
        raise UserError(f"--split {spec!r}: the percentages add up to {sum(values)}, not 100")
    return dict(zip(SPLITS, values, strict=True))


def _order(key: str, seed: int) -> bytes:
    return hashlib.blake2b(f"{seed}\x00{key}".encode(), digest_size=8).digest()


def stratum(values: Counter) -> str:
    """A group's stratum: its most frequent label (ties by name), or '' while it has none."""
    return min(values.items(), key=lambda kv: (-kv[1], kv[0]))[0] if values else ""


def assign(
    groups: dict[str, tuple[Counter, int]],
    percentages: dict[str, int],
    seed: int,
    fixed: dict[str, str] | None = None,
) -> dict[str, Split]:
    """Splits for the groups not in `fixed`. Within each stratum, groups are taken in a seeded
    order and each goes to the split furthest below its share of the stratum's sentences, counting
    what `fixed` already holds; so the splits keep the label's distribution as far as whole groups
    allow, and the same groups, seed and percentages always give the same answer."""
    fixed = fixed or {}
    by_stratum: dict[str, list[str]] = {}
    for key, (values, _) in groups.items():
        by_stratum.setdefault(stratum(values), []).append(key)
    used = {fixed[k] for k in fixed if k in groups}  # splits holding a group, in any stratum
    wanted = [s for s in SPLITS if percentages[s]]
    out: dict[str, Split] = {}
    strata = sorted(by_stratum.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    left = sum(1 for k in groups if k not in fixed)
    for _, keys in strata:
        held: Counter[str] = Counter()
        for k in keys:
            if k in fixed:
                held[fixed[k]] += groups[k][1]
        total = sum(groups[k][1] for k in keys)
        for k in sorted((k for k in keys if k not in fixed), key=lambda k: _order(k, seed)):
            empty = [s for s in wanted if s not in used]
            if empty and left <= len(empty):
                # as many groups left as splits still empty: a split with no story at all is
                # worse than a distribution slightly off
                split = max(empty, key=lambda s: percentages[s])
            else:
                # the split with the largest shortfall against its share of the stratum
                split = max(wanted, key=lambda s: percentages[s] * total / 100 - held[s])
            out[k] = split
            held[split] += groups[k][1]
            used.add(split)
            left -= 1
    return out


def frozen(
    store,
    percentages: dict[str, int],
    seed: int,
    unit: Unit,
    stratify: Stratify = "mode",
    *,
    resplit: bool = False,
) -> dict:
    """The split plan in force (the store's, or this one) with every group assigned: groups
    added since the plan was made are assigned now, the others keep their split. The assignment
    is staged for the export under way; the export freezes it once published (commit_splits)."""
    plan = {"percentages": percentages, "seed": seed, "unit": unit, "stratify": stratify}
    kept, fixed = store.frozen_splits()
    if kept is not None and not resplit and kept != plan:
        was = "/".join(str(kept["percentages"][s]) for s in SPLITS)
        raise UserError(
            f"the splits are frozen as {was} by {kept['unit']} (seed {kept['seed']}, stratified on "
            f"{kept['stratify']}) so that re-exports are "
            "stable; ask for the same, or add --resplit to assign every story afresh"
        )
    if resplit:
        fixed = {}
    groups = store.split_groups(unit, stratify)
    new = assign(groups, percentages, seed, fixed)
    changed = bool(new or resplit or kept is None)  # else the store holds all of it already
    store.stage_splits(plan, {**fixed, **new}, new if changed else None, replace=resplit)
    return plan
