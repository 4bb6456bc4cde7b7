"""Train the named-risk model: the risk head over the encoder and the n-gram model beside it.

Data: the authored customer posts' train split (``data/training/customer_posts.jsonl``) and
the authored risk posts (``data/training/risk_posts.jsonl``: more paraphrases of safety and
account-takeover risks in both languages, and hard negatives that mention batteries, codes,
heating or a changed number without a risk; all train split). Validation is never read here.

- The head (``fit_risk_head``): a sigmoid per risk over [embedding, text features], binary
  cross-entropy with the positives weighted up.
- The n-gram model (``fit_ngram_model``, ``triage.models.risk_ngrams``): logistic per risk
  over hashed character n-grams. The shipped probability is the geometric mean of the two.
- Thresholds (``choose_thresholds``), per risk and per language, on out-of-fold
  probabilities of the train posts (folds by author), for "model or keyword signal": for
  safety and account takeover (recall targets) the strictest threshold that keeps the
  out-of-fold recall at ``recall_target``; for money and churn/legal the one maximising F1.
  The same rules over all posts give the thresholds for other languages.

``python -m triage train intent --risks-only`` refits this model alone into an existing
intent model folder, leaving its intent and topic heads as they are.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triage.models.intent import FEATURE_NAMES, build_heads, text_features
from triage.models.risk_ngrams import WEIGHTS_FILE, build_ngram_model, combine, ngram_logits, ngram_matrix
from triage.models.risks import RISKS, keyword_risks
from triage.tables.customer_posts import CustomerPost, read_customer_posts
from triage.training.minibatch import fit_minibatches

Log = Callable[[str], None]
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
RISK_POSTS = PROJECT_ROOT / "data" / "training" / "risk_posts.jsonl"
LANGUAGES: tuple[str, ...] = ("en", "it")
COMBINATION = "geometric mean of the risk head's and the n-gram model's probabilities"


@dataclass(frozen=True)
class RiskTrainingConfig:
    seed: int = 13
    hidden: int = 128
    batch_size: int = 256
    weight_decay: float = 1e-3
    epochs: int = 80
    learning_rate: float = 2e-3
    folds: int = 5
    ngrams: bool = True  # the n-gram model beside the head (False: the head alone, the earlier design)
    ngram_epochs: int = 60
    ngram_learning_rate: float = 0.05
    beta: float = 1.0  # money and churn/legal: the threshold maximising F1 of "model or keyword" (no recall target;
    # a false alarm makes a complaint and beats the intent, and F2 chose the grid's floor: invoice questions were money)
    recall_first: tuple[str, ...] = ("safety", "account_takeover")
    recall_target: float = 0.92  # …safety and account takeover: the strictest threshold keeping this recall


@dataclass
class RiskModel:
    """The fitted risk model: the head, the n-gram model (or ``None``) and the thresholds."""

    head: Any
    ngrams: Any
    thresholds: dict[str, float]
    by_language: dict[str, dict[str, float]]

    def card_entry(self) -> dict[str, Any]:
        """The intent card's ``risk_model``."""
        entry: dict[str, Any] = {"thresholds_by_language": self.by_language}
        if self.ngrams is not None:
            entry.update(ngrams=WEIGHTS_FILE, combination=COMBINATION)
        return entry


def risk_targets(posts: Sequence[CustomerPost]) -> Any:
    """One row per post, one 0/1 column per risk of ``RISKS``."""
    import torch

    return torch.tensor([[1.0 if risk in p.risks else 0.0 for risk in RISKS] for p in posts])


def risk_training_posts(customer: Path, risk_posts: Path = RISK_POSTS) -> list[CustomerPost]:
    """The train split of the customer posts, then the authored risk posts' (when the file is there)."""
    posts = read_customer_posts(customer, "train") if customer.is_file() else []
    if risk_posts.is_file():
        posts += read_customer_posts(risk_posts, "train")
    return posts


def fit_risk_head(x: Any, y: Any, config: RiskTrainingConfig) -> Any:
    """The multi-label risk head over [embedding, features]: binary cross-entropy per risk, positives
    weighted up to the negatives (rare risks still count)."""
    import torch

    torch.manual_seed(config.seed)
    torch.set_num_threads(1)
    head = build_heads(x.shape[1] - len(FEATURE_NAMES), len(FEATURE_NAMES), config.hidden, len(RISKS))["risk"]
    positives = y.sum(0)
    pos_weight = ((len(y) - positives) / positives.clamp(min=1)).clamp(max=20.0)

    def loss_of(batch: Any) -> Any:
        return torch.nn.functional.binary_cross_entropy_with_logits(head(x[batch]), y[batch], pos_weight=pos_weight)

    return fit_minibatches(head, len(x), loss_of, epochs=config.epochs, batch_size=config.batch_size,
                           learning_rate=config.learning_rate, weight_decay=config.weight_decay, seed=config.seed)


def fit_ngram_model(texts: Sequence[str], y: Any, config: RiskTrainingConfig) -> Any:
    """The n-gram model: full-batch logistic regression per risk, positives weighted as in the head."""
    import torch

    torch.manual_seed(config.seed)
    grams = ngram_matrix(torch, texts).to_dense()
    model = build_ngram_model(torch, len(RISKS))
    positives = y.sum(0)
    pos_weight = ((len(y) - positives) / positives.clamp(min=1)).clamp(max=20.0)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.ngram_learning_rate, weight_decay=1e-4)
    model.train()
    for _epoch in range(config.ngram_epochs):
        optimiser.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(grams), y, pos_weight=pos_weight)
        loss.backward()
        optimiser.step()
    return model.eval()


def probabilities(head: Any, ngrams: Any, x: Any, texts: Sequence[str]) -> Any:
    """The shipped risk probability of each post (rows) and risk (columns)."""
    import torch

    with torch.inference_mode():
        logits = head(x)
        if ngrams is None:
            return torch.sigmoid(logits)
        return combine(torch, logits, ngram_logits(torch, ngrams, texts))


def out_of_fold(x: Any, y: Any, posts: Sequence[CustomerPost], config: RiskTrainingConfig) -> Any:
    """Each post's probabilities from a model fitted without its author's posts (``config.folds`` folds)."""
    import torch

    authors = sorted({p.author or p.id for p in posts})
    random.Random(config.seed).shuffle(authors)
    fold_of = {author: i % config.folds for i, author in enumerate(authors)}
    folds = [fold_of[p.author or p.id] for p in posts]
    oof = torch.zeros_like(y)
    for fold in range(config.folds):
        train = [i for i, f in enumerate(folds) if f != fold]
        held = [i for i, f in enumerate(folds) if f == fold]
        if not held or not train:
            continue
        head = fit_risk_head(x[train], y[train], config)
        ngrams = fit_ngram_model([posts[i].text for i in train], y[train], config) if config.ngrams else None
        oof[held] = probabilities(head, ngrams, x[held], [posts[i].text for i in held])
    return oof


def f_beta(gold: Sequence[bool], predicted: Sequence[bool], beta: float) -> float:
    tp = sum(g and p for g, p in zip(gold, predicted))
    fp = sum(p and not g for g, p in zip(gold, predicted))
    fn = sum(g and not p for g, p in zip(gold, predicted))
    b2 = beta * beta
    return (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp) if tp else 0.0


def _recall(gold: Sequence[bool], predicted: Sequence[bool]) -> float:
    positives = sum(gold)
    return sum(g and p for g, p in zip(gold, predicted)) / positives if positives else 1.0


GRID: tuple[float, ...] = tuple(round(0.025 * k, 3) for k in range(1, 39))


def threshold_for(risk: str, gold: Sequence[bool], probs: Sequence[float], keywords: Sequence[set[str]],
                  config: RiskTrainingConfig) -> float:
    """One risk's threshold on these posts (see the module): recall-first risks keep ``recall_target``."""
    def predicted(t: float) -> list[bool]:
        return [p >= t or risk in kw for p, kw in zip(probs, keywords)]

    if risk in config.recall_first:
        keeping = [t for t in GRID if _recall(gold, predicted(t)) >= config.recall_target]
        return max(keeping) if keeping else GRID[0]
    return max((f_beta(gold, predicted(t), config.beta), t) for t in GRID)[1]  # ties: the stricter threshold


def choose_thresholds(oof: Any, posts: Sequence[CustomerPost], config: RiskTrainingConfig,
                      ) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """The thresholds over all posts, and per language of ``LANGUAGES``, from the out-of-fold probabilities."""
    keywords = [set(keyword_risks(p.text)) for p in posts]

    def chosen(rows: list[int]) -> dict[str, float]:
        return {risk: threshold_for(risk, [risk in posts[i].risks for i in rows], [float(oof[i, j]) for i in rows],
                                    [keywords[i] for i in rows], config)
                for j, risk in enumerate(RISKS)}

    overall = chosen(list(range(len(posts))))
    by_language = {lang: chosen([i for i, p in enumerate(posts) if p.lang == lang]) for lang in LANGUAGES
                   if any(p.lang == lang for p in posts)}
    return overall, by_language


def fit_risk_model(x: Any, posts: Sequence[CustomerPost], config: RiskTrainingConfig, log: Log = print) -> RiskModel:
    """Thresholds from the folds, then the head and the n-gram model fitted on every training post."""
    y = risk_targets(posts)
    oof = out_of_fold(x, y, posts, config)
    thresholds, by_language = choose_thresholds(oof, posts, config)
    log(f"risk thresholds (out-of-fold, model or keyword): {thresholds}; by language: {by_language}")
    head = fit_risk_head(x, y, config)
    ngrams = fit_ngram_model([p.text for p in posts], y, config) if config.ngrams else None
    return RiskModel(head, ngrams, thresholds, by_language)


def predicted_risks(probs: Any, posts: Sequence[CustomerPost], model: RiskModel) -> list[set[str]]:
    """The model's risks of each post at its language's thresholds."""
    found = []
    for post, row in zip(posts, probs.tolist()):
        limits = model.by_language.get(post.lang, model.thresholds)
        found.append({risk for risk, p in zip(RISKS, row) if p >= limits[risk]})
    return found


def risk_figures(posts: Sequence[CustomerPost], head_risks: Sequence[set[str]]) -> dict[str, Any]:
    """Recall and precision per risk and language of the keywords, the model and both (the shipped rule)."""
    figures: dict[str, Any] = {}
    for lang in sorted({p.lang for p in posts}):
        chosen = [(p, h) for p, h in zip(posts, head_risks) if p.lang == lang]
        for risk in RISKS:
            gold = [risk in p.risks for p, _ in chosen]
            row: dict[str, Any] = {"positives": sum(gold), "n": len(chosen)}
            keyword = [risk in keyword_risks(p.text) for p, _ in chosen]
            head = [risk in h for _, h in chosen]
            for name, predicted in (("keywords", keyword), ("head", head),
                                    ("combined", [a or b for a, b in zip(keyword, head)])):
                tp = sum(g and q for g, q in zip(gold, predicted))
                row[f"{name}_recall"] = round(tp / sum(gold), 4) if any(gold) else None
                row[f"{name}_precision"] = round(tp / sum(predicted), 4) if any(predicted) else None
            figures[f"{risk} ({lang})"] = row
    return figures


def features(embed: Callable[[list[str]], Any], posts: Sequence[CustomerPost], feature_scale: float) -> Any:
    """[embedding, text features] of ``posts``; ``embed`` maps normalised texts to embeddings."""
    import torch

    from triage.text.normalize import normalize

    vectors = embed([normalize(p.text) for p in posts])
    f = torch.tensor([text_features(p.text) for p in posts]) * feature_scale
    return torch.cat([vectors, f], dim=-1)


def save_ngrams(model: RiskModel, output: Path) -> None:
    """Write the n-gram model's weights beside the heads (nothing when the model has none)."""
    from safetensors.torch import save_file

    if model.ngrams is not None:
        save_file({k: v.contiguous() for k, v in model.ngrams.state_dict().items()}, str(output / WEIGHTS_FILE))
    elif (output / WEIGHTS_FILE).is_file():
        (output / WEIGHTS_FILE).unlink()
