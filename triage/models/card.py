"""The model card (``model.json``): one typed record that training writes and the loaders read.

Every artifact folder in ``data/models/<task>/`` carries one. It says what the model is
(``name``, ``task``, the encoder it sits on), how to rebuild it (``command``), what it was
trained on (``training``: configuration, files with their sha256 and licence), and how it
did on the validation sets (``validation``). The fields after ``command`` belong to one
kind of model each; a card leaves out the ones its kind does not use.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from triage.errors import ModelUnavailable

CARD_FILE = "model.json"


@dataclass
class ModelCard:
    name: str
    task: str
    encoder: dict[str, Any] = field(default_factory=dict)
    hidden: int = 0
    max_length: int = 128
    training: dict[str, Any] = field(default_factory=dict)
    validation: dict[str, Any] = field(default_factory=dict)
    command: str = ""
    # sentiment: the labels of its head, int8 by default or not, extra heads, the LoRA adapter
    labels: list[str] | None = None
    int8: bool | None = None
    int8_design: str | None = None  # which linear layers run in int8 (triage.models.shared_pass)
    heads: dict[str, Any] | None = None
    adapter: dict[str, Any] | None = None
    # intent: its two label sets and the named text features it reads beside the embedding
    intents: list[str] | None = None
    topics: list[str] | None = None
    features: list[str] | None = None
    feature_scale: float | None = None
    # intent: the risk head's threshold per risk (chosen on the training posts' folds); absent: no risk head
    risk_thresholds: dict[str, float] | None = None
    # intent: how the risk probability is read (the n-gram model beside the head, its weights file) and the
    # thresholds per language, {"en": {risk: t}, …}, that replace ``risk_thresholds`` for posts in that language
    risk_model: dict[str, Any] | None = None
    # every task: the versions trained together on one new adapter (``train from-corrections --adapter``),
    # {"sentiment": name, "intent": name, "urgency": name, "adapter_sha256": hex}; promoted and rolled back as one
    model_set: dict[str, str] | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = CARD_FILE) -> ModelCard:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown or "name" not in data or "task" not in data:
            problem = f"unknown keys {unknown}" if unknown else "no name or task"
            raise ModelUnavailable(f"{where} is not a model card ({problem}); rebuild the model with its train command")
        return cls(**data)

    @classmethod
    def load(cls, model_dir: Path, rebuild: str) -> ModelCard:
        """The card of ``model_dir``; ``ModelUnavailable`` naming ``rebuild`` when it is missing or unreadable."""
        path = model_dir / CARD_FILE
        if not path.is_file():
            raise ModelUnavailable(f"model file missing: {path}; rebuild it with: {rebuild}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelUnavailable(f"cannot read {path} ({exc}); rebuild it with: {rebuild}") from None
        if not isinstance(data, dict):
            raise ModelUnavailable(f"{path} is not a model card; rebuild it with: {rebuild}")
        return cls.from_dict(data, str(path))

    def to_dict(self) -> dict[str, Any]:
        """The card as written to ``model.json``: the fields this kind of model does not use are left out."""
        return {key: value for key, value in asdict(self).items() if value is not None}

    def save(self, model_dir: Path) -> Path:
        path = model_dir / CARD_FILE
        path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path
