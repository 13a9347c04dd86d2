"""Sample k completions per task row with a local checkpoint (HF generate), for pseudo-labels and pairs.

One place that turns (rows, model, k, generation settings) into completions, so `ehrmind pseudo-label` and
`ehrmind prefer build` sample exactly as `ehrmind eval` does (`ehrmind.stages.evaluate.generate`).
"""

from __future__ import annotations

from typing import Any

from ehrmind.stages.models import resolve_model_path


def generation_config(max_new_tokens: int = 256, temperature: float = 1.0, top_p: float = 1.0):
    """A validated eval-stage RunConfig carrying only the sampling settings."""
    # lazy: loads pydantic, yaml, which importing this module does not
    from ehrmind.config import load_config

    return load_config(
        None,
        stage="eval",
        check_paths=False,
        overrides={
            "generation": {
                "max_completion_length": max_new_tokens,
                "temperature": temperature,
                "top_p": top_p,
            }
        },
    )


class Sampler:
    """k completions per chat prompt from a local checkpoint, loaded on first use (so bad options fail fast)."""

    def __init__(
        self,
        model_path: str,
        *,
        max_new_tokens: int = 256,
        temperature: float = 1.0,
        top_p: float = 1.0,
        batch_size: int = 16,
        trust_remote_code: bool = False,
        allow_download: bool = False,
    ) -> None:
        # A wrong path fails here, before any rows are read or sampled.
        self.model_path = resolve_model_path(model_path, allow_download=allow_download)
        self.config = generation_config(max_new_tokens, temperature, top_p)
        self.batch_size = batch_size
        self._options = {"trust_remote_code": trust_remote_code, "allow_download": allow_download}
        self._loaded: tuple[Any, Any] | None = None

    def _model(self) -> tuple[Any, Any]:
        if self._loaded is None:
            # lazy: read at call time, so tests can patch load_model_and_tokenizer
            from ehrmind.stages.models import load_model_and_tokenizer

            self._loaded = load_model_and_tokenizer(self.model_path, **self._options)
        return self._loaded

    def sample(self, prompts: list[list[dict[str, Any]]], k: int) -> list[list[str]]:
        # lazy: loads pydantic, yaml, which importing this module does not
        from ehrmind.stages.evaluate import generate

        if k < 1:
            raise ValueError(f"k={k}: sample at least one completion per prompt")
        model, tokenizer = self._model()
        return generate(model, tokenizer, prompts, k=k, config=self.config, batch_size=self.batch_size)

    def n_tokens(self, text: str) -> int:
        return len(self._model()[1](text, add_special_tokens=False)["input_ids"])
