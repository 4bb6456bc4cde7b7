"""What the store does with hostile input, on SQLite and on a real PostgreSQL server.

Control characters are removed from the stored text (kept in ``raw``), so both databases store
the same text; a text longer than ``MAX_TEXT_CHARS`` is cut and flagged; a row the database
refuses is reported with its id and the rest of its chunk is stored.
"""

from __future__ import annotations

from sqlalchemy import text

from conftest import make_mention
from triage.text.clean import MAX_TEXT_CHARS, TRUNCATED_KEY


def test_control_characters_are_removed_from_every_stored_field_and_kept_in_raw(backend):
    mention = make_mention("n\x00ul", text="router\x00 down\x1b\r\nagain\t!", display_name="Ma\x00rta",
                           raw={"text": "router\x00 down\ud800"})
    backend.upsert_mentions([mention])
    row = backend.find("x", "nul")
    assert row is not None
    assert (row.text, row.author_name) == ("router down\nagain\t!", "Marta")
    assert row.raw == {"text": "router\x00 down\ud800"}


def test_a_text_longer_than_the_limit_is_stored_cut_and_flagged(backend):
    long_text = "the app crashes " * 1_000_000  # 16 MB
    backend.upsert_mentions([make_mention("big", text=long_text, raw={"text": long_text})])
    row = backend.find("x", "big")
    assert row is not None
    assert row.text == long_text[:MAX_TEXT_CHARS]
    assert row.raw[TRUNCATED_KEY] == len(long_text)
    assert len(row.raw["text"]) == MAX_TEXT_CHARS


def _refuse_external_id(store, external_id: str) -> None:
    """A database-side rule that refuses one row, as a constraint or a trigger of an operator would."""
    with store.engine.begin() as connection:
        if store.engine.dialect.name == "sqlite":
            connection.execute(text(
                "CREATE TRIGGER refuse BEFORE INSERT ON mentions "
                f"WHEN NEW.external_id = '{external_id}' BEGIN SELECT RAISE(ABORT, 'refused by a rule'); END"))
        else:
            connection.execute(text(
                f"ALTER TABLE mentions ADD CONSTRAINT refuse CHECK (external_id <> '{external_id}')"))


def test_a_row_the_database_refuses_is_reported_and_the_rest_of_its_chunk_is_stored(backend):
    _refuse_external_id(backend, "13")
    mentions = [make_mention(str(n), text=f"post {n}") for n in range(1, 901)]  # three chunks of 400
    result = backend.upsert_mentions(mentions)
    assert [(r.channel, r.external_id) for r in result.refused] == [("x", "13")]
    assert str(result.refused[0]).startswith("x id 13: not stored (")
    assert "post 13" not in str(result.refused[0])  # the reason never repeats the row
    assert len(result.inserted) == 899 and backend.count() == 899
    assert backend.find("x", "14") is not None and backend.find("x", "13") is None
