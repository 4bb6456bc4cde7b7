"""``python -m triage suggest``: the tone profile and the suggestions, as text or one JSON object."""

from __future__ import annotations

import json

import pytest

from triage.cli import main
from triage.db.store import open_store
from triage.replies.history import forget


def run(capsys, *args):
    code = main(["suggest", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.model
def test_json_is_one_object_with_tone_and_labelled_suggestions(capsys, sqlite_url):
    code, out, _ = run(capsys, "--text", "Buongiorno, potrebbe dirmi come attivare l'eSIM? Cordiali saluti",
                       "--channel", "x", "--author", "Maria Rossi", "--signature", "^GB", "--json", "--db", sqlite_url)
    assert code == 0
    result = json.loads(out)  # exactly one JSON object on stdout
    assert {k: result["tone"][k] for k in ("language", "register", "emoji")} == {
        "language": "it", "register": "formal", "emoji": False}
    assert 0.0 <= result["tone"]["intensity"] <= 1.0
    assert len(result["suggestions"]) == 3
    assert all(s["source"] in ("history", "faq", "template", "generated") for s in result["suggestions"])
    assert result["suggestions"][0]["source"] == "faq"
    assert "https://help.lumora.example/it/esim" in result["suggestions"][0]["text"]
    assert all(s["text"].startswith("Buongiorno Maria") and s["text"].endswith("^GB") for s in result["suggestions"])
    assert "has no replies yet" in result["history"]


@pytest.mark.model
def test_history_comes_from_the_database_given(capsys, demo_db_url):
    code, out, _ = run(capsys, "--text", "@LumoraHelp fibra down a Milano da stamattina, che succede??",
                       "--author", "Paolo", "--json", "--db", demo_db_url)
    forget(open_store(demo_db_url))
    assert code == 0
    result = json.loads(out)
    assert "earlier replies in sqlite" in result["history"]
    history = [s for s in result["suggestions"] if s["source"] == "history"]
    assert history and history[0]["text"].startswith("Ciao Paolo")
    assert history[0]["score"] > 0.5


@pytest.mark.model
def test_text_output_says_what_it_uses(capsys, sqlite_url):
    code, out, _ = run(capsys, "--text", "Hola, ¿por qué no funciona mi internet?", "--db", sqlite_url)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("tone: es, ")
    assert lines[1].startswith("history: ") and "no replies yet" in lines[1]
    assert "warning: post is in 'es'; draft in English" in out
    assert "1. [" in out and "2. [" in out and "3. [" in out


def test_an_empty_text_is_one_clear_error(capsys, sqlite_url):
    code, _, err = run(capsys, "--text", "  ", "--db", sqlite_url)
    assert code == 2 and err.startswith("error: --text is empty")
