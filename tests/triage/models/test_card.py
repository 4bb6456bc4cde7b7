"""The model card: what training writes is what the loaders read, key for key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triage.errors import ModelUnavailable
from triage.models.card import ModelCard

SHIPPED = Path(__file__).resolve().parents[3] / "data" / "models"


@pytest.mark.parametrize("task", ["sentiment", "intent"])
def test_a_shipped_card_reads_and_writes_back_unchanged(task: str, tmp_path: Path):
    card = ModelCard.load(SHIPPED / task, f"python -m triage train {task}")
    assert card.name.startswith("ascolto-") and card.validation and card.training["files"]
    card.save(tmp_path)
    assert json.loads((tmp_path / "model.json").read_text(encoding="utf-8")) == json.loads(
        (SHIPPED / task / "model.json").read_text(encoding="utf-8"))


def test_a_card_leaves_out_the_fields_of_other_kinds_of_model():
    card = ModelCard(name="ascolto-intent-x", task="intent", intents=["complaint"], topics=["billing"])
    assert set(card.to_dict()) == {"name", "task", "encoder", "hidden", "max_length", "training", "validation",
                                   "command", "intents", "topics"}


def test_a_missing_or_foreign_card_says_how_to_rebuild(tmp_path: Path):
    with pytest.raises(ModelUnavailable, match="model file missing: .*model.json; rebuild it with: python -m triage"):
        ModelCard.load(tmp_path, "python -m triage train intent")
    (tmp_path / "model.json").write_text('{"name": "x", "task": "y", "colour": "red"}', encoding="utf-8")
    with pytest.raises(ModelUnavailable, match=r"not a model card \(unknown keys \['colour'\]\)"):
        ModelCard.load(tmp_path, "python -m triage train intent")
