"""The one randomness policy: every seed goes through :func:`as_seed_sequence`.

Accepts ``int | numpy.random.SeedSequence | numpy.random.Generator | None``.
``seed=0`` is a seed like any other. ``None`` draws fresh entropy from the OS;
the entropy is recorded in results so the run can be repeated. Global random
state is never touched.
"""

from __future__ import annotations

from typing import Union

import numpy as np

__all__ = ["SeedLike", "as_seed_sequence"]

SeedLike = Union[int, np.random.SeedSequence, np.random.Generator, None]


def as_seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    """Normalise any accepted seed to a SeedSequence."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(0, 2**63)))
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, SeedSequence, Generator or None; got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be 0 or more; got {seed}")
    return np.random.SeedSequence(int(seed))
