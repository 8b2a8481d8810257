"""The ``detente`` command line: thin; every command calls one library function.

One module per group of commands (:mod:`.files`, :mod:`.analyse`, :mod:`.evaluate`,
:mod:`.stability`, :mod:`.serve`; ``detente runs …`` is :mod:`detente.store.cli`), all on the
one application of :mod:`.app`, which also holds the exit codes.
"""

from __future__ import annotations

import sys
import traceback

import typer

from ..errors import DetenteError, ScenarioError
from ..report.output import OutputError, write_atomic
from ..report.output import eprint as _eprint
from . import analyse, evaluate, files, serve, stability  # noqa: F401  (register the commands)
from .app import EXIT, MAX_SEED, app

__all__ = ["EXIT", "MAX_SEED", "OutputError", "app", "main", "run", "write_atomic"]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: sys.argv[1:]); return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    show_tb = "--traceback" in args
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=args, prog_name="detente", standalone_mode=False)
        if rv == EXIT["interrupted"]:  # Ctrl-C, as the command line library reports it
            _eprint("Interrupted.")
        return int(rv) if isinstance(rv, int) else EXIT["ok"]
    except typer.Exit as e:
        return int(e.exit_code)
    except typer.Abort:
        _eprint("Interrupted.")
        return EXIT["interrupted"]
    except typer.TyperException as e:  # usage errors and bad parameters
        show = getattr(e, "show", None)
        if show is not None:
            show(file=sys.stderr)
        else:  # pragma: no cover
            _eprint(f"error: {e}")
        return int(getattr(e, "exit_code", EXIT["usage"]))
    except ScenarioError as e:
        _eprint(str(e))
        missing = len(e.problems) == 1 and e.problems[0].message == "no such file"
        return EXIT["no_input"] if missing else e.exit_code
    except DetenteError as e:
        _eprint(f"error: {e}")
        return e.exit_code
    except KeyboardInterrupt:
        _eprint("Interrupted.")
        return EXIT["interrupted"]
    except Exception as e:  # an internal error: a bug in detente, not the user's input
        if show_tb:
            _eprint(traceback.format_exc())
        else:
            _eprint(
                f"internal error: {type(e).__name__}: {e}\n"
                "This is a bug in detente. Rerun with --traceback and report it."
            )
        return EXIT["internal"]


def run() -> None:  # pragma: no cover - console-script entry point
    sys.exit(main())
