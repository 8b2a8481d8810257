"""Cross-reference checks of a scenario's ``process`` section, on the raw data.

The schema checks the section's structure; :func:`check_process` checks what it names elsewhere:
actors (discount rates, commitment penalties, unilateral moves), tables and their members
(recognition weights, alternating offers, partial agreements), issues, and the options of the
``conflict`` section that a unilateral move stands for.
"""

from __future__ import annotations

from typing import Any

from .raw import _dict, _items

__all__ = ["check_process"]


def check_process(pr: dict[str, Any], add, ref, actors, issues, tables, data,
                   in_scale) -> None:
    """Cross-references of the ``process`` section (its structure is pydantic's)."""
    members: dict[str, list[Any]] = {}
    for tb in _items(data.get("tables")):
        tb = _dict(tb)
        if isinstance(tb.get("id"), str):
            members[tb["id"]] = _items(tb.get("members"))
    for key in ("discount",):
        for aid in _dict(pr.get(key)):
            ref(("process", key, aid), aid, "actor", actors, key=True)
    for aid in _dict(_dict(pr.get("commitment")).get("penalty")):
        ref(("process", "commitment", "penalty", aid), aid, "actor", actors, key=True)
    for tid, tp in _dict(pr.get("tables")).items():
        if not ref(("process", "tables", tid), tid, "table", tables, key=True):
            continue
        rec = _dict(tp).get("recognition")
        if rec == {}:
            add(("process", "tables", tid, "recognition"), "no member is given a weight, so "
                "no one could propose", "give each member that proposes a positive weight, "
                "or leave recognition out (capability shares)")
        if isinstance(rec, dict):
            for aid in rec:
                if ref(("process", "tables", tid, "recognition", aid), aid, "actor", actors,
                       key=True) and aid not in members.get(tid, []):
                    add(("process", "tables", tid, "recognition", aid),
                        f"{aid!r} does not sit at table {tid!r}, so it cannot propose there",
                        "members: " + ", ".join(map(str, members.get(tid, []))), key=True)
        elif rec == "alternating" and len(members.get(tid, [])) != 2:
            add(("process", "tables", tid, "recognition"),
                "alternating offers need a table of exactly two members",
                "give recognition weights per member instead (e.g. {us: 1, ru: 1})")
    seen: set[str] = set()
    for k, pa in enumerate(_items(pr.get("partials"))):
        pa = _dict(pa)
        here = ("process", "partials", k)
        if isinstance(pa.get("id"), str):
            if pa["id"] in seen:
                add(here + ("id",), f"partial agreement {pa['id']!r} is defined twice")
            seen.add(pa["id"])
        ref(here + ("table",), pa.get("table"), "table", tables)
        for j, iid in enumerate(_items(pa.get("issues"))):
            ref(here + ("issues", j), iid, "issue", issues)
    conflict = _dict(data.get("conflict"))
    owner = {o.get("id"): o.get("dm") for o in map(_dict, _items(conflict.get("options")))}
    for k, un in enumerate(_items(pr.get("unilateral"))):
        un = _dict(un)
        here = ("process", "unilateral", k)
        ref(here + ("actor",), un.get("actor"), "actor", actors)
        if ref(here + ("issue",), un.get("issue"), "issue", issues):
            for j, v in enumerate(_items(un.get("range"))):
                in_scale(here + ("range", j), un.get("issue"), v, "the range")
        opt = un.get("option")
        if isinstance(opt, str):
            if opt not in owner:
                add(here + ("option",), f"{opt!r} is not an option of the `conflict` section",
                    "options: " + ", ".join(str(o) for o in owner) if owner
                    else "add a `conflict` section with this option, or remove `option`")
            elif owner[opt] != un.get("actor"):
                add(here + ("option",), f"option {opt!r} belongs to {owner[opt]!r}, not to "
                    f"{un.get('actor')!r}", "a unilateral move is its own actor's option")
    ids = [(u.get("actor"), u.get("issue")) for u in map(_dict, _items(pr.get("unilateral")))]
    for k, pair in enumerate(ids):
        if pair in ids[:k]:
            add(("process", "unilateral", k), f"{pair[0]!r} already has a unilateral move on "
                f"{pair[1]!r}", "merge the two entries")

