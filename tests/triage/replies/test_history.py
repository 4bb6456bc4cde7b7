"""History suggestions: the team's earlier replies, retrieved by similarity and adapted to this customer."""

from __future__ import annotations

import pytest

from conftest import make_mention
from fakes import HashingEncoder
from triage.queue import workflow
from triage.replies.drafts import DraftRequest, context_for, suggest
from triage.replies.history import HistoryEntry, HistoryIndex, forget, index_for


def answered(store, external_id, text, reply, *, channel="x", name="Rachel Green", language="en",
             agent="giulia", sentiment="negative"):
    [mention_id] = store.upsert_mentions([make_mention(external_id, text, channel=channel, display_name=name,
                                                       language=language)]).inserted
    with store.session() as session:
        from triage.db.schema import MentionRow

        session.get(MentionRow, mention_id).sentiment = sentiment
    workflow.reply(store, mention_id, agent, reply, posted=True)
    return mention_id


@pytest.fixture
def history_store(store):
    answered(store, "1", "my order #LM-48213 never arrived, it's been two weeks",
             "Hi Rachel, sorry about the wait on #LM-48213. Could you DM us your account number? "
             "Please don't post it here. ^GB")
    answered(store, "2", "ciao, la fibra è giù da stamattina, che succede?",
             "Ciao Rachel, c'è un guasto nella tua zona e i tecnici ci stanno lavorando. "
             "Aggiornamenti su status.lumora.example ^MR", language="it", agent="marco")
    answered(store, "3", "Buongiorno, la fibra è giù da stamattina, potrebbe dirmi cosa succede? Cordiali saluti",
             "Buongiorno Rachel, c'è un guasto nella Sua zona e i tecnici ci stanno lavorando. "
             "Trova gli aggiornamenti su status.lumora.example ^MR", language="it", agent="marco")
    yield store
    forget(store)


def test_an_earlier_reply_is_adapted_to_this_customer(history_store):
    index = index_for(history_store, HashingEncoder())
    tone, drafts = suggest(DraftRequest("my order #LM-99120 never arrived and it's been ages", "x", "Monica Geller",
                                        sentiment="negative", p_negative=0.6, signature="^AB"), history=index)
    assert drafts[0].source == "history"
    text = drafts[0].text
    assert text.startswith("Hi Monica, ")
    assert "#LM-99120" in text and "#LM-48213" not in text and "Rachel" not in text
    assert text.endswith("^AB") and "^GB" not in text
    assert drafts[0].score and drafts[0].score > 0.5
    assert "giulia" in drafts[0].detail


def test_a_reply_naming_an_order_this_post_lacks_is_skipped(history_store):
    index = index_for(history_store, HashingEncoder())
    _, drafts = suggest(DraftRequest("my order never arrived, it's been two weeks", "x", "Monica",
                                     sentiment="negative", p_negative=0.6), history=index)
    assert "history" not in {d.source for d in drafts}


def test_italian_replies_come_only_from_posts_in_the_same_register(history_store):
    index = index_for(history_store, HashingEncoder())
    _, informal = suggest(DraftRequest("ciao, la fibra è giù da stamattina, che succede?", "x", "Luca",
                                       sentiment="negative", p_negative=0.5), history=index)
    _, formal = suggest(DraftRequest("Buongiorno, la fibra è giù da stamattina, potrebbe dirmi cosa succede? Grazie",
                                     "x", "Anna Bianchi", sentiment="negative", p_negative=0.5), history=index)
    assert informal[0].source == formal[0].source == "history"
    assert informal[0].text.startswith("Ciao Luca, ") and "tua zona" in informal[0].text
    assert formal[0].text.startswith("Buongiorno Anna, ") and "Sua zona" in formal[0].text


def test_english_posts_never_get_an_italian_history_reply(history_store):
    index = index_for(history_store, HashingEncoder())
    _, drafts = suggest(DraftRequest("fibra down since this morning, what's going on?", "x", "Sam",
                                     sentiment="negative", p_negative=0.5), history=index)
    assert all(d.source != "history" or "guasto" not in d.text for d in drafts)


def test_dms_become_the_contact_form_under_app_store_reviews(history_store):
    index = index_for(history_store, HashingEncoder())
    tone = None
    ctx = context_for("my order #LM-77777 never arrived, two weeks now", "googleplay", "Joey", tone, "complaint",
                      "^AB", "negative", 0.6)
    found = index.suggestion(ctx)
    assert found is not None and "DM" not in found.text
    assert "help.lumora.example/contact" in found.text and "#LM-77777" in found.text


def test_the_index_is_cached_per_database_and_grows_with_new_replies(history_store):
    encoder = HashingEncoder()
    index = index_for(history_store, encoder)
    assert len(index) == 3 and encoder.embedded == 3
    assert index_for(history_store) is index and encoder.embedded == 3  # nothing re-embedded
    answered(history_store, "4", "the app logs me out every day, so annoying",
             "Hi Rachel, sorry! Version 5.3.2 fixes the login loop, please update. ^SK", agent="sara")
    assert len(index_for(history_store)) == 4 and encoder.embedded == 4
    _, drafts = suggest(DraftRequest("the app logs me out every single day", "x", "Phoebe", sentiment="negative",
                                     p_negative=0.5), history=index)
    assert drafts[0].source == "history" and "5.3.2" in drafts[0].text and "Phoebe" in drafts[0].text


def test_a_reply_about_another_city_is_not_offered_for_this_one():
    index = HistoryIndex(HashingEncoder(), min_similarity=0.3)
    index.add([HistoryEntry("fibra giù a Milano da stamattina",
                            "Ciao, sì: a Milano c'è un guasto, ci stiamo lavorando.",
                            "it", "informal", "x", intent="complaint")])
    ctx = context_for("fibra giù a Torino da stamattina", "x", "Luca", None, "complaint", "", "negative", 0.5)
    assert index.suggestion(ctx) is None
    ctx = context_for("fibra giù a Milano da stamattina", "x", "Luca", None, "complaint", "", "negative", 0.5)
    assert index.suggestion(ctx) is not None


@pytest.mark.model
def test_retrieval_with_the_real_packaged_encoder():
    """The shipped all-MiniLM-L6-v2 encoder ranks the paraphrase first, offline."""
    from triage.replies.history import default_encoder

    index = HistoryIndex(default_encoder())
    index.add([
        HistoryEntry("how do I download my invoices as PDF?", "Hi, they're in the app under Billing.",
                     "en", "informal"),
        HistoryEntry("my router is overheating and smells of smoke", "Hi, unplug it now and call us.",
                     "en", "informal"),
        HistoryEntry("love the new app design, great work", "Thanks so much!", "en", "informal"),
    ])
    [(best, score), *_] = index.similar("where can I get my bills in pdf format?", k=3)
    assert best.post.startswith("how do I download my invoices") and score > 0.5
    [(best, _), *_] = index.similar("the hub is getting really hot, burning smell", k=3)
    assert best.post.startswith("my router is overheating")
