"""The learned urgency head: how likely a post is urgent (0-1), from the shared encoder pass.

A small head over the same input the intent heads read (the embedding of the intent heads'
half of ``triage.models.shared_pass``, plus the named text features of
``triage.models.intent.text_features``), trained by ``python -m triage train urgency``
(``triage.training.urgency``) on the authored customer posts' train split, the demo
mentions' urgency labels and, by ``train from-corrections``, the team's "urgent / not
urgent" labels. Versioned like the other tasks (``data/models/urgency/``, promoted by the
same rule in ``triage.models.registry``).

``analyse`` adds its probability to each post (``Analysis.p_urgent``), stored in
``mentions.p_urgent``; the priority turns it into a reason with its points
(``triage.ranking.priority``, ``learned_urgency``). A head trained on another encoder
than the pass in use (another sentiment adapter) is not used: no probability, no reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from triage.errors import ModelUnavailable
from triage.models.card import ModelCard
from triage.models.intent import FEATURE_NAMES, adapter_digest, text_features

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_URGENCY_DIR = PROJECT_ROOT / "data" / "models" / "urgency"
HEAD_FILE = "head.safetensors"
REBUILD = "python -m triage train urgency --data ../shared/data"


def build_urgency_head(dim: int, n_features: int, hidden: int) -> Any:
    """One logit (read through a sigmoid) over [embedding, features]; ``hidden`` 0: a linear head."""
    import torch

    if hidden:
        return torch.nn.Sequential(torch.nn.Linear(dim + n_features, hidden), torch.nn.GELU(),
                                   torch.nn.Dropout(0.1), torch.nn.Linear(hidden, 1))
    return torch.nn.Sequential(torch.nn.Linear(dim + n_features, 1))


def head_inputs(x: Any, originals: Sequence[str], feature_scale: float) -> Any:
    """[embedding, scaled text features] of each post (``originals``: the texts as posted)."""
    import torch

    f = torch.tensor([text_features(t) for t in originals], dtype=x.dtype).reshape(len(originals),
                                                                                   len(FEATURE_NAMES))
    return torch.cat([x, f * feature_scale], dim=-1)


class UrgencyHead:
    """The head in ``model_dir`` (its card says the encoder half and adapter it reads)."""

    def __init__(self, model_dir: Path = DEFAULT_URGENCY_DIR) -> None:
        from safetensors.torch import load_file

        self.card = ModelCard.load(model_dir, REBUILD)
        weights = model_dir / HEAD_FILE
        if not weights.is_file():
            raise ModelUnavailable(f"model file missing: {weights}; rebuild it with: {REBUILD}")
        if list(self.card.features or []) != list(FEATURE_NAMES):
            raise ModelUnavailable(f"{model_dir} was trained with other text features; rebuild it with: {REBUILD}")
        state = load_file(str(weights))
        dim = int(state["0.weight"].shape[1]) - len(FEATURE_NAMES)
        self.head = build_urgency_head(dim, len(FEATURE_NAMES), self.card.hidden)
        self.head.load_state_dict(state)
        self.head.eval()
        self.dim = dim
        self.feature_scale = float(self.card.feature_scale or 1.0)
        self.adapter_sha256: str | None = (self.card.encoder or {}).get("adapter_sha256")
        self.path = model_dir
        self.version: str | None = None  # the registry version name (set by load_urgency_head)

    def reads(self, adapter: Path | None) -> bool:
        """Whether embeddings of the encoder with ``adapter`` (None: the plain one) are what it was trained on."""
        if adapter is None:
            return self.adapter_sha256 is None
        return self.adapter_sha256 == _digest(str(adapter))

    def probabilities(self, x: Any, originals: Sequence[str]) -> list[float]:
        """p(urgent) of each post from its embeddings ``x`` and its text as posted."""
        import torch

        if not len(originals):
            return []
        with torch.inference_mode():
            logits = self.head(head_inputs(x, originals, self.feature_scale)).squeeze(-1)
            return [round(float(p), 4) for p in torch.sigmoid(logits).tolist()]


@lru_cache(maxsize=4)
def _digest(adapter: str) -> str:
    return adapter_digest(Path(adapter))


@lru_cache(maxsize=2)
def _load(folder: str) -> UrgencyHead:
    return UrgencyHead(Path(folder))


def load_urgency_head() -> UrgencyHead | None:
    """The urgency head in use (``triage.models.registry``: the promoted version, else the packaged one), loaded
    once per process and version; None when there is none (the priority then has no learned-urgency reason)."""
    from triage.models import registry

    folder = registry.in_use_dir("urgency")
    if not (folder / HEAD_FILE).is_file():
        return None
    head = _load(str(folder))
    head.version = registry.in_use("urgency")
    return head
