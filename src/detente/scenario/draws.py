"""Scenario → numeric arrays with a leading draw axis N.

:class:`Draws` holds every numeric input of a scenario as numpy arrays whose
first axis is the draw (N = 1 is the point estimate). Positions are normalised
to [0, 1] on each issue's scale. :func:`point_draws` gives the point estimate;
:func:`sample` draws N variants from the scenario's declared distributions.

Sampling policy (docs/reference/scenario-format.md#uncertainty): one
``numpy.random.SeedSequence`` per run; each uncertain parameter gets its own
stream per block of :data:`BLOCK` draws, keyed by the parameter's path and the
block number, so draw k of a parameter is the same whatever N, chunking,
backend or other parameters. Parameters are sampled by inverse transform,
truncated to the parameter's valid range.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..random import SeedLike, as_seed_sequence
from .copula import correlate
from .process import DEFAULT_PACE
from .schema import Beta, Choice, LogNormal, Normal, Scenario, Triangular, TruncNormal, Uniform

__all__ = ["BLOCK", "Draws", "point_draws", "sample"]

BLOCK = 1024
"""Draws per random stream block; draw k always comes from block k // BLOCK."""


@dataclass(frozen=True, eq=False)
class Draws:
    """Numeric scenario inputs, each with a leading draw axis of length ``n``.

    Shapes (A actors, I issues): capability (N, A); position, salience,
    expects (N, A, I) — positions normalised to [0, 1]; status_quo (N, I);
    cost, drift, value (N, A) — ``value`` is NaN where no override is given;
    has_stance (A, I).
    """

    actors: tuple[str, ...]
    issues: tuple[str, ...]
    capability: np.ndarray
    position: np.ndarray
    salience: np.ndarray
    status_quo: np.ndarray
    expects: np.ndarray
    cost: np.ndarray
    drift: np.ndarray
    value: np.ndarray
    has_stance: np.ndarray
    scale_lo: np.ndarray = field(repr=False)
    scale_hi: np.ndarray = field(repr=False)
    expects_sd: np.ndarray = field(default=None, repr=False)  # type: ignore[assignment]
    """(N, A, I) each actor's own uncertainty about its expected no-deal state (normalised)."""
    process: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    """The process model's numeric inputs per draw: ``half_life``, ``pace``, ``lapse``,
    ``breakdown`` (N,), ``penalty`` and ``discount`` (N, A)."""
    seed_entropy: int | None = None
    uncertain_paths: tuple[str, ...] = ()
    """The uncertain parameters' paths, in the column order of ``uncertain_values``."""
    uncertain_values: np.ndarray | None = field(default=None, repr=False)
    """(N, P) the sampled value of every uncertain parameter (in the file's units)."""

    def __post_init__(self) -> None:
        if self.expects_sd is None:
            object.__setattr__(self, "expects_sd", np.zeros_like(self.expects))

    @property
    def n(self) -> int:
        return int(self.capability.shape[0])

    def to_user(self, x: np.ndarray, issue_axis: int = -1) -> np.ndarray:
        """Map normalised issue values back to each issue's own scale."""
        shape = [1] * x.ndim
        shape[issue_axis] = len(self.issues)
        lo = self.scale_lo.reshape(shape)
        hi = self.scale_hi.reshape(shape)
        return lo + x * (hi - lo)

    def __getitem__(self, idx: slice) -> Draws:
        """A slice along the draw axis (keeps the leading axis)."""
        if not isinstance(idx, slice):
            raise TypeError("index Draws with a slice, e.g. draws[3:4]")
        kw = {}
        for name in ("capability", "position", "salience", "status_quo", "expects", "cost",
                     "drift", "value", "expects_sd"):
            kw[name] = getattr(self, name)[idx]
        kw["process"] = {k: v[idx] for k, v in self.process.items()}
        uv = None if self.uncertain_values is None else self.uncertain_values[idx]
        return Draws(self.actors, self.issues, has_stance=self.has_stance,
                     scale_lo=self.scale_lo, scale_hi=self.scale_hi,
                     seed_entropy=self.seed_entropy, uncertain_paths=self.uncertain_paths,
                     uncertain_values=uv, **kw)


def _base(s: Scenario) -> dict[str, Any]:
    actors = s.actor_ids()
    issues = s.issue_ids()
    A, I = len(actors), len(issues)
    lo = np.array([i.scale[0] for i in s.issues], dtype=float)
    hi = np.array([i.scale[1] for i in s.issues], dtype=float)
    sq = np.array([i.status_quo for i in s.issues], dtype=float)
    cap = np.array([a.capability for a in s.actors], dtype=float)
    pos = np.tile(sq, (A, 1))
    sal = np.zeros((A, I))
    has = np.zeros((A, I), dtype=bool)
    for ai, a in enumerate(actors):
        for ii, iid in enumerate(issues):
            st = s.stances.get(a, {}).get(iid)
            if st is not None:
                pos[ai, ii] = st.position
                sal[ai, ii] = st.salience
                has[ai, ii] = True
    exp = np.tile(sq, (A, 1))
    esd = np.zeros((A, I))
    cost = np.zeros(A)
    drift = np.zeros(A)
    value = np.full(A, np.nan)
    for ai, a in enumerate(actors):
        nd = s.no_deal.get(a)
        if nd is None:
            continue
        cost[ai] = nd.cost
        drift[ai] = nd.drift
        if nd.value is not None:
            value[ai] = nd.value
        for iid, v in nd.expects.items():
            if isinstance(v, (int, float)):
                exp[ai, issues.index(iid)] = v
            else:
                exp[ai, issues.index(iid)] = v.value
                esd[ai, issues.index(iid)] = v.sd
    pr = s.process
    bs = pr.base_rate
    proc = {
        "half_life": np.array(math.inf if pr.beliefs.half_life is None
                              else pr.beliefs.half_life),
        "pace": np.array(DEFAULT_PACE if bs is None else bs.pace),
        "lapse": np.array(0.0 if bs is None else bs.lapse),
        "breakdown": np.array(pr.breakdown),
        "penalty": np.array([pr.commitment.penalty.get(a, 0.0) for a in actors]),
        "discount": np.array([pr.discount.get(a, 1.0) for a in actors]),
        "step": np.array([u.step for u in pr.unilateral], dtype=float),  # per move, issue units
    }
    return dict(actors=actors, issues=issues, lo=lo, hi=hi, sq=sq, cap=cap, pos=pos, sal=sal,
                has=has, exp=exp, esd=esd, cost=cost, drift=drift, value=value, proc=proc)


def _assemble(b: dict[str, Any], n: int, entropy: int | None,
              paths: tuple[str, ...] = (), values: np.ndarray | None = None) -> Draws:
    lo, hi = b["lo"], b["hi"]
    span = hi - lo

    def norm(x: np.ndarray) -> np.ndarray:
        return (x - lo) / span

    return Draws(
        actors=b["actors"], issues=b["issues"],
        capability=b["cap"], position=norm(b["pos"]), salience=b["sal"],
        status_quo=norm(b["sq"]), expects=norm(b["exp"]), cost=b["cost"], drift=b["drift"],
        value=b["value"], has_stance=b["has"], expects_sd=b["esd"] / span, process=b["proc"],
        scale_lo=lo, scale_hi=hi, seed_entropy=entropy,
        uncertain_paths=paths, uncertain_values=values,
    )


def point_draws(scenario: Scenario, n: int = 1) -> Draws:
    """The scenario's point values, repeated ``n`` times along the draw axis."""
    b = _base(scenario)
    _broadcast(b, n)
    return _assemble(b, n, None)


def _broadcast(b: dict[str, Any], n: int) -> None:
    for k in ("cap", "pos", "sal", "sq", "exp", "esd", "cost", "drift", "value"):
        b[k] = np.broadcast_to(b[k], (n, *np.shape(b[k]))).copy()
    b["proc"] = {k: np.broadcast_to(v, (n, *np.shape(v))).copy() for k, v in b["proc"].items()}


# ----------------------------------------------------------------------------- sampling
def _frozen(d: Any) -> Any:
    from scipy import stats  # imported lazily: scipy.stats costs ~0.5 s at import

    if isinstance(d, Normal):
        return stats.norm(d.mean, d.sd) if d.sd > 0 else None
    if isinstance(d, TruncNormal):
        if d.sd == 0:
            return None
        a, b = (d.low - d.mean) / d.sd, (d.high - d.mean) / d.sd
        return stats.truncnorm(a, b, loc=d.mean, scale=d.sd)
    if isinstance(d, Uniform):
        return stats.uniform(d.low, d.high - d.low)
    if isinstance(d, Triangular):
        w = d.high - d.low
        return stats.triang((d.mode - d.low) / w, loc=d.low, scale=w)
    if isinstance(d, Beta):
        return stats.beta(d.a, d.b, loc=d.low, scale=d.high - d.low)
    if isinstance(d, LogNormal):
        return stats.lognorm(d.sigma, scale=math.exp(d.mu)) if d.sigma > 0 else None
    raise TypeError(d)  # pragma: no cover


def _constant(d: Any) -> float:
    return d.mean if isinstance(d, (Normal, TruncNormal)) else math.exp(d.mu)


def _inverse(d: Any, u: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Inverse-transform sample of distribution d truncated to [lo, hi], from uniforms u."""
    if isinstance(d, Choice):
        vals = np.asarray(d.values, dtype=float)
        w = np.asarray(d.weights if d.weights is not None else np.ones(len(vals)), dtype=float)
        cdf = np.cumsum(w) / w.sum()
        idx = np.searchsorted(cdf, u, side="right").clip(0, len(vals) - 1)
        return vals[idx]
    fz = _frozen(d)
    if fz is None:
        return np.full(u.shape, float(np.clip(_constant(d), lo, hi)))
    flo = fz.cdf(lo) if math.isfinite(lo) else 0.0
    fhi = fz.cdf(hi) if math.isfinite(hi) else 1.0
    x = fz.ppf(flo + u * (fhi - flo))
    return np.clip(x, lo, hi)


def path_key(path: str) -> int:
    """A stable 32-bit key for a parameter path (independent of Python's hash seed)."""
    return int.from_bytes(hashlib.sha256(path.encode("utf-8")).digest()[:4], "little")


def _uniforms(ss: np.random.SeedSequence, path: str, n: int, start: int = 0) -> np.ndarray:
    """Uniforms for draws start … start + n − 1 of one parameter.

    Block b of path P (draws b·BLOCK … (b+1)·BLOCK − 1) comes from its own stream,
    ``SeedSequence(entropy, spawn_key + (path_key(P), b))``, so a parameter's draws depend only
    on the seed and its own path: adding, removing or changing another uncertain parameter
    leaves them unchanged (common random numbers across scenario variants), and draw k is the
    same whatever n, ``start`` or chunking asks for it.
    """
    key = path_key(path)
    out = np.empty(n)
    end = start + n
    for blk in range(start // BLOCK, -(-end // BLOCK)):
        child = np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, key, blk))
        b0, b1 = blk * BLOCK, (blk + 1) * BLOCK
        lo, hi = max(start, b0), min(end, b1)
        block = np.random.Generator(np.random.PCG64(child)).random(BLOCK)
        out[lo - start:hi - start] = block[lo - b0:hi - b0]
    return out


def sample(scenario: Scenario, n: int, seed: SeedLike = None, *, start: int = 0) -> Draws:
    """Draw ``n`` scenario variants from the declared distributions.

    Deterministic: the same scenario and seed give identical arrays; draw k is
    identical whatever ``n`` (fixed blocks of :data:`BLOCK` draws), and each
    parameter has its own streams (see :func:`_uniforms`). ``start`` returns draws
    start … start + n − 1 of the same sequence — exactly that slice of a longer run —
    so a run can be split into chunks computed anywhere.
    """
    if start < 0:
        raise ValueError("start must be 0 or more")
    if n < 1:
        raise ValueError("n must be at least 1")
    ss = as_seed_sequence(seed)
    b = _base(scenario)
    _broadcast(b, n)
    paths = sorted(scenario.uncertainty)
    values = np.empty((n, len(paths)))
    u_all = {path: _uniforms(ss, path, n, start) for path in paths}
    correlate(u_all, [(*c.between, c.rank) for c in scenario.correlations])
    for j, path in enumerate(paths):
        u = u_all[path]
        dist = scenario.uncertainty[path].distribution
        lo, hi = _range(scenario, path)
        x = _inverse(dist, u, lo, hi)
        values[:, j] = x
        _assign(b, scenario, path, x)
    entropy = ss.entropy if isinstance(ss.entropy, int) else None
    return _assemble(b, n, entropy, tuple(paths), values)


def _range(s: Scenario, path: str) -> tuple[float, float]:
    """The valid range of a (validated) uncertain parameter: samples are truncated to it."""
    parts = path.split(".")
    if parts[0] == "actors":
        return (1e-12, math.inf)  # capability > 0
    if parts[0] == "process":
        return PROCESS_BOUNDS[_process_key(parts)]
    if parts[0] == "stances" and parts[3] == "salience":
        return (0.0, 1.0)
    issue = {"issues": 1, "stances": 2}.get(parts[0])
    if issue is None and parts[2] == "expects":
        issue = 3
    if issue is None:
        return (-math.inf, math.inf)  # cost, drift, value
    lo, hi = s.issue(parts[issue]).scale
    return (float(lo), float(hi))


PROCESS_PATHS = {
    "process.beliefs.half_life": "half_life",
    "process.base_rate.pace": "pace",
    "process.base_rate.lapse": "lapse",
    "process.breakdown": "breakdown",
    "process.commitment.penalty.<actor>": "penalty",
    "process.discount.<actor>": "discount",
    "process.unilateral.<actor>.<issue>.step": "step",
}
"""The process model's uncertain parameters: path pattern → key of :attr:`Draws.process`."""
PROCESS_BOUNDS = {"half_life": (1e-9, math.inf), "pace": (0.0, 1.0), "lapse": (0.0, 1.0),
                  "breakdown": (0.0, 1.0), "penalty": (0.0, math.inf), "discount": (0.0, 1.0),
                  "step": (0.0, math.inf)}


def process_pattern(parts: list[str]) -> str:
    """The pattern of a ``process.…`` path: its actor part replaced by ``<actor>``."""
    if len(parts) == 3 and parts[1] == "discount":
        return "process.discount.<actor>"
    if len(parts) == 4 and parts[1:3] == ["commitment", "penalty"]:
        return "process.commitment.penalty.<actor>"
    if len(parts) == 5 and parts[1] == "unilateral" and parts[4] == "step":
        return "process.unilateral.<actor>.<issue>.step"
    return ".".join(parts)


def _process_key(parts: list[str]) -> str:
    return PROCESS_PATHS[process_pattern(parts)]


def _assign(b: dict[str, Any], s: Scenario, path: str, x: np.ndarray) -> None:
    parts = path.split(".")
    actors, issues = b["actors"], b["issues"]
    if parts[0] == "actors":
        b["cap"][:, actors.index(parts[1])] = x
    elif parts[0] == "issues":
        b["sq"][:, issues.index(parts[1])] = x
    elif parts[0] == "stances":
        key = "pos" if parts[3] == "position" else "sal"
        b[key][:, actors.index(parts[1]), issues.index(parts[2])] = x
    elif parts[0] == "process":
        key = _process_key(parts)
        if key in ("penalty", "discount"):
            b["proc"][key][:, actors.index(parts[-1])] = x
        elif key == "step":
            k = next(k for k, u in enumerate(s.process.unilateral)
                     if u.actor == parts[2] and u.issue == parts[3])
            b["proc"][key][:, k] = x
        else:
            b["proc"][key][:] = x
    elif parts[0] == "no_deal" and parts[2] == "expects":
        b["exp"][:, actors.index(parts[1]), issues.index(parts[3])] = x
    elif parts[0] == "no_deal":
        b[parts[2]][:, actors.index(parts[1])] = x
