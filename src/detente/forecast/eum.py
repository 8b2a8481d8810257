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
``docs/explanation/eum.md``). All arithmetic is vectorised over draws and issues (issues are
folded into the batch axis); only the rounds are a Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .central import weighted_median
from .registry import ForecastResult, register

__all__ = [
    "EUMRounds",
    "eum_forecast",
    "eum_rounds",
    "offer_kinds",
    "prevail_probability",
    "risk_exponents",
]

# offer kinds, in the order an offer's receiver prefers them under ``selection="type"``
NONE, CONFLICT, COMPROMISE, COMPEL = 0, 1, 2, 3
_CHUNK = 1 << 21  # elements per block of the pairwise-vote tensor (16 MiB of float64)
KIND_NAMES = {CONFLICT: "conflict", COMPROMISE: "compromise", COMPEL: "compel"}

_CHOICES = {
    "denominator": ("all_pairs", "pair"),
    "perspective": ("receiver", "own"),
    "security": ("challengers", "own_challenges"),
    "conflict": ("move", "none"),
    "selection": ("type", "type_credible", "scholz_code", "least", "credible"),
    "reference": ("median", "mean"),
    "median_tie": ("lower", "midpoint"),
}


@dataclass(frozen=True, eq=False)
class EUMRounds:
    """Every round of a run: positions (N, R+1, A, I) with round 0 the input, and the
    capability × salience weighted median and mean of the positions after each round,
    ``median`` and ``mean`` (N, R+1, I), round 0 included."""

    positions: np.ndarray
    median: np.ndarray
    mean: np.ndarray
    params: dict[str, Any]
    trail: tuple[dict[str, Any], ...] = ()


# --------------------------------------------------------------------------- pieces
def _weighted_median(w: np.ndarray, x: np.ndarray, tie: str) -> np.ndarray:
    """Condorcet winner among positions under linear-loss votes = the w-weighted median
    (``w``, ``x``: (B, A)); see :func:`detente.forecast.central.weighted_median`."""
    return weighted_median(w, x, tie=tie)


def _weighted_mean(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    tot = w.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, (w * x).sum(axis=-1) / tot, np.nan)


def prevail_probability(
    w: np.ndarray, x: np.ndarray, delta: np.ndarray, r: np.ndarray | None = None,
    *, denominator: str = "all_pairs", active: np.ndarray | None = None,
) -> np.ndarray:
    """P[b, i, j]: probability that i prevails over j, from every actor's weighted vote.

    Actor k with weight w_k = c_k s_k votes a_k = (|x_k − x_j|/Δ)^{r_k} − (|x_k − x_i|/Δ)^{r_k}
    (> 0 when k prefers x_i); ``r=None`` means r_k = 1. The numerator is Σ_{k: a_k > 0} w_k a_k.
    ``denominator="pair"`` divides by Σ_k w_k |a_k| (Scholz et al. eq. 30, so P_ij + P_ji = 1);
    ``"all_pairs"`` divides by the total Σ_{k,m,n} w_k |a_k(m, n)| of such votes over every
    ordered pair of actors (m, n), as in the program that produced Scholz et al.'s Table 2 (read
    from its open re-implementation; the probabilities of one pair then sum to less than 1).
    A zero denominator (all positions equal, or no weight) gives P = 1/2. Pairs involving an
    actor that takes no part (``active`` False: no salience on the issue) do not count in the
    ``"all_pairs"`` total, so an absent actor changes nothing.

    >>> import numpy as np
    >>> w = np.array([[1.0, 1.0, 2.0]]); x = np.array([[0.0, 1.0, 0.25]])
    >>> p = prevail_probability(w, x, np.array([1.0]), denominator="pair")
    >>> round(float(p[0, 0, 1]), 4), round(float(p[0, 1, 0]), 4)
    (0.6667, 0.3333)
    """
    if denominator not in _CHOICES["denominator"]:
        raise ValueError(f"denominator must be one of {_CHOICES['denominator']}")
    d = np.abs(x[:, :, None] - x[:, None, :]) / delta[:, None, None]  # (B, k, m)
    if r is not None:
        d = d ** r[:, :, None]
    # a[b, k, i, j] = d[k, j] - d[k, i]; num[i, j] = Σ_k w_k max(a, 0); Σ_k w_k|a| = num + numᵀ.
    # The (B, A, A, A) votes are built in batch chunks of at most _CHUNK elements.
    n_b, n_a = d.shape[:2]
    num = np.empty((n_b, n_a, n_a))
    step = max(1, _CHUNK // max(1, n_a**3))
    for lo in range(0, n_b, step):
        dd = d[lo:lo + step]
        a = dd[:, :, None, :] - dd[:, :, :, None]
        np.maximum(a, 0.0, out=a)
        a *= w[lo:lo + step, :, None, None]
        # an in-order sum over voters: the same bits whatever the batch size
        num[lo:lo + step] = a.sum(axis=1)
    if denominator == "pair":
        den = num + np.swapaxes(num, 1, 2)
    else:
        if active is not None:
            both = active[:, :, None] & active[:, None, :]
            tot = np.where(both, num, 0.0).sum(axis=(1, 2))
        else:
            tot = num.sum(axis=(1, 2))
        den = np.broadcast_to(2.0 * tot[:, None, None], num.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.5)


def _utility(z: np.ndarray, rho: np.ndarray) -> np.ndarray:
    return 2.0 - 4.0 * np.power(np.clip(z, 0.0, 1.0), rho)


def _expected_utility(
    p: np.ndarray, s: np.ndarray, x: np.ndarray, mu: np.ndarray, delta: np.ndarray,
    rho: np.ndarray, q: float, t: float | str,
) -> np.ndarray:
    """E[b, i, j] = expected utility of i challenging j, utilities with exponent rho[b, i, j].

    E = s_j [P_ij U_s + (1 − P_ij) U_f] + (1 − s_j) U_s − Q U_sq − (1 − Q)[T U_b + (1 − T) U_w]
    """
    dij = np.abs(x[:, :, None] - x[:, None, :]) / delta[:, None, None]
    u_s = _utility(0.5 - 0.5 * dij, rho)
    u_f = _utility(0.5 + 0.5 * dij, rho)
    u_sq = _utility(np.full_like(dij, 0.5), rho)
    sj = s[:, None, :]
    e = sj * (p * u_s + (1.0 - p) * u_f) + (1.0 - sj) * u_s - q * u_sq
    if q != 1.0:
        dim = (np.abs(x - mu[:, None]) / delta[:, None])[:, :, None]  # |x_i − μ| / Δ
        u_b = _utility(0.5 - 0.25 * (dim + dij), rho)
        u_w = _utility(0.5 + 0.25 * (dim + dij), rho)
        # T = 1 when j's expected move to the reference point helps i: |x_i − μ| < |x_i − x_j|
        tt = (dim < dij).astype(float) if t == "auto" else float(t)
        e = e - (1.0 - q) * (tt * u_b + (1.0 - tt) * u_w)
    return e


def risk_exponents(security: np.ndarray, active: np.ndarray | None = None) -> np.ndarray:
    """r_i = (1 − R_i/3)/(1 + R_i/3) with R_i = (2 S_i − max S − min S)/(max S − min S).

    ``security`` is (B, A), the sum of expected utilities of challenges around actor i (the
    higher, the more threatened i is). The most threatened actor gets R = 1, r = 1/2 (risk
    averse), the least threatened R = −1, r = 2 (risk acceptant). max and min run over the
    ``active`` actors; when all are equal, R = 0 and r = 1.

    >>> import numpy as np
    >>> risk_exponents(np.array([[0.0, 1.0, 2.0]])).round(3).tolist()
    [[2.0, 1.0, 0.5]]
    """
    if active is None:
        active = np.ones(security.shape, dtype=bool)
    hi = np.where(active, security, -np.inf).max(axis=-1, keepdims=True)
    lo = np.where(active, security, np.inf).min(axis=-1, keepdims=True)
    span = hi - lo
    ok = np.isfinite(span) & (span > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        big_r = np.where(ok, (2.0 * security - hi - lo) / np.where(ok, span, 1.0), 0.0)
    big_r = np.where(active, np.clip(big_r, -1.0, 1.0), 0.0)
    return (1.0 - big_r / 3.0) / (1.0 + big_r / 3.0)


def offer_kinds(a: np.ndarray, b: np.ndarray, *, conflict: str = "move") -> tuple[np.ndarray, np.ndarray]:
    """Classify offers to a receiver i from a proposer j by a = E^i(U_ij), b = E^j(U_ji).

    Returns (kind, fraction): the kind code and the fraction of the way from x_i to x_j that
    i moves if it accepts. Both positive with b > a: i loses the conflict and moves to x_j
    (``conflict="none"``: conflicts move no one). a < 0 < b: j has the upper hand; with
    b > |a| a compromise, i moving the fraction |a/b| of the way; with |a| ≥ b i is compelled
    all the way. Otherwise (both negative, a ≥ b, or a zero EU) no offer.

    >>> import numpy as np
    >>> k, f = offer_kinds(np.array([0.2, -0.1, -0.5, -0.1, 0.5]), np.array([0.4, 0.4, 0.4, -0.2, 0.1]))
    >>> k.tolist(), f.round(2).tolist()
    ([1, 2, 3, 0, 0], [1.0, 0.25, 1.0, 0.0, 0.0])
    """
    conflict_ok = (a > 0) & (b > a) if conflict == "move" else np.zeros(np.shape(a), dtype=bool)
    upper = (a < 0) & (b > 0)
    compromise = upper & (b > -a)
    compel = upper & ~compromise
    kind = np.where(conflict_ok, CONFLICT, np.where(compromise, COMPROMISE,
                    np.where(compel, COMPEL, NONE)))
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(compromise, -a / np.where(compromise, b, 1.0), 0.0)
    frac = np.where(conflict_ok | compel, 1.0, frac)
    return kind.astype(np.int8), frac


def _select(valid: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """Index along the last axis minimising the keys lexicographically among valid entries;
    remaining ties go to the lowest index. Rows with no valid entry give 0 (masked by caller)."""
    cand = valid
    for key in keys:
        k = np.where(cand, key, np.inf)
        cand = cand & (k == k.min(axis=-1, keepdims=True))
    return np.argmax(cand, axis=-1)


# --------------------------------------------------------------------------- one round
def _round(
    c: np.ndarray, s: np.ndarray, x: np.ndarray, delta: np.ndarray, active: np.ndarray,
    opts: dict[str, Any],
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """One round on (B, A) arrays: returns the new positions and the accepted offers."""
    w = c * s
    if opts["reference"] == "median":
        mu = _weighted_median(w, x, opts["median_tie"])
    else:
        mu = _weighted_mean(w, x)
    mu = np.where(np.isnan(mu), 0.0, mu)
    q, t = opts["Q"], opts["T"]
    n_act = x.shape[-1]
    pair = active[:, :, None] & active[:, None, :] & ~np.eye(n_act, dtype=bool)

    # pass 1: r = 1 everywhere; security and risk exponents
    p1 = prevail_probability(w, x, delta, None, denominator=opts["denominator"], active=active)
    ones = np.ones_like(p1)
    e1 = _expected_utility(p1, s, x, mu, delta, ones, q, t)  # e1[i, j]: i challenges j
    e1 = np.where(pair, e1, 0.0)
    if opts["security"] == "challengers":
        sec = e1.sum(axis=1)  # S_i = Σ_j E^j(U_ji)
    else:
        sec = e1.sum(axis=2)  # S_i = Σ_j E^i(U_ij)
    r = risk_exponents(sec, active)

    # pass 2: expected utilities with the risk exponents
    p2 = prevail_probability(w, x, delta, r if opts["vote_risk"] else None,
                             denominator=opts["denominator"], active=active)
    r_row = np.broadcast_to(r[:, :, None], p2.shape)  # rho[i, j] = r_i
    e_own = _expected_utility(p2, s, x, mu, delta, r_row, q, t)
    a = e_own  # a[i, j] = E^i(U_ij), i's own exponent in both readings
    if opts["perspective"] == "own":
        b = np.swapaxes(e_own, 1, 2)  # b[i, j] = E^j(U_ji) with r_j
    else:
        r_col = np.broadcast_to(r[:, None, :], p2.shape)  # rho[j, i] = r_i
        b = np.swapaxes(_expected_utility(p2, s, x, mu, delta, r_col, q, t), 1, 2)

    kind, frac = offer_kinds(a, b, conflict=opts["conflict"])
    if not opts["compel"]:
        kind = np.where(kind == COMPEL, NONE, kind).astype(np.int8)
    valid = pair & (kind != NONE) & (x[:, :, None] != x[:, None, :])
    # a full move lands exactly on the proposer's position (x_i + 1·(x_j − x_i) need not)
    target = np.where(frac == 1.0, x[:, None, :],
                      x[:, :, None] + frac * (x[:, None, :] - x[:, :, None]))
    move = np.abs(target - x[:, :, None])
    sel = opts["selection"]
    rank = kind.astype(float)
    if sel == "type":
        pick = _select(valid, rank, move)
    elif sel == "type_credible":
        pick = _select(valid, rank, -b, move)
    elif sel == "scholz_code":
        # Scholz's program (per its open re-implementation): conflicts and compels by least
        # movement, compromises by the lowest EU-weighted point (|a| x_i + |b| x_j)/(|a| + |b|)
        with np.errstate(invalid="ignore", divide="ignore"):
            wpt = (np.abs(a) * x[:, :, None] + np.abs(b) * x[:, None, :]) / (np.abs(a) + np.abs(b))
        pick = _select(valid, rank, np.where(kind == COMPROMISE, wpt, move))
    elif sel == "least":
        pick = _select(valid, move, rank)
    else:
        pick = _select(valid, -b, move)
    take = lambda m: np.take_along_axis(m, pick[:, :, None], axis=-1)[..., 0]
    moved = take(valid)
    new_x = np.where(moved, take(target), x)
    info = {"moved": moved, "proposer": pick, "kind": np.where(moved, take(kind), NONE),
            "eu_receiver": take(a), "eu_proposer": take(b), "risk": r, "median": mu}
    return new_x, info


def _options(**kw: Any) -> dict[str, Any]:
    for name, allowed in _CHOICES.items():
        if kw[name] not in allowed:
            raise ValueError(f"{name} must be one of {allowed}; got {kw[name]!r}")
    if not 0.0 <= float(kw["Q"]) <= 1.0:
        raise ValueError(f"Q must be within [0, 1]; got {kw['Q']!r}")
    if kw["T"] != "auto" and not 0.0 <= float(kw["T"]) <= 1.0:
        raise ValueError(f"T must be 'auto' or within [0, 1]; got {kw['T']!r}")
    if int(kw["rounds"]) < 0:
        raise ValueError(f"rounds must be >= 0; got {kw['rounds']!r}")
    kw["Q"] = float(kw["Q"])
    kw["T"] = kw["T"] if kw["T"] == "auto" else float(kw["T"])
    kw["rounds"] = int(kw["rounds"])
    kw["vote_risk"] = bool(kw["vote_risk"])
    kw["fixed_range"] = bool(kw["fixed_range"])
    kw["compel"] = bool(kw["compel"])
    return kw


# --------------------------------------------------------------------------- public API
def eum_rounds(
    capability: np.ndarray, position: np.ndarray, salience: np.ndarray, *,
    rounds: int = 8, Q: float = 1.0, T: float | str = "auto",
    denominator: str = "all_pairs", vote_risk: bool = True, perspective: str = "receiver",
    security: str = "challengers", conflict: str = "move", compel: bool = True,
    selection: str = "scholz_code",
    reference: str = "median", fixed_range: bool = True, median_tie: str = "lower",
    trail: bool = True,
) -> EUMRounds:
    """Run the model for ``rounds`` rounds and keep every round (see :func:`eum_forecast`).

    capability (N, A), position and salience (N, A, I). Returns positions (N, R+1, A, I) and
    the weighted median and mean (N, R+1, I) of each round, round 0 being the input.

    >>> import numpy as np
    >>> c = np.array([[1.0, 1.0, 1.0]]); x = np.array([[[0.0], [0.5], [1.0]]])
    >>> out = eum_rounds(c, x, np.full((1, 3, 1), 0.5), rounds=2)
    >>> out.positions.shape, out.median.shape
    ((1, 3, 3, 1), (1, 3, 1))
    """
    opts = _options(rounds=rounds, Q=Q, T=T, denominator=denominator, vote_risk=vote_risk,
                    perspective=perspective, security=security, conflict=conflict, compel=compel,
                    selection=selection, reference=reference, fixed_range=fixed_range,
                    median_tie=median_tie)
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
    trail_rows: list[dict[str, Any]] = []
    for rnd in range(1, opts["rounds"] + 1):
        if not opts["fixed_range"]:
            delta = span(x)
        x, info = _round(c, s, x, delta, active, opts)
        xs.append(x)
        if trail:
            trail_rows.extend(_trail_rows(rnd, info, xs[-2], x, n_iss))
    allx = np.stack(xs, axis=1)  # (B, R+1, A)
    med = _weighted_median(np.broadcast_to(w[:, None, :], allx.shape), allx, opts["median_tie"])
    mean = _weighted_mean(w[:, None, :], allx)
    fold = lambda m: np.moveaxis(m.reshape(n, n_iss, *m.shape[1:]), 1, -1)
    opts.pop("rounds")
    params = {"rounds": len(xs) - 1, **opts}
    return EUMRounds(fold(allx), fold(med), fold(mean), params, tuple(trail_rows))


def _trail_rows(rnd: int, info: dict[str, np.ndarray], before: np.ndarray, after: np.ndarray,
                n_iss: int) -> list[dict[str, Any]]:
    """Explanation records for draw 0 (batch rows 0 … I−1): one per actor that moved."""
    rows = []
    for issue in range(n_iss):
        for i in np.flatnonzero(info["moved"][issue]):
            rows.append({
                "round": rnd, "issue": issue, "actor": int(info["proposer"][issue, i]),
                "target": int(i), "kind": KIND_NAMES[int(info["kind"][issue, i])],
                "eu_actor": round(float(info["eu_proposer"][issue, i]), 6),
                "eu_target": round(float(info["eu_receiver"][issue, i]), 6),
                "from": round(float(before[issue, i]), 6),
                "moves_to": round(float(after[issue, i]), 6),
                "risk_target": round(float(info["risk"][issue, i]), 6),
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
    readout: str = "median", **options: Any,
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
    each round; use :func:`eum_rounds` for positions and both series.

    >>> import numpy as np
    >>> c = np.array([[1.0, 1.0, 1.0]]); x = np.array([[[0.0], [0.5], [1.0]]])
    >>> eum_forecast(c, x, np.full((1, 3, 1), 0.5), rounds=3).outcome.shape
    (1, 1)
    """
    if readout not in ("median", "mean"):
        raise ValueError(f"readout must be 'median' or 'mean'; got {readout!r}")
    out = eum_rounds(capability, position, salience, **options)
    series = out.median if readout == "median" else out.mean
    params = {**out.params, "readout": readout}
    return ForecastResult("eum", params, series[:, -1, :], series[:, 1:, :], out.trail,
                          positions=out.positions[:, 1:].astype(np.float32))
