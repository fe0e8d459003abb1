"""Helpers the tests share (import them; test files never import each other)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
