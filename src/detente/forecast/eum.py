"""Bueno de Mesquita's expected-utility ("challenge") model, as formalised by Scholz et al. (2011).

One issue at a time, actors challenge one another: each ordered pair (i, j) gets the expected
utility E^i(U_ij) of i challenging j, computed from the probability that i prevails (the
capability × salience weighted "votes" of all actors), success / failure / status-quo utilities
with a per-actor risk exponent, and j's salience as the chance that j resists. The signs and sizes
of E^i(U_ij) and E^j(U_ji) classify the pair as conflict, compromise, compel or status quo; each
actor accepts one offer, all move at once, and the next round starts from the new positions.
The forecast is the capability × salience weighted median of the positions after the last round.

Every point the published accounts leave open is a keyword parameter with a documented default;
the defaults reproduce Scholz, Calbert & Smith (2011) Table 2 on the EC car-emissions case (see
``docs/explanation/eum.md``). They are recorded in a typed record, :class:`~.params.EUMOptions`
(a run's) or :class:`~.params.EUMParams` (a forecast's, with the readout). All arithmetic is
vectorised over draws and issues (issues are folded into the batch axis); only the rounds are a
Python loop. The pieces of a challenge are in :mod:`.eum_challenge`, a round in :mod:`.eum_round`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .eum_challenge import (
    COMPEL,
    COMPROMISE,
    CONFLICT,
    KIND_NAMES,
    NONE,
    _weighted_mean,
    _weighted_median,
    offer_kinds,
    prevail_probability,
    risk_exponents,
)
from .eum_round import EUMRoundOffers, play_round
from .params import (
    ConflictRule,
    Denominator,
    EUMOptions,
    EUMParams,
    EUMReadout,
    MedianTie,
    Perspective,
    Reference,
    Security,
    Selection,
)
from .registry import ForecastResult, register
from .trail import EUMMove

__all__ = [
    "COMPEL",
    "COMPROMISE",
    "CONFLICT",
    "NONE",
    "EUMOptions",
    "EUMParams",
    "EUMRoundOffers",
    "EUMRounds",
    "eum_forecast",
    "eum_rounds",
    "offer_kinds",
    "prevail_probability",
    "risk_exponents",
]


@dataclass(frozen=True, eq=False)
class EUMRounds:
    """Every round of a run: positions (N, R+1, A, I) with round 0 the input, and the
    capability × salience weighted median and mean of the positions after each round,
    ``median`` and ``mean`` (N, R+1, I), round 0 included; ``params`` the run's options (a
    typed :class:`~.params.EUMOptions`); ``trail`` the explanation records of draw 0."""

    positions: np.ndarray
    median: np.ndarray
    mean: np.ndarray
    params: EUMOptions
    trail: tuple[EUMMove, ...] = ()


# --------------------------------------------------------------------------- public API
def eum_rounds(
    capability: np.ndarray, position: np.ndarray, salience: np.ndarray, *,
    rounds: int = 8, Q: float = 1.0, T: float | Literal["auto"] = "auto",
    denominator: Denominator = "all_pairs", vote_risk: bool = True,
    perspective: Perspective = "receiver", security: Security = "challengers",
    conflict: ConflictRule = "move", compel: bool = True, selection: Selection = "scholz_code",
    reference: Reference = "median", fixed_range: bool = True, median_tie: MedianTie = "lower",
    trail: bool = True,
) -> EUMRounds:
    """Run the model for ``rounds`` rounds and keep every round (see :func:`eum_forecast`).

    capability (N, A), position and salience (N, A, I). Returns positions (N, R+1, A, I) and
    the weighted median and mean (N, R+1, I) of each round, round 0 being the input, and the
    options as a typed :class:`~.params.EUMOptions` (``eum_rounds(c, x, s,
    **out.params.to_dict())`` repeats the run); ``trail=False`` skips the explanation records.

    >>> import numpy as np
    >>> c = np.array([[1.0, 1.0, 1.0]]); x = np.array([[[0.0], [0.5], [1.0]]])
    >>> out = eum_rounds(c, x, np.full((1, 3, 1), 0.5), rounds=2)
    >>> out.positions.shape, out.median.shape
    ((1, 3, 3, 1), (1, 3, 1))
    """
    opts = EUMOptions(rounds=rounds, Q=Q, T=T, denominator=denominator, vote_risk=vote_risk,
                      perspective=perspective, security=security, conflict=conflict,
                      compel=compel, selection=selection, reference=reference,
                      fixed_range=fixed_range, median_tie=median_tie)
    cap = np.asarray(capability, dtype=float)
    pos = np.asarray(position, dtype=float)
    sal = np.asarray(salience, dtype=float)
    if cap.ndim != 2 or pos.ndim != 3 or sal.shape != pos.shape or pos.shape[:2] != cap.shape:
        raise ValueError("expected capability (N, A), position and salience (N, A, I); got "
                         f"{cap.shape}, {pos.shape}, {sal.shape}")
    n, n_act, n_iss = pos.shape
    # fold issues into the batch axis: (N, A, I) -> (N·I, A)
    x = np.moveaxis(pos, 2, 1).reshape(n * n_iss, n_act)
    s = np.moveaxis(sal, 2, 1).reshape(n * n_iss, n_act)
    c = np.repeat(cap, n_iss, axis=0)
    active = (s > 0) & (c > 0)
    w = c * s

    def span(xx: np.ndarray) -> np.ndarray:
        hi = np.where(active, xx, -np.inf).max(axis=-1)
        lo = np.where(active, xx, np.inf).min(axis=-1)
        d = hi - lo
        return np.where(np.isfinite(d) & (d > 0), d, 1.0)

    delta = span(x)
    xs = [x]
    trail_rows: list[EUMMove] = []
    for rnd in range(1, opts.rounds + 1):
        if not opts.fixed_range:
            delta = span(x)
        x, offers = play_round(c, s, x, delta, active, opts)
        xs.append(x)
        if trail:
            trail_rows.extend(_trail_rows(rnd, offers, xs[-2], x, n_iss))
    allx = np.stack(xs, axis=1)  # (B, R+1, A)
    med = _weighted_median(np.broadcast_to(w[:, None, :], allx.shape), allx, opts.median_tie)
    mean = _weighted_mean(w[:, None, :], allx)

    def fold(m: np.ndarray) -> np.ndarray:
        return np.moveaxis(m.reshape(n, n_iss, *m.shape[1:]), 1, -1)

    return EUMRounds(fold(allx), fold(med), fold(mean), opts, tuple(trail_rows))


def _trail_rows(rnd: int, info: EUMRoundOffers, before: np.ndarray, after: np.ndarray,
                n_iss: int) -> list[EUMMove]:
    """Explanation records for draw 0 (batch rows 0 … I−1): one per actor that moved."""
    rows: list[EUMMove] = []
    for issue in range(n_iss):
        for i in np.flatnonzero(info.moved[issue]):
            rows.append({
                "round": rnd, "issue": issue, "actor": int(info.proposer[issue, i]),
                "target": int(i), "kind": KIND_NAMES[int(info.kind[issue, i])],
                "eu_actor": round(float(info.eu_proposer[issue, i]), 6),
                "eu_target": round(float(info.eu_receiver[issue, i]), 6),
                "from": round(float(before[issue, i]), 6),
                "moves_to": round(float(after[issue, i]), 6),
                "risk_target": round(float(info.risk[issue, i]), 6),
            })
    return rows


@register(
    "eum",
    title="Expected-utility challenge model (Bueno de Mesquita; Scholz et al. 2011)",
    summary=(
        "Actors challenge one another over several rounds by expected utility (win probability "
        "from weighted votes, salience as resolve, risk exponents from security); losers move "
        "fully or part way; the forecast is the weighted median after the last round."
    ),
    references=(
        ("Bueno de Mesquita, B. (1994). Political forecasting: an expected utility method. In "
         "Bueno de Mesquita & Stokman (eds), European Community Decision Making, ch. 4. Yale UP."),
        ("Scholz, J. B., Calbert, G. J. & Smith, G. A. (2011). Unravelling Bueno de Mesquita's "
         "group decision model. J. Theoretical Politics 23(4):510–531; also ICAART 2011, "
         "pp. 18–30, doi:10.5220/0003121500180030."),
        "Bueno de Mesquita, B. (2009). The Predictioneer's Game. Random House.",
    ),
    dynamic=True,
)
def eum_forecast(
    capability: np.ndarray, position: np.ndarray, salience: np.ndarray, *,
    readout: EUMReadout = "median", **options: Any,
) -> ForecastResult:
    """Forecast each issue as the weighted median of positions after ``rounds`` rounds.

    ``options`` are :func:`eum_rounds`'s keywords (its signature holds the defaults, which
    reproduce Scholz et al. 2011, Table 2; see docs/explanation/eum.md):

    - ``rounds``: rounds to play (no published stopping rule; Scholz report 8).
    - ``Q``: probability of the status quo when i does not challenge (1.0 for the 1994 case;
      0.5 elsewhere). ``T``: 0/1 or a probability that, without a challenge, j's move to the
      reference point helps i; ``"auto"``: 1 iff |x_i − μ| < |x_i − x_j|. Irrelevant at Q = 1.
    - ``denominator``: win probability over this pair's votes (``"pair"``, as printed) or over
      all pairs' votes (``"all_pairs"``, as in the program behind Table 2).
    - ``vote_risk``: in the second pass, votes use each voter's risk exponent.
    - ``perspective``: ``"receiver"``, both EUs of an offer to i use i's exponent (Scholz's
      program); ``"own"``, E^j(U_ji) uses j's exponent.
    - ``security``: S_i sums the EUs of others challenging i (``"challengers"``) or of i
      challenging others (``"own_challenges"``).
    - ``conflict``: the loser of a conflict moves to the winner (``"move"``) or no one moves.
    - ``compel``: whether compel offers (a < 0 < b, |a| ≥ b) are made (figure 6).
    - ``selection``: which offer an actor accepts. Kinds ranked conflict, compromise, compel,
      then: ``"scholz_code"`` least movement, except compromises by the lowest EU-weighted point
      (|a| x_i + |b| x_j)/(|a| + |b|) (Scholz's program); ``"type"`` least movement;
      ``"type_credible"`` highest proposer EU, then least movement. Or, whatever the kind,
      ``"least"`` least movement; ``"credible"`` highest proposer EU, then least movement.
      Remaining ties go to the lowest actor index.
    - ``reference``: the point j is expected to drift to without a challenge (U_b, U_w).
    - ``fixed_range``: Δ = x_max − x_min from the input (True) or from each round's positions.
    - ``median_tie``: Condorcet-winner tie rule for the median (see ``central.py``).
    - ``readout``: how the final positions become the forecast: ``"median"``, the capability ×
      salience weighted median (Bueno de Mesquita's forecast); ``"mean"``, their weighted mean
      (the compromise of the positions after the challenges, the other series of Scholz et
      al.'s Table 2).

    ``outcome`` (N, I) is the final weighted median (or mean); ``path`` (N, R, I) the same after
    each round; use :func:`eum_rounds` for positions and both series. ``params`` is a typed
    :class:`~.params.EUMParams` holding every option (defaults included) and ``readout``:
    ``eum_forecast(c, x, s, **result.params.to_dict())`` gives the same numbers.

    >>> import numpy as np
    >>> c = np.array([[1.0, 1.0, 1.0]]); x = np.array([[[0.0], [0.5], [1.0]]])
    >>> eum_forecast(c, x, np.full((1, 3, 1), 0.5), rounds=3).outcome.shape
    (1, 1)
    """
    if readout not in ("median", "mean"):
        raise ValueError(f"readout must be 'median' or 'mean'; got {readout!r}")
    out = eum_rounds(capability, position, salience, **options)
    series = out.median if readout == "median" else out.mean
    params = EUMParams(**out.params.to_dict(), readout=readout)
    return ForecastResult("eum", params, series[:, -1, :], series[:, 1:, :], out.trail,
                          positions=out.positions[:, 1:].astype(np.float32))
