from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SHARED_CASES = ROOT.parent / "shared" / "cases"


@pytest.fixture
def shared_cases() -> Path:
    if not SHARED_CASES.is_dir():
        pytest.skip(f"published reference cases not found at {SHARED_CASES} (../shared/cases)")
    return SHARED_CASES
