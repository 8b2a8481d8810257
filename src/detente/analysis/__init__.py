"""``analyze()`` — the one pipeline — and the frozen :class:`Analysis` record.

The CLI, the web app and notebooks all call :func:`analyze`; none of them computes anything
itself. Modules: :mod:`.pipeline` (:func:`analyze`), :mod:`.chunks` (one chunk of draws),
:mod:`.result` (the records: :class:`Analysis`, :class:`DrawResults`,
:class:`ConflictStability`) and :mod:`.summary` (``Analysis.to_dict()``'s one code path).
"""

from .chunks import POSITIONS_KEPT
from .pipeline import SENSITIVITY_SAMPLE, STREAM_ABOVE, analyze, fingerprint
from .result import Analysis, ConflictStability, DrawResults, StreamedRunError

__all__ = ["POSITIONS_KEPT", "SENSITIVITY_SAMPLE", "STREAM_ABOVE", "Analysis",
           "ConflictStability", "DrawResults", "StreamedRunError", "analyze", "fingerprint"]
