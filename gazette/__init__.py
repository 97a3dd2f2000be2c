"""Gazette: a week of Elixir-ecosystem news, collected, ranked and drafted for an editor."""

__version__ = "0.1.0"
