"""The tiny grammar of option statements in a scenario's ``conflict`` section.

Preferences and infeasibility rules are statements over option ids, read by this grammar —
never evaluated as code::

    statement := expr [ "if" expr ]          "A if B": B implies A
    expr      := term { "or" term }
    term      := factor { "and" factor }
    factor    := "not" factor | "-" factor | "(" expr ")" | OPTION_ID

A statement becomes a tree of ``('opt', id, pos)``, ``('not', x)``, ``('and', a, b)`` and
``('or', a, b)`` nodes, ``pos`` the 0-based character of the option id (for error messages).

>>> parse_statement("sign_deal if cease_fire and not keep_aid")
('or', ('not', ('and', ('opt', 'cease_fire', 13), ('not', ('opt', 'keep_aid', 32)))), \
('opt', 'sign_deal', 0))
"""

from __future__ import annotations

import re

__all__ = ["KEYWORDS", "StatementError", "parse_statement"]

KEYWORDS = ("and", "or", "not", "if")


class StatementError(ValueError):
    """A statement that cannot be read; ``pos`` is the 0-based character where it failed."""

    def __init__(self, message: str, pos: int):
        super().__init__(message)
        self.message = message
        self.pos = pos


_TOKEN = re.compile(r"\s*(?:(?P<word>[A-Za-z][A-Za-z0-9_-]*)|(?P<sym>[()\-])|(?P<bad>\S))")


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out = []
    i = 0
    while True:
        m = _TOKEN.match(text, i)
        if not m or m.end() == i and not m.group(0):
            break
        if m.group("word") is not None:
            w = m.group("word")
            kind = "kw" if w.lower() in KEYWORDS else "id"
            out.append((kind, w.lower() if kind == "kw" else w, m.start("word")))
        elif m.group("sym") is not None:
            out.append(("sym", m.group("sym"), m.start("sym")))
        else:
            c = m.group("bad")
            raise StatementError(f"unexpected character {c!r}", m.start("bad"))
        i = m.end()
        if i >= len(text) or not text[i:].strip():
            break
    out.append(("end", "", len(text.rstrip())))
    return out


def parse_statement(text: str) -> tuple:
    """An option statement as a tree of ('opt', id, pos), ('not', x), ('and', a, b),
    ('or', a, b). Raises :class:`StatementError` with the position of the problem."""
    toks = _tokens(text)
    k = 0

    def peek() -> tuple[str, str, int]:
        return toks[k]

    def take() -> tuple[str, str, int]:
        nonlocal k
        k += 1
        return toks[k - 1]

    def what(t: tuple[str, str, int]) -> str:
        return "the end of the statement" if t[0] == "end" else repr(t[1])

    def factor() -> tuple:
        t = peek()
        if t[:2] == ("kw", "not") or t[:2] == ("sym", "-"):
            take()
            return ("not", factor())
        if t[:2] == ("sym", "("):
            take()
            inner = expr()
            if peek()[:2] != ("sym", ")"):
                raise StatementError(f"expected ')', got {what(peek())}", peek()[2])
            take()
            return inner
        if t[0] == "id":
            take()
            return ("opt", t[1], t[2])
        raise StatementError(f"expected an option id, got {what(t)}", t[2])

    def term() -> tuple:
        node = factor()
        while peek()[:2] == ("kw", "and"):
            take()
            node = ("and", node, factor())
        return node

    def expr() -> tuple:
        node = term()
        while peek()[:2] == ("kw", "or"):
            take()
            node = ("or", node, term())
        return node

    node = expr()
    if peek()[:2] == ("kw", "if"):
        take()
        cond = expr()
        node = ("or", ("not", cond), node)
    if peek()[0] != "end":
        t = peek()
        raise StatementError(f"expected 'and', 'or' or 'if', got {what(t)}", t[2])
    return node


def _options_in(node: tuple) -> list[tuple[str, int]]:
    if node[0] == "opt":
        return [(node[1], node[2])]
    return [x for child in node[1:] for x in _options_in(child)]
