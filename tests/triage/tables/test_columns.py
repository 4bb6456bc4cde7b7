"""Column mappings read other tools' exports as mentions; presets are a start, ``columns`` overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.tables.columns import FIELDS, PRESETS, ColumnMappingError, column_mapping, mapping_from_config
from triage.tables.mentions import OPTIONAL, REQUIRED, read_mentions

EXPORTS = Path(__file__).resolve().parent.parent.parent / "listeners" / "payloads" / "files"


def test_the_sprout_preset_reads_a_smart_inbox_export():
    parsed = read_mentions(EXPORTS / "sprout_inbox.csv", mapping=column_mapping("sprout"))

    marta, ciro = parsed.mentions
    assert (marta.external_id, marta.channel, marta.author.handle, marta.author.followers) == (
        "1991234567890123456", "x", "marta_rm", 310)  # Twitter is our "x"
    assert marta.text.startswith("@LumoraHelp my fibre") and marta.language == "en"
    assert marta.url == "https://x.com/marta_rm/status/1991234567890123456"
    assert (ciro.channel, ciro.author.display_name, ciro.language) == ("instagram", "Ciro", "it")
    assert marta.raw["Message Type"] == "Mention"  # the export's own columns are kept
    assert [(e.line, e.message) for e in parsed.errors] == [(4, "missing author")]


def test_the_brandwatch_preset_reads_a_mentions_export():
    parsed = read_mentions(EXPORTS / "brandwatch_mentions.csv", mapping=column_mapping("brandwatch"))

    reddit, news = parsed.mentions
    assert (reddit.external_id, reddit.channel, reddit.language) == ("t3_1gq2x7k", "reddit", "it")
    assert reddit.created_at.isoformat() == "2026-11-20T07:45:12+00:00"
    assert (news.channel, news.author.display_name) == ("news", "Chiara Monti")
    assert parsed.errors == []


def test_columns_override_a_preset_and_date_format_reads_other_dates(tmp_path):
    mapping = mapping_from_config({"preset": "hootsuite", "columns": {"text": "Message", "kind": "Sentiment"},
                                   "date_format": "%m/%d/%Y %H:%M"})
    assert mapping.columns["id"] == "Post ID" and mapping.columns["kind"] == "Sentiment"
    mapping = column_mapping("hootsuite", date_format="%m/%d/%Y %H:%M")

    parsed = read_mentions(EXPORTS / "hootsuite_stream.csv", mapping=mapping)

    [sam] = parsed.mentions
    assert sam.created_at.isoformat() == "2026-11-20T09:30:00+00:00" and sam.author.display_name == "Sam Okafor"
    assert [(e.line, e.message) for e in parsed.errors] == [
        (3, "created_at '11/20/2026 9:30 AM' does not match date_format '%m/%d/%Y %H:%M'")]


def test_mistakes_in_the_mapping_say_how_to_fix_them():
    with pytest.raises(ColumnMappingError, match="unknown column preset 'sproutsocial'; use one of brandwatch"):
        column_mapping("sproutsocial")
    with pytest.raises(ColumnMappingError, match=r"unknown field\(s\) body; map our fields \(id, text"):
        column_mapping(columns={"body": "Message"})
    with pytest.raises(ColumnMappingError, match="must be a table"):
        mapping_from_config({"columns": ["Message"]})
    assert mapping_from_config({}) is None


def test_every_preset_maps_only_our_fields_and_covers_the_required_ones():
    assert FIELDS == REQUIRED + OPTIONAL
    for name, columns in PRESETS.items():
        assert set(columns) <= set(FIELDS), name
        assert set(REQUIRED) <= set(columns), name
