"""Stokman & Van Oosten's exchange model, Equal Gain solution: cross-issue vote trading.

Actors trade influence across pairs of issues: each concedes (moves its voting
position) on the issue it cares less about, in return for the partner's
concession on the issue it cares more about. The outcome per issue is the
capability × salience weighted mean of the positions (the model's "Nash
bargaining solution", NBS). Stokman & Van Oosten (1994); the Equal Gain
solution of Dijkstra, van Assen, Stokman & Draaijer (2018) as implemented in the
open-source *decide* model. See ``docs/explanation/exchange-model.md``.

The rules, per round and per draw (positions normalised to [0, 1]):

1. ``O_d = Σ c s x / Σ c s`` on the round's start positions; weight ``w_id = c_i s_id / Σ c s``.
2. Candidates: actors i, j and issues p < q with i, j on opposite sides of ``O`` on both issues
   ("left" is strictly below ``O``) and both salient (s > 0) on both issues. The actor with the
   larger relative salience ``s_p / s_q`` (i when equal) *demands* p and *supplies* q.
3. Equal gain: the supplier of p moves all the way to the demander's position (NBS shift
   ``dp = |Δx| w``), the demander moves on q so that ``dq = dp (s_ip + s_jp) / (s_iq + s_jq)``;
   if that overshoots the partner's position on q, roles swap (full move on q). A move is also
   capped so that it does not push the issue's NBS past the partner's position (the NBS counting
   the mover's own earlier moves and earlier moves towards the same partner on that issue). Both
   gain ``dp s_ip − dq s_iq = dq s_jq − dp s_jp``.
4. Exchanges execute one at a time, highest gain first; exchanges sharing an (actor, issue) with
   an executed one are recomputed from the new positions and dropped when no longer profitable
   (or when the mover has passed its partner). Tie rule: among gains equal to within a relative
   ``tie_tol`` the first in the fixed candidate order wins — issue pairs (p, q) in lexicographic
   order, then actor pairs (i, j) in lexicographic order (actor and issue indices).
5. Next round every actor restarts on each issue from ``x + f (y − x)``, x its start position, y
   its final voting position, ``f = fixed_weight + salience_weight (1 − s)``.
"""

from __future__ import annotations

import numpy as np

from .exchange_round import _round
from .exchange_state import _nbs, _Structure
from .params import ExchangeParams
from .registry import ForecastResult, register
from .trail import ExchangeStep

__all__ = ["ExchangeParams", "exchange_forecast"]

_CHUNK_CELLS = 120_000  # draws × candidates held at once (cache-sized; bounds memory)


@register(
    "exchange",
    title="Exchange model (Stokman & Van Oosten, Equal Gain)",
    summary=(
        "Actors trade concessions across pairs of issues (each gives on the issue it cares less "
        "about, with equal expected gains), round after round; the outcome is the capability × "
        "salience weighted mean of the resulting positions — the model of a 'big deal'."
    ),
    references=(
        ("Stokman, F. N. & Van Oosten, R. (1994). The exchange of voting positions: an "
         "object-oriented model of policy networks. In Bueno de Mesquita & Stokman (eds), "
         "European Community Decision Making, ch. 5. Yale UP."),
        ("Dijkstra, J., van Assen, M. A. L. M., Stokman, F. N. & Draaijer, J. (2018). The Equal "
         "Gain solution of the exchange model; open-source implementation: "
         "github.com/foarsitter/decide-exchange-model."),
        ("Stokman, F. N. & Thomson, R. (2004). Winners and losers in the European Union. "
         "European Union Politics 5(1)."),
    ),
    dynamic=True,
)
def exchange_forecast(
    capability: np.ndarray, position: np.ndarray, salience: np.ndarray, *,
    rounds: int = 10, fixed_weight: float = 0.1, salience_weight: float = 0.4,
    nbs_cap: bool = True, move_budget: float | None = 1.0, tie_tol: float = 1e-9,
    min_gain: float = 1e-12,
) -> ForecastResult:
    """Run the Equal Gain exchange model for every draw.

    capability (N, A) (or (N, A, I) per issue), position and salience (N, A, I), positions
    in [0, 1]. Returns the outcome (N, I) after ``rounds`` rounds, the path (N, rounds + 1, I)
    of the NBS at the start of each round (0 = initial weighted mean, then after each round's
    restart), and draw 0's executed exchanges as the trail (gains in normalised units: a
    0–100 scale multiplies them by 100). ``params`` is a typed :class:`~.params.ExchangeParams`:
    ``exchange_forecast(c, x, s, **result.params.to_dict())`` gives the same numbers.

    Two defaults depart from the model as published (Stokman & Van Oosten 1994): both are rules
    of *decide*, the open-source Equal Gain program whose runs detente reproduces, kept because
    without them detente leaves decide's runs (docs/explanation/exchange-model.md):

    - ``nbs_cap=True``: a move may not carry the issue's outcome past the partner's position.
      The equal-gain arithmetic values a shift of the outcome by its length times salience,
      which holds only while the outcome moves towards the demander; past the demander's
      position the shift would cost it, so the cap keeps the gains what they claim to be.
      With ``nbs_cap=False`` the two decide cases leave decide's spread (toll case from
      round 4, Copenhagen from round 3).
    - ``move_budget=1.0``: an exchange recomputed after another executed is dropped when the
      moves planned for one of its movers sum (signed) to more than 1.0 (decide's 100 on its
      0–100 scale; None: no budget). It is decide's bookkeeping, not a rule of the model;
      without it the toll case leaves decide's spread from round 3 and Copenhagen from round 1.

    >>> import numpy as np
    >>> c = np.ones((1, 2)); x = np.array([[[0.0, 1.0], [1.0, 0.0]]])
    >>> s = np.array([[[0.9, 0.3], [0.3, 0.9]]])
    >>> r = exchange_forecast(c, x, s, rounds=1)
    >>> r.path[0, 0].round(3).tolist(), r.trail[0]["gain"] > 0
    ([0.25, 0.25], True)
    """
    params = ExchangeParams(rounds, fixed_weight, salience_weight, nbs_cap, move_budget, tie_tol,
                            min_gain)  # checks and normalises them
    rounds = params.rounds
    x = np.asarray(position, dtype=float)
    sal = np.asarray(salience, dtype=float)
    cap = np.asarray(capability, dtype=float)
    if cap.ndim == 2:
        cap = cap[:, :, None]
    n, n_act, n_iss = x.shape
    raw = np.broadcast_to(cap * sal, x.shape)
    tot = raw.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(tot > 0, raw / tot, 0.0)
    st = _Structure(n_act, n_iss)
    path = np.empty((n, rounds + 1, n_iss))
    path[:, 0] = _nbs(w, x)
    moved = np.empty((n, rounds + 1, n_act, n_iss), dtype=np.float32)  # positions per round
    moved[:, 0] = x
    trail: list[ExchangeStep] = []
    step = max(1, _CHUNK_CELLS // max(st.n, 1))
    for lo in range(0, n, step):
        sl = slice(lo, min(n, lo + step))
        xc, sc, wc = x[sl].copy(), sal[sl], w[sl]
        for r in range(1, rounds + 1):
            y, tr = _round(st, sc, wc, xc, params, want_trail=lo == 0)
            for t in tr:
                t["round"] = r  # the inner round fills in 0 (it does not know which)
            trail.extend(tr)
            xc = xc + (params.fixed_weight + params.salience_weight * (1.0 - sc)) * (y - xc)
            path[sl, r] = _nbs(wc, xc)
            moved[sl, r] = xc
    path = np.where(tot > 0, path, np.nan)
    return ForecastResult("exchange", params, path[:, -1].copy(), path, tuple(trail),
                          positions=moved)
