"""EHRMIND's stages (warm-up SFT, GRPO, evaluation) and what they share: models, runs, reports."""
