"""Optional generative rewrite of the best suggestion through an OpenAI-compatible endpoint.

Off by default. Turn it on with ``TRIAGE_LLM_URL`` (e.g. ``http://127.0.0.1:11434`` for
Ollama, a vLLM server, or a hosted API) and ``TRIAGE_LLM_MODEL``, or the ``[replies]``
table of ``triage.toml`` (``llm_url``, ``llm_model``, ``llm_timeout``). A hosted API's key
comes only from ``TRIAGE_LLM_API_KEY`` and is never logged. The request is
``POST {base}/v1/chat/completions``. The rewrite must pass the same tone rules as every
suggestion (``triage.replies.rules``); one that breaks a rule, an error or a timeout leaves
the original suggestions as they were.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

from triage.config.environment import environment
from triage.replies.drafts import ReplyContext, Suggestion

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class GenerationSettings:
    base_url: str = ""
    model: str = ""
    api_key: str = field(default="", repr=False)
    timeout: float = DEFAULT_TIMEOUT

    @property
    def enabled(self) -> bool:
        return bool(self.base_url and self.model)

    @property
    def endpoint(self) -> str:
        base = self.base_url.rstrip("/")
        return base + ("/chat/completions" if base.endswith("/v1") else "/v1/chat/completions")


def _config_section() -> dict[str, Any]:
    try:
        from triage.config.settings import load_config
    except ImportError:  # the configuration module is optional
        return {}
    try:
        return dict(load_config().section("replies"))
    except Exception as exc:  # a broken triage.toml must not take suggestions down
        log.warning("ignoring [replies] in triage.toml: %s",
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return {}


def generation_settings(section: dict[str, Any] | None = None) -> GenerationSettings:
    """Settings from the environment, else the ``[replies]`` table of ``triage.toml``."""
    table = _config_section() if section is None else section
    env = environment()
    timeout = env.llm_timeout or table.get("llm_timeout") or DEFAULT_TIMEOUT
    return GenerationSettings(
        base_url=env.llm_url or str(table.get("llm_url", "")),
        model=env.llm_model or str(table.get("llm_model", "")),
        api_key=env.llm_api_key,
        timeout=float(timeout),
    )


def _instructions(ctx: ReplyContext) -> str:
    language = {"en": "English", "it": "Italian"}[ctx.language]
    address = ""
    if ctx.language == "it":
        address = (" Address the customer with 'Lei' (formal)." if ctx.register == "formal"
                   else " Address the customer with 'tu'.")
    emoji = "You may end with one friendly emoji." if ctx.emoji_ok else "Use no emoji."
    signature = f" End with the signature {ctx.signature}." if ctx.signature else ""
    return (
        f"You rewrite a customer-care reply for {ctx.channel}. Write in {language}, {ctx.register} register.{address} "
        f"{emoji} At most {ctx.limit} characters. Keep every link and fact of the draft; add no new facts, no refunds, "
        f"no dates or deadlines. Never ask for personal details in public: ask for a private message. Sound like a "
        f"person, not a press office. Answer with the reply text only.{signature}"
    )


class Rewriter:
    """Rewrites the best suggestion to fit the post; ``None`` whenever the result cannot be used."""

    def __init__(self, settings: GenerationSettings, client: httpx.Client | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.Client(timeout=settings.timeout)

    def _complete(self, messages: list[dict[str, str]]) -> str:
        headers = {"Authorization": f"Bearer {self.settings.api_key}"} if self.settings.api_key else {}
        response = self.client.post(
            self.settings.endpoint,
            json={"model": self.settings.model, "messages": messages, "temperature": 0.3},
            headers=headers,
            timeout=self.settings.timeout,
        )
        response.raise_for_status()
        return str(response.json()["choices"][0]["message"]["content"]).strip()

    def rewrite(self, best: Suggestion, ctx: ReplyContext) -> Suggestion | None:
        messages = [
            {"role": "system", "content": _instructions(ctx)},
            {"role": "user", "content": f"Customer post:\n{ctx.text}\n\nDraft reply:\n{best.text}"},
        ]
        try:
            text = self._complete(messages)
        except httpx.TimeoutException:
            log.warning("generative rewrite timed out after %.0f s (%s); keeping the suggestions",
                        self.settings.timeout, self.settings.base_url)
            return None
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            log.warning("generative rewrite failed (%s at %s); keeping the suggestions",
                        type(exc).__name__, self.settings.base_url)
            return None
        text = text.strip().strip('"').strip()
        if ctx.signature and text and not text.endswith(ctx.signature):
            text = f"{text} {ctx.signature}"
        if not text or text == best.text:
            return None
        broken = ctx.check(text)
        if broken:
            log.info("generative rewrite discarded: breaks %s", ", ".join(sorted({v.rule for v in broken})))
            return None
        return Suggestion(text, "generated", best.note,
                          f"rewrite of the {best.source} suggestion by {self.settings.model}")


def default_rewriter() -> Rewriter | None:
    """A rewriter when an endpoint is configured, else ``None`` (the default: off)."""
    settings = generation_settings()
    return Rewriter(settings) if settings.enabled else None
