"""Helpers the suite's tests share (never fixtures: those live in the conftest files)."""
