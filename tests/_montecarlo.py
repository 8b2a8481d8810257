"""Shared inputs for the Monte Carlo tests (chunks, backends, streaming)."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "ukraine-2025-02.yaml"
EC = ROOT / "scenarios" / "ec-emissions-1994.yaml"

# The EC case with uncertain positions and capabilities, so that draws differ.
EC_UNCERTAIN = EC.read_text(encoding="utf-8") + """
uncertainty:
  stances.UK.emission_standard_date.position: triangular(6, 9, 10)
  stances.DK.emission_standard_date.position: uniform(4, 6)
  actors.DE.capability: lognormal(2.3, 0.2)
"""


def as_json(a) -> str:
    """An analysis's summary as canonical JSON: equal strings ⇔ identical numbers."""
    return json.dumps(a.to_dict(), sort_keys=True)
