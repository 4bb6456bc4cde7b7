"""Fine-tune the packaged encoder for sentiment: a LoRA adapter on its top layers, trained
jointly with the sentiment head.

A frozen encoder plus a head tops out near 0.71 macro-recall on TweetEval val; letting the
top layers adapt lifts English and, more, Italian (the English word pieces of Italian
words get sentiment of their own). Only the top layers get an adapter because backward
passes through the bottom ones would double the training time on a 2-core CPU; the
adapter is about 1.3 MB and is merged into the encoder's weights when the model loads,
so inference costs the same as the plain encoder.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triage.models.sentiment import ADAPTER_FILES, SentenceEncoder, build_head, mean_pool
from triage.training.balance import class_weights

Log = Callable[[str], None]

# Linear layers of a BERT block that get an adapter: attention (query, key, value, output)
# and both feed-forward layers (all named "dense").
TARGET_MODULES = ["query", "key", "value", "dense"]


@dataclass
class AdapterRefitConfig:
    """``train from-corrections --adapter``: continue the adapter in use on a bounded sample (``triage.training.
    adapter_set``). The sample bounds the run: about 7 minutes on 2 quiet cores for 1,000 corrections (README)."""

    public_limit: int = 4000  # rows of the public sentiment training data the shipped model used (seeded sample)
    customer_repeat: int = 3  # each authored customer post (train split) counts this many times
    learning_rate: float = 5e-4  # lower than the first training's 1e-3: the adapter continues, it is not new
    batch_size: int = 32
    epochs: int = 1
    extra_limit: int | None = None  # TweetEval emotion/offensive rows for the anger/offensive heads (None: all)


# Said up front by the command and the Model page (figures: bench/retrain.py --adapter, see README)
ADAPTER_NOTE = ("the adapter option fine-tunes the encoder's top layers (a backward pass through them for every "
                "training example) and then refits every head on the new encoder: about 7 minutes for 1,000 "
                "corrections on 2 quiet CPU cores, against about 2 minutes for the heads alone")


@dataclass(frozen=True)
class AdapterSettings:
    rank: int
    layers: tuple[int, ...]
    learning_rate: float
    batch_size: int
    epochs: int
    seed: int
    hidden: int


def length_shuffled_batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar-length examples: chunks of 50 batches are sorted by length
    inside, then the batches are shuffled, so padding stays small and order stays random."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lengths.__getitem__)
        batches += [part[i : i + batch_size] for i in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


def finetune(
    encoder: SentenceEncoder, texts: Sequence[str], targets: Sequence[int], n_labels: int,
    settings: AdapterSettings, log: Log, start_adapter: Path | None = None, start_head: Path | None = None,
    on_step: Callable[[int, int], None] | None = None,
) -> tuple[Any, Any]:
    """Train a LoRA adapter on ``encoder.model`` (the plain encoder) and a head, jointly, with class-weighted loss.

    ``start_adapter``/``start_head``: continue from these weights (an adapter folder in peft's format, a head's
    safetensors) instead of a fresh adapter and head; the adapter's own rank and layers then apply.
    ``on_step(step, steps)`` is called after every optimiser step (a progress bar).
    Returns ``(peft_model, head)``; the peft model wraps ``encoder.model`` (not merged yet).
    """
    import torch
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    if start_adapter is not None:
        import warnings

        from peft import PeftModel

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # peft asks transformers a deprecated question
            model = PeftModel.from_pretrained(encoder.model, str(start_adapter), is_trainable=True)
    else:
        config = LoraConfig(r=settings.rank, lora_alpha=2 * settings.rank, lora_dropout=0.0,
                            target_modules=TARGET_MODULES, layers_to_transform=list(settings.layers))
        model = get_peft_model(encoder.model, config)
    head = build_head(encoder.dim, settings.hidden, n_labels)
    if start_head is not None:
        from safetensors.torch import load_file

        head.load_state_dict(load_file(str(start_head)))
    y = torch.tensor(list(targets))
    loss_fn = torch.nn.CrossEntropyLoss(weight=class_weights(y, n_labels))
    trainable = [p for p in model.parameters() if p.requires_grad] + list(head.parameters())
    optimiser = torch.optim.AdamW(trainable, lr=settings.learning_rate, weight_decay=0.01)
    lengths = [len(t) for t in texts]
    steps = settings.epochs * -(-len(texts) // settings.batch_size)  # chunks hold whole batches
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=settings.learning_rate, total_steps=steps,
                                                   pct_start=0.06)
    model.train()
    head.train()
    started, seen, step = time.perf_counter(), 0, 0
    for epoch in range(settings.epochs):
        for batch in length_shuffled_batches(lengths, settings.batch_size, rng):
            tokens = encoder.tokenizer([texts[i] for i in batch], padding=True, truncation=True,
                                       max_length=encoder.max_length, return_tensors="pt")
            hidden = model(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"]).last_hidden_state
            loss = loss_fn(head(mean_pool(hidden, tokens["attention_mask"])), y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            step += 1
            seen += len(batch)
            if on_step is not None:
                on_step(step, steps)
            if step % 100 == 0 or step == steps:
                rate = seen / (time.perf_counter() - started)
                log(f"  adapter epoch {epoch + 1} step {step}/{steps}: loss {loss.item():.3f}, {rate:.1f} examples/s")
    model.eval()
    return model, head.eval()


def save_adapter(model: Any, folder: Path, base_model: str) -> None:
    """Write the adapter's weights and config (peft's format) to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(folder), save_embedding_layers=False)  # the adapter never touches the embeddings
    (folder / "README.md").unlink(missing_ok=True)  # peft's empty model-card template
    config_path = folder / ADAPTER_FILES[0]
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = base_model  # not this machine's site-packages path
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def merged(model: Any) -> Any:
    """The plain encoder with the adapter's weights folded in."""
    return model.merge_and_unload()
