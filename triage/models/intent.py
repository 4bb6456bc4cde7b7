"""Intent (complaint, question, praise, feedback, spam, other) and complaint topic.

The default model is the packaged sentence encoder (plain: without the sentiment model's
adapter; the layers below the adapter's run once for both, see ``triage.models.shared_pass``)
plus two small heads trained by ``python -m triage train intent`` and committed in
``data/models/intent/``. The heads read the embedding *and* a few named
text features (question words, praise words, the urgency signals, spam evidence…), which
carry the Italian cues the English-only encoder misses. This module is the model only:
the spam rules that override it, and every other rule on a mention's final intent, are in
``triage.ranking.intent.final_intent``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from triage.config.environment import environment
from triage.errors import ModelUnavailable
from triage.models.card import ModelCard
from triage.text.normalize import normalize
from triage.text.signals import SIGNALS, word_pattern
from triage.text.spam import looks_like_spam, spam_evidence

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_INTENT_DIR = PROJECT_ROOT / "data" / "models" / "intent"
INTENTS: tuple[str, ...] = ("complaint", "question", "praise", "feedback", "spam", "other")
# Topic keys the model is trained on, and how the dashboard names them (configurable).
TOPICS: tuple[str, ...] = ("billing", "delivery", "outage", "account", "product_quality", "customer_service", "other")
DEFAULT_TOPIC_NAMES: dict[str, str] = {
    "billing": "billing/refund", "delivery": "delivery/shipping", "outage": "outage/technical",
    "account": "account/login", "product_quality": "product quality/safety",
    "customer_service": "customer service", "other": "other",
}
Progress = Callable[[int, int], None]


_words = word_pattern


# Named cue features, English and Italian. Each is a count (capped) fed to the heads.
CUES: dict[str, re.Pattern[str]] = {
    "question_words": _words(
        r"how (?:do|can|long|much)", r"what(?:'s| is| are)?", r"where", r"when", r"which", r"can i", r"could you",
        r"do you", r"does (?:it|the|anyone)", r"is (?:there|it possible)", r"anyone know", r"any idea",
        r"come (?:faccio|si|posso)", r"dove", r"quando", r"quale", r"quanto", r"posso", r"è possibile",
        r"qualcuno sa", r"sapete", r"mi sapete dire", r"vorrei sapere", r"perché",
    ),
    "praise_words": _words(
        r"thanks?", r"thank you", r"love", r"great", r"brilliant", r"amazing", r"excellent", r"fantastic",
        r"impressed", r"well done", r"spot on", r"legend", r"kudos", r"smooth", r"happy", r"recommend",
        r"grazie", r"bravi", r"ottim\w*", r"perfett\w*", r"top", r"complimenti", r"consiglio", r"felice",
        r"soddisfatt\w*", r"gentilissim\w*", r"velocissim\w*", r"fantastic\w*",
    ),
    "complaint_words": _words(
        r"still", r"again", r"not working", r"doesn'?t work", r"broken", r"down", r"worst", r"never",
        r"no (?:signal|internet|service|reply|response)", r"nobody", r"terrible", r"awful", r"useless",
        r"days?", r"weeks?", r"ancora", r"non funziona", r"giù", r"pessim\w*", r"mai", r"nessuno",
        r"da (?:giorni|settimane|ore|stamattina)", r"vergogna", r"schifo", r"disservizio",
        r"senza (?:linea|rete|internet)", r"bloccat\w*", r"inutile",
    ),
    "feedback_words": _words(
        r"suggestion", r"would be (?:nice|great|good)", r"please add", r"i wish", r"feature", r"could you add",
        r"it'?d be", r"idea", r"missing", r"dark mode", r"widget", r"option to",
        r"sarebbe (?:bello|utile|comodo)", r"suggeriment\w*", r"aggiungete", r"manca", r"mancano", r"propost\w*",
        r"consiglierei", r"potreste aggiungere",
    ),
    "news_words": _words(
        r"announc\w*", r"reports?", r"according to", r"results", r"launch\w*", r"revenue", r"shares", r"ceo",
        r"customers (?:were|are) (?:hit|affected)", r"analysts?", r"quarter",
        r"annuncia\w*", r"secondo", r"risultati", r"ricavi", r"lancia\w*", r"amministratore delegato",
        r"trimestre", r"comunicato",
    ),
    "outage_words": _words(
        r"down", r"outage", r"no (?:signal|internet|service|data|connection)", r"offline", r"not connecting",
        r"dropp(?:ed|ing)", r"lumoradown", r"fibre", r"broadband", r"wi-?fi", r"network",
        r"fibra", r"linea", r"rete", r"segnale", r"disservizio", r"connessione", r"non naviga",
    ),
    "billing_words": _words(
        r"bill\w*", r"invoice", r"charged?", r"refund", r"payment", r"price", r"fee", r"direct debit", r"£\d+",
        r"€\s?\d+",
        r"bolletta", r"fattura", r"addebit\w*", r"rimbors\w*", r"pagament\w*", r"costo", r"penale", r"\d+,\d{2}\s?€",
    ),
    "account_words": _words(
        r"log ?in", r"password", r"account", r"sign in", r"locked out", r"verification code", r"2fa", r"otp",
        r"accesso", r"accedere", r"credenziali", r"codice", r"profilo",
    ),
    "delivery_words": _words(
        r"deliver\w*", r"courier", r"parcel", r"order", r"shipping", r"dispatch\w*", r"arrived", r"engineer",
        r"installation", r"consegn\w*", r"corriere", r"pacco", r"ordine", r"spedizion\w*", r"tecnico",
        r"installazione", r"arrivat\w*",
    ),
    "product_words": _words(
        r"router", r"hub", r"app", r"crash\w*", r"battery", r"screen", r"faulty", r"defective", r"update",
        r"modem", r"difettos\w*", r"aggiornamento", r"si blocca", r"si chiude",
    ),
    "service_words": _words(
        r"agent", r"call centre", r"call center", r"hold", r"on the phone", r"rude", r"chat", r"support",
        r"customer service", r"operator\w*", r"assistenza", r"servizio clienti", r"maleducat\w*", r"in attesa",
        r"risponde",
    ),
}
_LINKS = re.compile(r"https?://\S+|\bwww\.\S+|\b[\w-]+\.(?:example|ly|com|it|co\.uk)/\S*", re.IGNORECASE)
_ITALIAN = _words(r"il", r"la", r"che", r"non", r"di", r"per", r"sono", r"ho", r"è", r"una", r"con", r"mi", r"da")

FEATURE_NAMES: tuple[str, ...] = (
    ("question_mark", *CUES, *(f"signal_{s.name}" for s in SIGNALS), "spam_rule", "spam_evidence", "links",
     "hashtags", "exclamations", "length", "italian")
)


def text_features(text: str) -> list[float]:
    """The named cue features of ``text``, in the order of ``FEATURE_NAMES``, each 0-1."""
    text = text or ""
    values = [min(1.0, text.count("?") / 2)]
    values += [min(1.0, len(pattern.findall(text)) / 2) for pattern in CUES.values()]
    values += [1.0 if signal.pattern.search(text) else 0.0 for signal in SIGNALS]
    values.append(1.0 if looks_like_spam(text) else 0.0)
    values.append(min(1.0, len(spam_evidence(text)) / 3))
    values.append(min(1.0, len(_LINKS.findall(text)) / 2))
    values.append(min(1.0, text.count("#") / 4))
    values.append(min(1.0, text.count("!") / 3))
    values.append(min(1.0, math.log1p(len(text)) / math.log1p(600)))
    words = max(1, len(text.split()))
    values.append(min(1.0, 4 * len(_ITALIAN.findall(text)) / words))
    return values


@dataclass(frozen=True)
class IntentResult:
    """What a post wants, how sure the model is, and (for complaints) what about."""

    intent: str
    confidence: float
    topic: str | None = None
    probabilities: dict[str, float] = field(default_factory=dict, compare=False)
    best_topic: str | None = field(default=None, compare=False)  # the topic head's choice, whatever the intent
    risks: tuple[str, ...] = field(default=(), compare=False)  # the risk head's risks (triage.models.risks)
    risk_probabilities: dict[str, float] = field(default_factory=dict, compare=False)

    def second_choice(self, excluding: Sequence[str] = ("spam",)) -> str:
        ranked = sorted(self.probabilities.items(), key=lambda kv: kv[1], reverse=True)
        return next((label for label, _ in ranked if label not in excluding), "other")


class IntentModel(Protocol):
    """What the pipeline needs of an intent model."""

    name: str

    def predict(self, texts: Sequence[str], batch_size: int = 64, progress: Progress | None = None
                ) -> list[IntentResult]: ...


def build_heads(dim: int, n_features: int, hidden: int, risks: int = 0) -> Any:
    """Heads over [embedding, features]: intent (6 labels) and topic (7 labels), and with ``risks``
    a multi-label risk head (one logit per risk, read through a sigmoid)."""
    import torch

    def head(n_labels: int) -> Any:
        if hidden:
            return torch.nn.Sequential(torch.nn.Linear(dim + n_features, hidden), torch.nn.GELU(),
                                       torch.nn.Dropout(0.1), torch.nn.Linear(hidden, n_labels))
        return torch.nn.Sequential(torch.nn.Linear(dim + n_features, n_labels))

    heads = {"intent": head(len(INTENTS)), "topic": head(len(TOPICS))}
    if risks:
        heads["risk"] = head(risks)
    return torch.nn.ModuleDict(heads)


def results_from_logits(intent_logits: Any, topic_logits: Any, intents: Sequence[str], topics: Sequence[str],
                        risk_logits: Any = None, thresholds: dict[str, float] | None = None,
                        risk_probabilities: Any = None, row_thresholds: Sequence[dict[str, float]] | None = None,
                        ) -> list[IntentResult]:
    """Results from the heads' logits; with ``risk_logits`` (or the ``risk_probabilities`` themselves), each risk
    whose probability reaches its threshold: ``row_thresholds[i]`` for row i when given, else ``thresholds``."""
    import torch

    p_intent = torch.softmax(intent_logits, dim=-1).tolist()
    p_topic = torch.softmax(topic_logits, dim=-1).tolist()
    thresholds = thresholds or {}
    risk_names = list(thresholds)
    if risk_probabilities is None and risk_logits is not None:
        risk_probabilities = torch.sigmoid(risk_logits)
    p_risk = risk_probabilities.tolist() if risk_probabilities is not None else [[] for _ in p_intent]
    results = []
    for i, (row, topic_row, risk_row) in enumerate(zip(p_intent, p_topic, p_risk)):
        best = max(range(len(row)), key=row.__getitem__)
        intent = intents[best]
        best_topic = topics[max(range(len(topic_row)), key=topic_row.__getitem__)]
        topic = best_topic if intent == "complaint" else None
        risk_p = {name: float(p) for name, p in zip(risk_names, risk_row)}
        limits = row_thresholds[i] if row_thresholds is not None else thresholds
        risks = tuple(name for name, p in risk_p.items() if p >= limits.get(name, thresholds[name]))
        results.append(IntentResult(intent, float(row[best]), topic, dict(zip(intents, map(float, row))), best_topic,
                                    risks, risk_p))
    return results


def adapter_digest(adapter: Path) -> str:
    """sha256 of a LoRA adapter's weights: which tuned encoder a set of heads was trained on."""
    import hashlib

    return hashlib.sha256((adapter / "adapter_model.safetensors").read_bytes()).hexdigest()


class EncoderIntentModel:
    """The default: packaged encoder + the trained heads in ``model_dir``.

    A card whose ``encoder`` names an ``adapter`` (its sha256) was trained on the sentiment
    model's tuned encoder: the heads then read the tuned half of the shared pass, so one
    pass of six layers serves sentiment, intent, topic, risks and reply history. A card
    without one (older artifacts) reads the plain half, as before.
    """

    def __init__(self, model_dir: Path = DEFAULT_INTENT_DIR) -> None:
        from triage.models.sentiment import _encoder, packaged_encoder_dir, sentiment_adapter_dir

        rebuild = "python -m triage train intent"
        self.card = ModelCard.load(model_dir, rebuild)
        weights_path = model_dir / "heads.safetensors"
        if not weights_path.is_file():
            raise ModelUnavailable(f"model file missing: {weights_path}; "
                                   "rebuild it with: python -m triage train intent")
        if list(self.card.features or []) != list(FEATURE_NAMES):
            raise ModelUnavailable(f"{model_dir} was trained with other text features; "
                                   "rebuild it with: python -m triage train intent")
        self.intents = list(self.card.intents or INTENTS)
        self.topics = list(self.card.topics or TOPICS)
        self.risk_thresholds = {str(k): float(v) for k, v in (self.card.risk_thresholds or {}).items()}
        trained_on = (self.card.encoder or {}).get("adapter_sha256")
        if trained_on:
            adapter = sentiment_adapter_dir()
            if adapter is None or adapter_digest(adapter) != trained_on:
                raise ModelUnavailable(
                    f"{model_dir} was trained on another sentiment adapter than the one in use ({adapter}); "
                    f"promote the intent version of the same set (python -m triage models list) or rebuild it "
                    f"with: {rebuild}")
            self.encoder = _encoder(packaged_encoder_dir(), self.card.max_length, adapter=adapter)
        else:
            self.encoder = _encoder(packaged_encoder_dir(), self.card.max_length)
        self.tuned = bool(self.encoder.tuned)
        from safetensors.torch import load_file

        self.heads = build_heads(self.encoder.dim, len(FEATURE_NAMES), self.card.hidden, len(self.risk_thresholds))
        self.heads.load_state_dict(load_file(str(weights_path)))
        self.heads.eval()
        risk_model = self.card.risk_model or {}
        by_language = risk_model.get("thresholds_by_language") or {}
        self.risk_thresholds_by_language = {str(lang): {str(k): float(v) for k, v in limits.items()}
                                            for lang, limits in by_language.items()}
        self.risk_ngrams: Any = None
        if risk_model.get("ngrams") and self.risk_thresholds:
            from triage.models.risk_ngrams import build_ngram_model

            ngram_path = model_dir / str(risk_model["ngrams"])
            if not ngram_path.is_file():
                raise ModelUnavailable(f"model file missing: {ngram_path}; rebuild it with: {rebuild}")
            self.risk_ngrams = build_ngram_model(self.encoder.torch, len(self.risk_thresholds))
            self.risk_ngrams.load_state_dict(load_file(str(ngram_path)))
            self.risk_ngrams.eval()
        self.feature_scale = float(self.card.feature_scale or 1.0)
        self.name = self.card.name
        self.version: str | None = None  # the registry version name (set by load_intent_model)
        from triage.models.ngram import for_version, load_ngram_head

        # the n-gram model joined with the intent head (None: head alone), as this version's card says
        self.ngram = for_version(load_ngram_head("intent"), self.card)

    def results(self, x: Any, originals: Sequence[str]) -> list[IntentResult]:
        """Intent, topic and the risk head's risks from the encoder's embeddings ``x`` (its half: ``tuned``)
        of ``originals`` (the texts as posted)."""
        torch = self.encoder.torch
        with torch.inference_mode():
            f = torch.tensor([text_features(t) for t in originals]) * self.feature_scale
            z = torch.cat([x, f], dim=-1)
            risk = self.heads["risk"](z) if "risk" in self.heads else None
            probabilities = None
            if risk is not None and self.risk_ngrams is not None:
                from triage.models.risk_ngrams import combine, ngram_logits

                probabilities = combine(torch, risk, ngram_logits(torch, self.risk_ngrams, originals))
            row_thresholds = None
            if risk is not None and self.risk_thresholds_by_language:
                from triage.text.language import detect_language

                row_thresholds = [self.risk_thresholds_by_language.get(detect_language(t), self.risk_thresholds)
                                  for t in originals]
            intent_logits = self.heads["intent"](z)
            if self.ngram is not None and len(originals):
                probs = self.ngram.combine(torch.softmax(intent_logits, dim=-1).numpy(), originals, self.intents)
                intent_logits = torch.log(torch.from_numpy(probs).clamp(min=1e-9))
            return results_from_logits(intent_logits, self.heads["topic"](z), self.intents, self.topics,
                                       risk, self.risk_thresholds, probabilities, row_thresholds)

    def _batch(self, texts: list[str], originals: list[str]) -> list[IntentResult]:
        return self.results(self.encoder.embed_batch(texts), originals)

    def predict(self, texts: Sequence[str], batch_size: int = 64, progress: Progress | None = None
                ) -> list[IntentResult]:
        from triage.models.sentiment import length_buckets

        cleaned = [normalize(t) for t in texts]
        results: list[IntentResult | None] = [None] * len(texts)
        done = 0
        for batch in length_buckets(cleaned, batch_size):
            for index, result in zip(batch, self._batch([cleaned[i] for i in batch], [texts[i] for i in batch])):
                results[index] = result
            done += len(batch)
            if progress:
                progress(done, len(texts))
        return [r for r in results if r is not None]


@lru_cache(maxsize=2)
def _load(spec: str) -> IntentModel:
    return EncoderIntentModel(Path(spec) if spec else DEFAULT_INTENT_DIR)


def load_intent_model(spec: str | None = None) -> IntentModel:
    """The intent model, loaded once per process (per version): ``spec`` or ``TRIAGE_INTENT_MODEL`` (a folder),
    else the version in use (``triage.models.registry``: the promoted one, else the packaged default), which
    carries its ``version`` name."""
    from triage.models import registry

    chosen = spec if spec is not None else environment().intent_model
    if chosen:
        return _load(chosen)
    folder = registry.in_use_dir("intent")
    model = _load("" if folder == DEFAULT_INTENT_DIR else str(folder))
    if isinstance(model, EncoderIntentModel):
        model.version = registry.in_use("intent")
    return model


def topic_name(topic: str | None, names: dict[str, str] | None = None) -> str:
    """How the dashboard names a topic key (``billing`` -> ``billing/refund``)."""
    if not topic:
        return ""
    return (names or DEFAULT_TOPIC_NAMES).get(topic, topic)
