"""What a forecast model was run with: one frozen, typed record per model.

Every :class:`~detente.forecast.registry.ForecastResult` carries its model's record in
``params``, with every keyword that changes a number; calling the model function with the
record's fields gives the same numbers again::

    eum_forecast(capability, position, salience, **result.params.to_dict())

A record checks its values when it is built (a ``ValueError`` naming the field and the values
allowed) and normalises them (``Q=1`` becomes ``1.0``). (No ``slots``: with ``frozen`` they
break ``super()`` and the error on setting an unknown attribute under Python 3.11.) It also reads as a read-only mapping
(``params["Q"]``, ``params.get("rounds")``, ``dict(params)``) for code written when the
parameters were a plain dict; ``to_dict()`` gives the JSON form, the same keys as that dict.

>>> p = EUMParams(Q=0.5, readout="mean")
>>> p.Q, p["denominator"], p.to_dict()["readout"]
(0.5, 'all_pairs', 'mean')
>>> EUMOptions(Q=2)
Traceback (most recent call last):
...
ValueError: Q must be within [0, 1]; got 2
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal, get_args

__all__ = [
    "CompromiseParams",
    "EUMOptions",
    "EUMParams",
    "ExchangeParams",
    "MedianParams",
    "ModelParams",
    "Record",
    "SMPOptions",
    "SMPParams",
]

# --- choices, as types (editors and type checkers) and as tuples (the checks) -------------------
MedianTie = Literal["lower", "midpoint"]
# the expected-utility model (docs/explanation/eum.md)
Denominator = Literal["all_pairs", "pair"]
Perspective = Literal["receiver", "own"]
Security = Literal["challengers", "own_challenges"]
ConflictRule = Literal["move", "none"]
Selection = Literal["type", "type_credible", "scholz_code", "least", "credible"]
Reference = Literal["median", "mean"]
EUMReadout = Literal["median", "mean"]
# KTAB's Spatial Model of Politics, KTAB's names (docs/explanation/smp.md)
VotingRule = Literal["Binary", "PropBin", "Proportional", "PropCbc", "Cubic", "ASymProsp"]
VictoryProbModel = Literal["Linear", "Square", "Quartic", "Octic", "Binary"]
PCEModel = Literal["Conditional"]
StateTransitions = Literal["Deterministic"]
BigRRange = Literal["Min", "Mid", "Max"]
BigRAdjust = Literal["Full", "TwoThirds", "Half", "OneThird", "None"]
ThirdPartyCommit = Literal["FullCommit", "SemiCommit", "NoCommit"]
InterVecBrgn = Literal["S1P1", "S2P2", "S2PMax"]
BargnModel = Literal["InitOnlyInterp"]
SalienceOverflow = Literal["rescale", "error"]
SMPReadout = Literal["pce", "mean"]

EUM_CHOICES: dict[str, tuple[str, ...]] = {
    "denominator": get_args(Denominator),
    "perspective": get_args(Perspective),
    "security": get_args(Security),
    "conflict": get_args(ConflictRule),
    "selection": get_args(Selection),
    "reference": get_args(Reference),
    "median_tie": get_args(MedianTie),
}
"""The expected-utility model's choices, in the order they are checked."""

SMP_CHOICES: dict[str, tuple[str, ...]] = {
    "voting_rule": get_args(VotingRule),
    "victory_prob_model": get_args(VictoryProbModel),
    "pce_model": get_args(PCEModel),
    "state_transitions": get_args(StateTransitions),
    "big_r_range": get_args(BigRRange),
    "big_r_adjust": get_args(BigRAdjust),
    "third_party_commit": get_args(ThirdPartyCommit),
    "inter_vec_brgn": get_args(InterVecBrgn),
    "bargn_model": get_args(BargnModel),
    "salience_overflow": get_args(SalienceOverflow),
}
"""The SMP's choices (KTAB's enumerations), in the order they are checked."""


def _set(record: object, name: str, value: Any) -> None:
    """Normalise a field of a frozen record while it is being built."""
    object.__setattr__(record, name, value)


@dataclass(frozen=True)
class Record(Mapping[str, Any]):
    """Base of frozen records that also read as a mapping of their fields (for code written
    when they were dicts); :meth:`to_dict` gives the JSON form."""

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict, in declaration order (the JSON ``params``)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def __getitem__(self, key: str) -> Any:
        if key in self._names():
            return getattr(self, key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(fields(self))

    def _names(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self))


@dataclass(frozen=True)
class ModelParams(Record):
    """Base of the forecast models' parameter records (``ForecastResult.params``)."""


# --- static models -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CompromiseParams(ModelParams):
    """The compromise model has no parameters."""


@dataclass(frozen=True)
class MedianParams(ModelParams):
    """The weighted median: ``tie``, which median when the weight below a position is exactly
    half (``"lower"`` end or ``"midpoint"``; :func:`detente.forecast.central.weighted_median`)."""

    tie: MedianTie = "lower"

    def __post_init__(self) -> None:
        if self.tie not in get_args(MedianTie):
            raise ValueError("tie must be 'lower' or 'midpoint'")


# --- the expected-utility model -------------------------------------------------------------------
@dataclass(frozen=True)
class EUMOptions(ModelParams):
    """The options of :func:`detente.forecast.eum.eum_rounds`; the defaults reproduce Scholz,
    Calbert & Smith (2011) Table 2 (docs/explanation/eum.md gives the reading behind each).

    ``rounds`` to play; ``Q`` the probability of the status quo without a challenge; ``T``
    whether j's drift to the reference point helps i (0/1, a probability, or ``"auto"``);
    ``denominator`` of the probability of prevailing (this pair's votes or all pairs');
    ``vote_risk``: votes use the voters' risk exponents; ``perspective``: whose exponent
    values an offer; ``security``: what S_i sums; ``conflict``: whether the loser moves;
    ``compel``: whether compel offers are made; ``selection``: which offer an actor accepts;
    ``reference``: the drift point (weighted median or mean); ``fixed_range``: Δ from the
    input; ``median_tie``: the median's tie rule.
    """

    rounds: int = 8
    Q: float = 1.0
    T: float | Literal["auto"] = "auto"
    denominator: Denominator = "all_pairs"
    vote_risk: bool = True
    perspective: Perspective = "receiver"
    security: Security = "challengers"
    conflict: ConflictRule = "move"
    compel: bool = True
    selection: Selection = "scholz_code"
    reference: Reference = "median"
    fixed_range: bool = True
    median_tie: MedianTie = "lower"

    def __post_init__(self) -> None:
        for name, allowed in EUM_CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}; got {getattr(self, name)!r}")
        if not 0.0 <= float(self.Q) <= 1.0:
            raise ValueError(f"Q must be within [0, 1]; got {self.Q!r}")
        if self.T != "auto" and not 0.0 <= float(self.T) <= 1.0:
            raise ValueError(f"T must be 'auto' or within [0, 1]; got {self.T!r}")
        if int(self.rounds) < 0:
            raise ValueError(f"rounds must be >= 0; got {self.rounds!r}")
        _set(self, "Q", float(self.Q))
        _set(self, "T", self.T if self.T == "auto" else float(self.T))
        _set(self, "rounds", int(self.rounds))
        _set(self, "vote_risk", bool(self.vote_risk))
        _set(self, "fixed_range", bool(self.fixed_range))
        _set(self, "compel", bool(self.compel))


@dataclass(frozen=True)
class EUMParams(EUMOptions):
    """The parameters of an ``eum`` forecast (:func:`detente.forecast.eum.eum_forecast`): the
    run's :class:`EUMOptions` and ``readout``, how the final positions become the forecast
    (``"median"``, Bueno de Mesquita's forecast, or ``"mean"``)."""

    readout: EUMReadout = "median"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.readout not in get_args(EUMReadout):
            raise ValueError(f"readout must be 'median' or 'mean'; got {self.readout!r}")

    @property
    def options(self) -> EUMOptions:
        """The options of the run (without ``readout``)."""
        return EUMOptions(**{k: v for k, v in self.to_dict().items() if k != "readout"})


# --- KTAB's Spatial Model of Politics -------------------------------------------------------------
@dataclass(frozen=True)
class SMPOptions(ModelParams):
    """The options of :func:`detente.forecast.smp.smp_run`: KTAB's parameters, with KTAB's names
    and defaults (``SMPModel`` in ``smp.h``; docs/explanation/smp.md).

    Stopping: ``max_turns``, ``min_turns``, ``stop_ratio``. Voting: ``voting_rule`` (how a
    utility difference becomes a vote), ``victory_prob_model`` (coalition strengths to a
    probability), ``pce_model``. Risk: ``big_r_range``, ``big_r_adjust``. Challenges and
    bargains: ``third_party_commit``, ``inter_vec_brgn``, ``bargn_model``,
    ``state_transitions``. Inputs: ``salience_overflow`` (detente's: an actor's saliences that
    sum to more than 1 are rescaled, or refused). ``voting_rule="Prop"`` is read as
    ``"Proportional"`` (KTAB's abbreviation).
    """

    max_turns: int = 100
    min_turns: int = 2
    stop_ratio: float = 0.02
    voting_rule: VotingRule = "Proportional"
    victory_prob_model: VictoryProbModel = "Linear"
    pce_model: PCEModel = "Conditional"
    state_transitions: StateTransitions = "Deterministic"
    big_r_range: BigRRange = "Mid"
    big_r_adjust: BigRAdjust = "OneThird"
    third_party_commit: ThirdPartyCommit = "SemiCommit"
    inter_vec_brgn: InterVecBrgn = "S2P2"
    bargn_model: BargnModel = "InitOnlyInterp"
    salience_overflow: SalienceOverflow = "rescale"

    def __post_init__(self) -> None:
        if self.max_turns < 1 or self.min_turns < 1:
            raise ValueError("max_turns and min_turns must be at least 1")
        if str(self.voting_rule) == "Prop":  # KTAB's short name
            _set(self, "voting_rule", "Proportional")
        for name, allowed in SMP_CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}; "
                                 f"got {getattr(self, name)!r}")
        _set(self, "max_turns", int(self.max_turns))
        _set(self, "min_turns", int(self.min_turns))
        _set(self, "stop_ratio", float(self.stop_ratio))


@dataclass(frozen=True)
class SMPParams(SMPOptions):
    """The parameters of an ``smp`` forecast (:func:`detente.forecast.smp.smp_forecast`): the
    run's :class:`SMPOptions` and ``readout`` (``"pce"``, KTAB's most probable position, or
    ``"mean"``, detente's compromise of the bargained positions)."""

    readout: SMPReadout = "pce"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.readout not in get_args(SMPReadout):
            raise ValueError(f"readout must be 'pce' or 'mean'; got {self.readout!r}")

    @property
    def options(self) -> SMPOptions:
        """The options of the run (without ``readout``)."""
        return SMPOptions(**{k: v for k, v in self.to_dict().items() if k != "readout"})


# --- the exchange model ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ExchangeParams(ModelParams):
    """The parameters of an ``exchange`` forecast (:func:`detente.forecast.exchange.
    exchange_forecast`; docs/explanation/exchange-model.md).

    ``rounds`` of exchange; the restart ``x + (fixed_weight + salience_weight (1 − s))(y − x)``;
    ``tie_tol``, the relative tolerance of tied gains; ``min_gain``, the smallest gain and move
    that count. Two defaults are rules of *decide*, the open-source Equal Gain program detente
    reproduces, not of the model as published (Stokman & Van Oosten 1994): ``nbs_cap=True`` (a
    move may not carry the issue's outcome past the partner's position) and ``move_budget=1.0``
    (a recomputed exchange is dropped once the moves planned for one mover sum to more than
    this; None: no budget). Without them detente leaves decide's runs; the reasons are in
    :func:`detente.forecast.exchange.exchange_forecast`.
    """

    rounds: int = 10
    fixed_weight: float = 0.1
    salience_weight: float = 0.4
    nbs_cap: bool = True
    move_budget: float | None = 1.0
    tie_tol: float = 1e-9
    min_gain: float = 1e-12

    def __post_init__(self) -> None:
        if self.rounds < 0:
            raise ValueError("rounds must be >= 0")
        _set(self, "rounds", int(self.rounds))
        _set(self, "fixed_weight", float(self.fixed_weight))
        _set(self, "salience_weight", float(self.salience_weight))
        _set(self, "nbs_cap", bool(self.nbs_cap))
        _set(self, "move_budget", None if self.move_budget is None else float(self.move_budget))
        _set(self, "tie_tol", float(self.tie_tol))
        _set(self, "min_gain", float(self.min_gain))
