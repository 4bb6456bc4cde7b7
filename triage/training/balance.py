"""Class weights that make cross-entropy favour macro-recall over the majority class."""

from __future__ import annotations

from typing import Any


def class_weights(y: Any, n_labels: int) -> Any:
    """Inverse-frequency weight per label (mean 1 on the data); rows labelled -1 (no label) are ignored."""
    import torch

    counts = torch.bincount(y[y >= 0], minlength=n_labels).float()
    return counts.sum() / (n_labels * counts.clamp(min=1))
