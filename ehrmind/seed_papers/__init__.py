"""The seed papers' recipes: MedSSR (synthesis, pseudo-labels, curriculum), Citrus (CPT, staged SFT,
preference training) and MedCritical (thought templates, preference pairs)."""
