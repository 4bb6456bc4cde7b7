"""import-labels: a tagged export's labels become corrections by import:<file name>; new rows are stored first."""

import json

from conftest import make_mention
from triage.db import corrections as db
from triage.ingest.labels import import_labels
from triage.ingest.pipeline import ingest

ROWS = [
    {"id": "501", "text": "Il modem si è spento di colpo e puzza di bruciato", "author": "nonna_pina",
     "created_at": "2026-11-20T09:00:00Z", "channel": "x", "lang": "it", "sentiment": "negative",
     "intent": "complaint", "topic": "product_quality", "urgent": "1"},
    {"id": "502", "text": "grazie a Luca del negozio di Bari, gentilissimo", "author": "ste_v",
     "created_at": "2026-11-20T10:00:00Z", "channel": "x", "sentiment": "positive", "intent": "praise"},
    {"id": "503", "text": "come cambio il piano tariffario?", "author": "ale88",
     "created_at": "2026-11-20T11:00:00Z", "channel": "x", "intent": "domanda"},
    {"id": "504", "text": "no label on this one", "author": "ale88", "created_at": "2026-11-20T11:00:00Z"},
]


def write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_labels_become_corrections_by_the_file_and_new_rows_are_stored_first(store, tmp_path, fake_model,
                                                                          fake_intent_model):
    path = write(tmp_path / "brandwatch-tagged.jsonl", ROWS)
    result = import_labels(store, path, fake_model, fake_intent_model)
    assert (result.stored, result.labelled, result.labels) == (2, 2, 6)
    [bad] = result.errors
    assert (bad.line, bad.message) == (3, "intent 'domanda' is not one of complaint, question, praise, feedback, "
                                          "spam, other")
    corrections = db.corrections(store)
    assert {c.actor for c in corrections} == {"import:brandwatch-tagged.jsonl"}
    assert {c.source for c in corrections} == {"import:brandwatch-tagged.jsonl"}
    modem = store.find("x", "501")
    assert modem is not None and modem.overrides == {"sentiment": "negative", "intent": "complaint",
                                                     "topic": "product_quality", "urgent": True}
    assert any(r["phrase"] == "marked urgent by the team" for r in modem.reasons)
    old = {c.field: c.old_value for c in corrections if c.mention_id == modem.id}
    assert old["sentiment"] is not None  # the model classified the new row before its label was kept


def test_a_row_already_stored_keeps_its_id_and_gets_the_label(store, tmp_path, fake_model, fake_intent_model):
    ingest(store, [make_mention("502", "grazie a Luca del negozio di Bari, gentilissimo", handle="ste_v")],
           fake_model, intent_model=fake_intent_model)
    before = store.find("x", "502")
    path = write(tmp_path / "tags.jsonl", [ROWS[1]])
    import_labels(store, path, fake_model, fake_intent_model)
    after = store.find("x", "502")
    assert before is not None and after is not None and after.id == before.id
    assert (after.intent, after.sentiment) == ("praise", "positive")
