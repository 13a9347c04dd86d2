"""The text of a completion: TRL passes a string, or chat messages whose reasoning may be split out.

Its own module because the registry needs it for every reward (including those that never parse an
answer), and it is independent of the answer format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rewards.tags import THINK_CLOSE, THINK_OPEN


def completion_text(completion: str | Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> str:
    """The text of a completion: a string, or chat messages (the last assistant message is the answer).

    A message whose reasoning was split out by the chat template (`reasoning_content`, `thinking`) gets
    it back inside `<think>` tags, so both forms grade alike. Anything else is a caller bug: TypeError.
    """
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        return _message_text(completion)
    if isinstance(completion, Sequence) and all(isinstance(m, Mapping) for m in completion):
        if not completion:
            return ""
        for message in reversed(completion):
            if message.get("role", "assistant") == "assistant":
                return _message_text(message)
        return ""
    raise TypeError(
        f"completion must be a string or a list of chat messages, got {type(completion).__name__}"
    )


def _message_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if content is None:
        text = ""
    elif isinstance(content, str):
        text = content
    elif isinstance(content, list):  # multimodal parts: keep the text ones
        text = "".join(
            p.get("text", "") for p in content if isinstance(p, Mapping) and p.get("type") == "text"
        )
    else:
        raise TypeError(f"message content must be a string or a list of parts, got {type(content).__name__}")
    for key in ("reasoning_content", "thinking", "reasoning"):
        reasoning = message.get(key)
        if isinstance(reasoning, str) and reasoning and THINK_OPEN not in text:
            return f"{THINK_OPEN}{reasoning}{THINK_CLOSE}{text}"
    return text
