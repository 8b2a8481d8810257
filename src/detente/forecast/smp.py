"""KTAB's Spatial Model of Politics (SMP), deterministic mode, any number of dimensions.

A re-implementation in numpy of the Spatial Model of Politics in KAPSARC's Toolkit for Behavioral
Analysis (KTAB, MIT licence; ``examples/smp/libsrc/smp.cpp`` and ``smpbcn.cpp``, with the voting,
victory-probability and Condorcet-election primitives of ``kmodel/libsrc/kmodel.cpp``). It
follows KTAB's algorithm step by step; see ``docs/explanation/smp.md`` for the formulas.

Each turn, from the current positions:

1. **Utilities.** Actor a values actor b's position by u = (1 − d)(1 + d·R_a), where d is the
   salience-weighted normalised Euclidean distance from a's position (weights: a's saliences).
2. **Risk attitudes.** A risk-neutral probabilistic Condorcet election over all positions
   (votes weighted by capability) gives p_i; R_i is p_i rescaled to [−½, +1] (``big_r_range``).
   Actor h's estimate of i's risk attitude blends both (``big_r_adjust``: (2R_h + R_i)/3).
3. **Challenges.** Every actor i evaluates a challenge against every j from its own perspective,
   with third parties voting by a "little contest" (``third_party_commit``); it targets the j
   with the largest positive expected gain.
4. **Bargains.** The challenger proposes a bargain interpolated dimension by dimension with
   weights salience² × probability² (``inter_vec_brgn`` S2P2), rounded to 4 decimals.
5. **Transition.** Each actor's queue (status quo, the bargain it proposed, bargains proposed to
   it) is put to a probabilistic Condorcet election in which everyone votes by the average
   utility of the resulting state; the actor adopts the most probable bargain.

The run stops after at least ``min_turns`` turns once the total movement of a turn
(Σ_actors ‖Δx‖) is below ``stop_ratio`` × the first turn's (+10⁻⁴), or after ``max_turns``.
The forecast is the most probable position of the final state's probabilistic Condorcet election
(KTAB's ``pDist``: every actor votes with its own risk-aware utilities, weight = capability, over
the distinct positions).

Everything is vectorised over the leading draw axis; the only Python loop in a turn is over
actors when identifying distinct positions (O(A) numpy operations). Draws are processed in
chunks so that the (A × A × A) per-draw tensors stay within a fixed memory budget.

KTAB's parameters are recorded in a typed record, :class:`~.params.SMPOptions` (a run's) or
:class:`~.params.SMPParams` (a forecast's, with the readout). KTAB's primitives are in
:mod:`.smp_voting`, a turn in :mod:`.smp_turn`; this module runs turns until the stop rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .params import (
    BargnModel,
    BigRAdjust,
    BigRRange,
    InterVecBrgn,
    PCEModel,
    SalienceOverflow,
    SMPOptions,
    SMPParams,
    SMPReadout,
    StateTransitions,
    ThirdPartyCommit,
    VictoryProbModel,
    VotingRule,
)
from .registry import ForecastResult, register
from .smp_turn import _assess, _State, _step
from .trail import SMPChoice

__all__ = ["SMPOptions", "SMPParams", "SMPRun", "mean_path", "smp_forecast", "smp_run"]

_MIN_SIG_DELTA = 1e-4  # smpStopFn minSigDelta (KTAB)

# Per-draw element budget for the (A, A, A) tensors of one chunk of draws.
_CHUNK_ELEMENTS = 4_000_000


@dataclass(frozen=True, eq=False)
class SMPRun:
    """The full history of an SMP run.

    ``positions`` (N, T, A, I): every actor's position in every state (state 0 = the input);
    ``probability`` (N, T, A): the probability, in the final Condorcet election of each state,
    of the (distinct) position each actor holds (KTAB's "prob" lines; equal positions share one);
    ``risk`` (N, T, A): inferred risk attitudes R per state; ``outcome`` (N, T, I): the most
    probable position per state; ``n_turns`` (N,): turns actually run per draw (a draw that
    stopped early repeats its final state to fill T = 1 + max(n_turns)); ``params`` the run's
    options, a typed :class:`~.params.SMPOptions`; ``trail`` the explanation records of draw 0.
    """

    positions: np.ndarray
    probability: np.ndarray
    risk: np.ndarray
    outcome: np.ndarray
    n_turns: np.ndarray
    params: SMPOptions
    trail: tuple[SMPChoice, ...] = field(default=())


def _inputs(
    capability: Any, position: Any, salience: Any, overflow: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cap = np.asarray(capability, dtype=float)
    x = np.asarray(position, dtype=float)
    s = np.asarray(salience, dtype=float)
    if x.ndim != 3 or s.shape != x.shape or cap.shape != x.shape[:2]:
        raise ValueError(
            "expected capability (N, A), position and salience (N, A, I); got "
            f"{cap.shape}, {x.shape}, {s.shape}"
        )
    if x.shape[1] < 2 or x.shape[2] < 1:
        raise ValueError("the SMP needs at least 2 actors and 1 issue")
    for name, arr in (("capability", cap), ("position", x), ("salience", s)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite")
    if np.any(cap < 0):
        raise ValueError("capability must be non-negative")
    if np.any((x < 0) | (x > 1)):
        raise ValueError("positions must be normalised to [0, 1]")
    if np.any((s < 0) | (s > 1)):
        raise ValueError("salience must be within [0, 1]")
    tot = s.sum(axis=-1, keepdims=True)
    if np.any(tot > 1 + 1e-12):
        if overflow == "error":
            raise ValueError("an actor's saliences sum to more than 1 (KTAB requires ≤ 1)")
        s = np.where(tot > 1, s / np.where(tot > 1, tot, 1.0), s)
    # actors without any salient stance are absent: no capability, so no votes or coalitions
    cap = np.where(tot[..., 0] > 0, cap, 0.0)
    return cap, x, s


def _run_chunk(
    cap: np.ndarray, x0: np.ndarray, s: np.ndarray, o: SMPOptions, max_turns: int,
    min_turns: int, stop_ratio: float, want_trail: bool,
) -> tuple[_State, list[tuple[np.ndarray, _State]], np.ndarray, list[SMPChoice]]:
    """Run a chunk of draws; returns the first state, each turn's (draws still running, their
    new state) — a finished draw keeps its last state — the turns run and the trail."""
    n = x0.shape[0]
    ssum = s.sum(axis=-1)
    wsc = ssum * cap  # probEduChlg weights: overall salience × capability
    first = _assess(x0, s, cap, o)
    played: list[tuple[np.ndarray, _State]] = []
    turns = np.zeros(n, dtype=int)
    ids = np.arange(n)  # the draws still running …
    live = first  # … and their current state, row by row
    d01 = np.zeros(n)
    trail: list[SMPChoice] = []
    it = 0
    while ids.size and it < max_turns:
        it += 1
        draw0 = want_trail and ids[0] == 0
        x_new, tr = _step(live, s[ids], cap[ids], wsc[ids], ssum[ids], o, it if draw0 else None)
        trail.extend(tr)
        st_new = _assess(x_new, s[ids], cap[ids], o)
        played.append((ids, st_new))
        turns[ids] = it
        moved = np.sqrt(((x_new - live.x) ** 2).sum(axis=-1))
        dist = np.where(s[ids].sum(axis=-1) > 0, moved, 0.0).sum(axis=-1)
        if it == 1:
            d01[ids] = dist + _MIN_SIG_DELTA
        quiet = dist / d01[ids] < stop_ratio
        done = (it >= max_turns) | ((it >= min_turns) & quiet)
        on = np.flatnonzero(~done)
        ids = ids[on]
        live = _State(st_new.x[on], st_new.d[on], st_new.r[on], st_new.u_own[on],
                      st_new.prob[on], st_new.outcome[on])
    return first, played, turns, trail


def smp_run(
    capability: Any, position: Any, salience: Any, *, max_turns: int = 100, min_turns: int = 2,
    stop_ratio: float = 0.02, voting_rule: VotingRule | Literal["Prop"] = "Proportional",
    victory_prob_model: VictoryProbModel = "Linear", pce_model: PCEModel = "Conditional",
    state_transitions: StateTransitions = "Deterministic", big_r_range: BigRRange = "Mid",
    big_r_adjust: BigRAdjust = "OneThird", third_party_commit: ThirdPartyCommit = "SemiCommit",
    inter_vec_brgn: InterVecBrgn = "S2P2", bargn_model: BargnModel = "InitOnlyInterp",
    salience_overflow: SalienceOverflow = "rescale",
) -> SMPRun:
    """Run KTAB's Spatial Model of Politics; return every state (see :class:`SMPRun`).

    Inputs: capability (N, A) ≥ 0, position (N, A, I) in [0, 1], salience (N, A, I) in [0, 1]
    with each actor's saliences summing to ≤ 1 as in KTAB (``salience_overflow="rescale"``
    divides an actor's saliences by their sum when it exceeds 1; ``"error"`` refuses).
    The KTAB parameters keep KTAB's names and defaults (``smp.h``, ``SMPModel``); only the
    options named in the signature's defaults for ``pce_model``, ``state_transitions`` and
    ``bargn_model`` are implemented. The run's ``params`` record them all, typed
    (:class:`~.params.SMPOptions`): ``smp_run(c, x, s, **run.params.to_dict())`` repeats it.

    >>> import numpy as np
    >>> cap = np.array([[1.0, 1.0, 2.0]])
    >>> x = np.array([[[0.1], [0.5], [0.9]]]); s = np.full((1, 3, 1), 0.8)
    >>> run = smp_run(cap, x, s)
    >>> run.positions.shape[0], run.positions.shape[2:]
    (1, (3, 1))
    """
    o = SMPOptions(
        max_turns=max_turns, min_turns=min_turns, stop_ratio=stop_ratio,
        voting_rule=voting_rule,  # type: ignore[arg-type]  # "Prop" is read as "Proportional"
        victory_prob_model=victory_prob_model, pce_model=pce_model,
        state_transitions=state_transitions, big_r_range=big_r_range, big_r_adjust=big_r_adjust,
        third_party_commit=third_party_commit, inter_vec_brgn=inter_vec_brgn,
        bargn_model=bargn_model, salience_overflow=salience_overflow,
    )
    cap, x0, s = _inputs(capability, position, salience, o.salience_overflow)
    n, a, i_ = x0.shape
    chunk = max(1, _CHUNK_ELEMENTS // (a * a * (a + 1)))
    parts = []
    trail: list[SMPChoice] = []
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        first, played, turns, tr = _run_chunk(
            cap[lo:hi], x0[lo:hi], s[lo:hi], o, o.max_turns, o.min_turns, o.stop_ratio,
            lo == 0,
        )
        if lo == 0:
            trail = tr
        parts.append((first, played, turns))
    t_max = 1 + max(len(played) for _, played, _ in parts)
    pos = np.empty((n, t_max, a, i_))
    prob = np.empty((n, t_max, a))
    risk = np.empty((n, t_max, a))
    out = np.empty((n, t_max, i_))
    n_turns = np.empty(n, dtype=int)
    lo = 0
    for first, played, turns in parts:
        hi = lo + turns.shape[0]
        # every draw's state after each turn: a draw that stopped keeps its last state
        cur = [first.x.copy(), first.prob.copy(), first.r.copy(), first.outcome.copy()]
        for t in range(t_max):
            if 0 < t <= len(played):
                ids, st = played[t - 1]
                for c, new in zip(cur, (st.x, st.prob, st.r, st.outcome)):
                    c[ids] = new
            pos[lo:hi, t], prob[lo:hi, t], risk[lo:hi, t], out[lo:hi, t] = cur
        n_turns[lo:hi] = turns
        lo = hi
    return SMPRun(pos, prob, risk, out, n_turns, o, tuple(trail))


def mean_path(capability: Any, salience: Any, positions: np.ndarray) -> np.ndarray:
    """Σ c s x / Σ c s per draw, state and issue (N, T, I): the compromise of the positions
    (N, T, A, I) of every state, weighted by the input capability × salience."""
    w = np.asarray(capability, dtype=float)[:, None, :, None] * np.asarray(
        salience, dtype=float)[:, None, :, :]
    tot = w.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, (w * positions).sum(axis=2) / tot, np.nan)


@register(
    "smp",
    title="Spatial Model of Politics (KTAB)",
    summary=(
        "KAPSARC's Spatial Model of Politics: actors challenge each other and bargain turn by "
        "turn; the forecast is the most probable position in the final state's probabilistic "
        "Condorcet election."
    ),
    references=(
        (
            "Efird, B., Lester, L. & Wise, B. (2016). [SMP applied to China's state-owned "
            "enterprise reform.] Journal of East Asian Studies 16(1):117–145."
        ),
        (
            "Wise, B., Lester, L. & Efird, B. KAPSARC Toolkit for Behavioral Analysis (KTAB): "
            "documentation and SMP tutorial (examples/smp/SMPTutorial.pdf). KAPSARC, Riyadh."
        ),
        (
            "KAPSARC (2015–2017). KTAB: KAPSARC Toolkit for Behavioral Analysis, examples/smp "
            "(MIT licence). https://github.com/KAPSARC/KTAB"
        ),
    ),
    dynamic=True,
)
def smp_forecast(
    capability: Any, position: Any, salience: Any, *, readout: SMPReadout = "pce",
    **options: Any,
) -> ForecastResult:
    """KTAB's SMP forecast: the most probable position after the final turn, per draw.

    ``outcome`` (N, I) is the position that wins KTAB's probabilistic Condorcet election in the
    final state (every actor votes with its own risk-aware utilities, weight = capability, over
    the distinct positions); ``path`` (N, T, I) the same for every state, state 0 being the
    input; ``trail`` one record per turn and actor for draw 0 (target challenged, expected gain,
    bargain adopted, new position). ``options`` are :func:`smp_run`'s keywords (KTAB's
    parameters; its signature holds the defaults). Use :func:`smp_run` for the actors'
    positions per turn. ``readout="mean"`` (not KTAB's) forecasts instead the capability ×
    salience weighted mean of the positions in each state (the compromise of the bargained
    positions, the outcome rule of the exchange model); the default ``"pce"`` is KTAB's.
    ``params`` is a typed :class:`~.params.SMPParams` holding every option (defaults included)
    and ``readout``: ``smp_forecast(c, x, s, **result.params.to_dict())`` gives the same numbers.

    >>> import numpy as np
    >>> cap = np.array([[1.0, 1.0, 2.0]])
    >>> x = np.array([[[0.1], [0.5], [0.9]]]); s = np.full((1, 3, 1), 0.8)
    >>> smp_forecast(cap, x, s).outcome.shape
    (1, 1)
    """
    if readout not in ("pce", "mean"):
        raise ValueError(f"readout must be 'pce' or 'mean'; got {readout!r}")
    run = smp_run(capability, position, salience, **options)
    series = run.outcome if readout == "pce" else mean_path(capability, salience, run.positions)
    params = SMPParams(**run.params.to_dict(), readout=readout)
    return ForecastResult("smp", params, series[:, -1, :].copy(), series, run.trail,
                          positions=run.positions.astype(np.float32))
