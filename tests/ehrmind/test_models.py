"""The tiny offline model loads through the same from_pretrained path as a real checkpoint."""

import json

import pytest

from ehrmind.models import FORMAT_TOKENS, ModelLoadError, load_model_and_tokenizer, resolve_model_path


def test_tiny_model_round_trips(tiny_model):
    model, tok = load_model_and_tokenizer(str(tiny_model))
    assert model.config.model_type == "qwen2"
    assert (tiny_model / "tokenizer.json").exists() and (tiny_model / "config.json").exists()
    # The answer-format tags are single tokens, and the chat template renders a generation prompt.
    for tag in FORMAT_TOKENS:
        assert len(tok(tag, add_special_tokens=False)["input_ids"]) == 1, tag
    text = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
    assert text.endswith("<|im_start|>assistant\n")
    ids = tok("Serum creatinine 1.2 mg/dL", add_special_tokens=False)["input_ids"]
    assert tok.decode(ids) == "Serum creatinine 1.2 mg/dL"
    assert json.loads((tiny_model / "config.json").read_text())["vocab_size"] == len(tok)


def test_missing_model_path_is_a_clear_error_not_a_download(tmp_path):
    with pytest.raises(ModelLoadError, match="does not exist"):
        resolve_model_path(tmp_path / "Qwen2.5-3B-Instruct")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelLoadError, match="config.json"):
        resolve_model_path(tmp_path / "empty")


def test_remote_code_is_off_by_default(tiny_model, monkeypatch):
    import transformers

    seen = {}
    original = transformers.AutoModelForCausalLM.from_pretrained

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", spy)
    load_model_and_tokenizer(str(tiny_model))
    assert seen["trust_remote_code"] is False and seen["local_files_only"] is True
