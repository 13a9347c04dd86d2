"""What `ehrmind.seed_papers.synthesize` (calculator cases) and `ehrmind.seed_papers.lab_and_knowledge_rows` (knowledge, EHRSHOT labs) share.

A module of its own so the two synthesis modules need not import each other.
"""

from __future__ import annotations

import random


class SynthesisError(ValueError):
    """A synthesis option or input file is wrong; the message names the field, the value and the fix."""


def draw_split(rng: random.Random, fractions: tuple[float, float, float]) -> str:
    """"train" / "val" / "test" drawn with the given fractions."""
    r = rng.random()
    return "train" if r < fractions[0] else "val" if r < fractions[0] + fractions[1] else "test"
