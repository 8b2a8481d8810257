"""The commented starter scenario that ``detente new`` and the web app's "new scenario" write."""

from __future__ import annotations

import datetime as _dt
import re
from importlib.resources import files
from pathlib import PurePath

__all__ = ["starter_text"]


def starter_text(stem: str, file: str | None = None) -> str:
    """The starter scenario for a scenario named ``stem`` (its id and title come from the name),
    saved as ``file`` (default ``STEM.yaml``)."""
    name = PurePath(stem).name
    ident = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "scenario"
    if not ident[0].isalpha():
        ident = "s-" + ident
    title = name.replace("-", " ").replace("_", " ").strip() or "New scenario"
    text = (files("detente") / "templates" / "starter.yaml").read_text(encoding="utf-8")
    return (text.replace("__ID__", ident[:64]).replace("__FILE__", file or f"{stem}.yaml")
            .replace("__TITLE__", title).replace("__DATE__", _dt.date.today().isoformat()))
