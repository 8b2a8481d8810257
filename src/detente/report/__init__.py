"""Renderers of an :class:`~detente.analysis.Analysis` (terminal now; HTML later)."""
