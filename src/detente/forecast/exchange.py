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

from itertools import combinations
from typing import Any

import numpy as np

from .registry import ForecastResult, register

__all__ = ["exchange_forecast"]

_CHUNK_CELLS = 2_000_000  # draws × candidates evaluated at once (bounds memory)


class _Structure:
    """Candidate exchanges (actor pair × issue pair) and, per (actor, issue), those involving it."""

    def __init__(self, n_actors: int, n_issues: int) -> None:
        pairs = list(combinations(range(n_actors), 2))
        ipairs = list(combinations(range(n_issues), 2))
        cand = [(i, j, p, q) for (p, q) in ipairs for (i, j) in pairs]
        arr = np.array(cand, dtype=np.intp).reshape(-1, 4)
        self.i, self.j, self.p, self.q = arr.T
        self.n = len(cand)
        k = (n_actors - 1) * (n_issues - 1)
        table = np.zeros((n_actors, n_issues, max(k, 1)), dtype=np.intp)
        for a in range(n_actors):
            for u in range(n_issues):
                hit = ((self.i == a) | (self.j == a)) & ((self.p == u) | (self.q == u))
                table[a, u, : hit.sum()] = np.flatnonzero(hit)
        self.table = table  # (A, I, K)


def _nbs(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Weighted mean per draw and issue; w already normalised (sums to 1 or 0 over actors)."""
    return (w * x).sum(axis=1)


def _evaluate(st: _Structure, row: np.ndarray, idx: np.ndarray, rs: dict[str, Any],
              nbs_cap: bool, min_gain: float) -> dict[str, np.ndarray]:
    """Evaluate candidates ``idx`` of draws ``row`` (same shapes) in the round state ``rs``."""
    n_act, n_iss = rs["shape"]
    base = row * (n_act * n_iss)
    ci, cj, cp, cq = st.i[idx], st.j[idx], st.p[idx], st.q[idx]
    f_ip, f_iq = base + ci * n_iss + cp, base + ci * n_iss + cq
    f_jp, f_jq = base + cj * n_iss + cp, base + cj * n_iss + cq
    sal, left0 = rs["sal"], rs["left0"]
    s_ip, s_iq, s_jp, s_jq = sal[f_ip], sal[f_iq], sal[f_jp], sal[f_jq]
    ok = (s_ip > 0) & (s_iq > 0) & (s_jp > 0) & (s_jq > 0)
    ok &= (left0[f_ip] != left0[f_jp]) & (left0[f_iq] != left0[f_jq])
    # a = demander of p (supplier of q), b = supplier of p (demander of q)
    i_dem = s_ip * s_jq >= s_jp * s_iq
    a, b = np.where(i_dem, ci, cj), np.where(i_dem, cj, ci)
    f_ap, f_aq = np.where(i_dem, f_ip, f_jp), np.where(i_dem, f_iq, f_jq)
    f_bp, f_bq = np.where(i_dem, f_jp, f_ip), np.where(i_dem, f_jq, f_iq)
    s_ap, s_aq, s_bp, s_bq = sal[f_ap], sal[f_aq], sal[f_bp], sal[f_bq]
    x0, xs, w = rs["x0"], rs["xs"], rs["w"]
    tgt_p, tgt_q = x0[f_ap], x0[f_bq]                    # partners' (start) positions
    dir_p = np.sign(tgt_p - x0[f_bp])                    # b moves on p towards a
    dir_q = np.sign(tgt_q - x0[f_aq])                    # a moves on q towards b
    dist_p = (tgt_p - xs[f_bp]) * dir_p
    dist_q = (tgt_q - xs[f_aq]) * dir_q
    w_bp, w_aq = w[f_bp], w[f_aq]
    with np.errstate(divide="ignore", invalid="ignore"):
        k = (s_ap + s_bp) / (s_aq + s_bq)                # dq = k dp
        lim = np.minimum(np.maximum(dist_p, 0.0) * w_bp, np.maximum(dist_q, 0.0) * w_aq / k)
        if nbs_cap:
            # the NBS shift may not carry the NBS past the partner's position (decide's
            # check_nbs); the NBS counts the round's start positions, the mover's own current
            # position and earlier moves on this issue towards the same partner
            for mover, f_m, f_partner, tgt, d, scale in (
                (b, f_bp, f_ap, tgt_p, dir_p, 1.0), (a, f_aq, f_bq, tgt_q, dir_q, k)):
                toward_self = rs["toward"][(f_partner - base) * n_act + mover + base * n_act]
                nbs_before = (rs["nbs0"][base // n_act + (f_m - base) % n_iss]
                              + rs["shift_to"][f_partner]
                              + np.where(toward_self, 0.0, rs["own"][f_m]))
                room = (tgt - nbs_before) * d
                lim = np.minimum(lim, np.where(room > 0, room, np.inf) / scale)
        dp = np.where(ok, lim, 0.0)
        dq = k * dp
        move_b = np.where(ok, dp / w_bp, 0.0) * dir_p
        move_a = np.where(ok, dq / w_aq, 0.0) * dir_q
        gain = np.where(ok, dp * (s_ap * s_bq - s_aq * s_bp) / (s_aq + s_bq), 0.0)
    tol = 1e-12
    valid = (ok & (dist_p > tol) & (dist_q > tol) & (np.abs(move_a) > tol)
             & (np.abs(move_b) > tol) & (gain > min_gain))
    return {"a": a, "b": b, "p": cp, "q": cq, "move_a": move_a, "move_b": move_b,
            "gain": gain, "valid": valid}


def _refresh(rs: dict[str, Any]) -> None:
    """Derived state: each actor's own NBS shift and the NBS shift towards each actor."""
    own = rs["w3"] * (rs["xs3"] - rs["x03"])                          # (n, A, I)
    shift_to = np.einsum("nkbu,nku->nbu", rs["toward4"], own)          # (n, A, I)
    rs["own"] = own.reshape(-1)
    rs["shift_to"] = shift_to.reshape(-1)


def _round(st: _Structure, sal: np.ndarray, w: np.ndarray, x0: np.ndarray, *, nbs_cap: bool,
           tie_tol: float, min_gain: float, move_budget: float | None, want_trail: bool
           ) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """One round for a chunk of draws: returns the final voting positions and draw 0's trail."""
    n, n_act, n_iss = x0.shape
    nbs0 = _nbs(w, x0)
    xs3 = x0.copy()
    toward4 = np.zeros((n, n_act, n_act, n_iss))   # [k, b, u]: k moved on u towards b
    rs: dict[str, Any] = {
        "shape": (n_act, n_iss), "x3": x0, "x03": x0, "xs3": xs3, "w3": w,
        "toward4": toward4, "sal": sal.reshape(-1), "w": w.reshape(-1), "x0": x0.reshape(-1),
        "xs": xs3.reshape(-1), "nbs0": nbs0.reshape(-1),
        "left0": (x0 < nbs0[:, None, :]).reshape(-1),
        # toward, flat over (n, b, u, k) so that one index picks "k moved towards b on u"
        "toward": np.moveaxis(toward4, 1, 3).reshape(-1),
    }
    _refresh(rs)
    rows = np.arange(n)
    trail: list[dict[str, Any]] = []
    gain = np.full((n, st.n), -np.inf)                      # -inf: not (or no longer) possible
    # decide's bookkeeping of each candidate's planned moves (a on q, b on p), see move_budget:
    # columns sum_a, last_a, sum_b, last_b
    book = np.zeros((n, st.n, 4))
    if st.n == 0:
        return xs3, trail
    # candidates: both actors salient on both issues and on opposite sides of the NBS on both
    sal3, left3 = sal, x0 < nbs0[:, None, :]
    elig = np.ones((n, st.n), dtype=bool)
    for u in (st.p, st.q):
        elig &= (sal3[:, st.i, u] > 0) & (sal3[:, st.j, u] > 0)
        elig &= left3[:, st.i, u] != left3[:, st.j, u]
    er, ec = np.nonzero(elig)
    ev = _evaluate(st, er, ec, rs, nbs_cap, min_gain)
    gain[er, ec] = np.where(ev["valid"], ev["gain"], -np.inf)
    book[er, ec] = np.stack([ev["move_a"], ev["move_a"], ev["move_b"], ev["move_b"]], axis=-1)
    # roles fixed for the round: True where candidate's actor i demands p
    i_dem = np.zeros((n, st.n), dtype=bool)
    i_dem[er, ec] = ev["a"] == st.i[ec]
    del ev, elig, er, ec
    while True:
        best = gain.max(axis=1)
        active = best > min_gain
        if not active.any():
            break
        # tie rule: first candidate (fixed order) within a relative tie_tol of the best gain
        pick = np.argmax(gain >= (best * (1.0 - tie_tol))[:, None], axis=1)
        r = rows[active]
        pk = pick[active]
        e = _evaluate(st, r, pk, rs, nbs_cap, min_gain)
        gain[r, pk] = -np.inf
        a, b, p, q = e["a"], e["b"], e["p"], e["q"]
        v = e["valid"]
        xs3[r, b, p] += np.where(v, e["move_b"], 0.0)
        xs3[r, a, q] += np.where(v, e["move_a"], 0.0)
        toward4[r, b, a, p] = np.maximum(toward4[r, b, a, p], v)
        toward4[r, a, b, q] = np.maximum(toward4[r, a, b, q], v)
        rs["toward"] = np.moveaxis(toward4, 1, 3).reshape(-1)
        _refresh(rs)
        if want_trail and active[0] and v[0]:
            trail.append({"actor": int(a[0]), "partner": int(b[0]), "issue_gives": int(q[0]),
                          "issue_gets": int(p[0]), "moves_to": float(xs3[0, a[0], q[0]]),
                          "partner_moves_to": float(xs3[0, b[0], p[0]]),
                          "gain": float(e["gain"][0])})
        # recompute the candidates affected by the executed exchange: those where a mover is an
        # executed mover on the same issue (its position changed), or where an actor demands the
        # issue an executed actor demanded (the NBS it may not be pushed past has moved)
        aff = np.concatenate([st.table[a, p], st.table[a, q], st.table[b, p], st.table[b, q]],
                             axis=1)
        rr = r[:, None]
        alive = gain[rr, aff] > -np.inf
        idem = i_dem[rr, aff]
        ci, cj, cp, cq = st.i[aff], st.j[aff], st.p[aff], st.q[aff]
        na, nb = np.where(idem, ci, cj), np.where(idem, cj, ci)
        ea, eb, ep, eq = a[:, None], b[:, None], p[:, None], q[:, None]
        sup_a = ((na == ea) & (cq == eq)) | ((na == eb) & (cq == ep))
        sup_b = ((nb == ea) & (cp == eq)) | ((nb == eb) & (cp == ep))
        dem = (((nb == eb) & (cq == eq)) | ((na == eb) & (cp == eq))
               | ((nb == ea) & (cq == ep)) | ((na == ea) & (cp == ep)))
        trig = (sup_a | sup_b | dem) & alive
        ti, tj = np.nonzero(trig)
        if len(ti) == 0:
            continue
        tr, tc = r[ti], aff[ti, tj]
        # the same candidate can be listed twice (it shares two (actor, issue) cells): dedupe
        _, first = np.unique(tr * st.n + tc, return_index=True)
        tr, tc = tr[first], tc[first]
        sa, sb = sup_a[ti, tj][first], sup_b[ti, tj][first]
        ev = _evaluate(st, tr, tc, rs, nbs_cap, min_gain)
        bk = book[tr, tc]
        new_sa = np.where(sa, bk[:, 0], bk[:, 0] - bk[:, 1]) + ev["move_a"]
        new_sb = np.where(sb & ~sa, bk[:, 2], bk[:, 2] - bk[:, 3]) + ev["move_b"]
        ok = ev["valid"]
        if move_budget is not None:
            ok = ok & (new_sa <= move_budget) & (new_sb <= move_budget)
        gain[tr, tc] = np.where(ok, ev["gain"], -np.inf)
        book[tr, tc] = np.stack([new_sa, ev["move_a"], new_sb, ev["move_b"]], axis=-1)
    return xs3, trail


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
    0–100 scale multiplies them by 100).

    >>> import numpy as np
    >>> c = np.ones((1, 2)); x = np.array([[[0.0, 1.0], [1.0, 0.0]]])
    >>> s = np.array([[[0.9, 0.3], [0.3, 0.9]]])
    >>> r = exchange_forecast(c, x, s, rounds=1)
    >>> r.path[0, 0].round(3).tolist(), r.trail[0]["gain"] > 0
    ([0.25, 0.25], True)
    """
    if rounds < 0:
        raise ValueError("rounds must be >= 0")
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
    trail: list[dict[str, Any]] = []
    step = max(1, _CHUNK_CELLS // max(st.n, 1))
    for lo in range(0, n, step):
        sl = slice(lo, min(n, lo + step))
        xc, sc, wc = x[sl].copy(), sal[sl], w[sl]
        for r in range(1, rounds + 1):
            y, tr = _round(st, sc, wc, xc, nbs_cap=nbs_cap, tie_tol=tie_tol,
                           min_gain=min_gain, move_budget=move_budget,
                           want_trail=lo == 0)
            trail.extend({"round": r, **t} for t in tr)
            xc = xc + (fixed_weight + salience_weight * (1.0 - sc)) * (y - xc)
            path[sl, r] = _nbs(wc, xc)
    path = np.where(tot > 0, path, np.nan)
    params = {"rounds": rounds, "fixed_weight": fixed_weight, "salience_weight": salience_weight,
              "nbs_cap": nbs_cap, "move_budget": move_budget, "tie_tol": tie_tol, "min_gain": min_gain}
    return ForecastResult("exchange", params, path[:, -1].copy(), path, tuple(trail))
