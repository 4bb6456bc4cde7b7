"""Replies never repeat us and never borrow another customer's facts (the issue's four cases, on posts we wrote)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from conftest import make_mention
from fakes import HashingEncoder
from triage.context import Context
from triage.db.schema import MentionRow
from triage.queue import workflow
from triage.replies.drafts import DraftRequest, context_for, suggest
from triage.replies.history import forget, index_for
from triage.replies.originality import (
    EarlierReply,
    absent_specifics,
    areas,
    generalise,
    repeated,
    shares_topic,
    similarity,
)
from triage.replies.rules import ORIGINALITY_RULES, check
from triage.replies.suggest import earlier_replies, for_mention
from triage.replies.tone import profile


def answered(store, external_id, text, reply, *, handle="someone", name="Someone", language="en", channel="x",
             agent="giulia", sentiment="negative", topic=None):
    [mention_id] = store.upsert_mentions([make_mention(external_id, text, channel=channel, handle=handle,
                                                       display_name=name, language=language)]).inserted
    with store.session() as session:
        row = session.get(MentionRow, mention_id)
        row.sentiment, row.intent, row.topic = sentiment, "complaint", topic
    workflow.reply(store, mention_id, agent, reply, posted=True)
    return mention_id


def pending(store, external_id, text, *, handle, name, language="en", channel="x", topic=None):
    [mention_id] = store.upsert_mentions([make_mention(external_id, text, channel=channel, handle=handle,
                                                       display_name=name, language=language)]).inserted
    with store.session() as session:
        row = session.get(MentionRow, mention_id)
        row.sentiment, row.p_negative, row.intent, row.topic = "negative", 0.9, "complaint", topic
    return store.get(mention_id)


MARTA_REPLY = ("Ciao Marta, ci dispiace per il doppio addebito. Scrivici in DM il numero cliente e la data "
               "degli addebiti: verifichiamo subito con il team fatturazione ^GB")


@pytest.fixture
def marta(store):
    """Marta wrote about a double charge; an agent answered her four days ago; then she wrote again, twice."""
    answered(store, "m1", "ciao, mi avete addebitato due volte €29,90 questo mese. come faccio a riaverli?",
             MARTA_REPLY, handle="marta_rm", name="Marta R.", language="it", topic="billing")
    yield store
    forget(store)


def test_martas_third_message_never_gets_the_reply_sent_to_her_before(marta):
    third = pending(marta, "m3", "TERZO messaggio: mi avete addebitato due volte €29,90 questo mese, una settimana "
                    "e zero risposte. come faccio a riaverli?", handle="marta_rm", name="Marta R.", language="it",
                    topic="billing")
    ctx = Context(marta)
    assert [e.text for e in earlier_replies(marta, third)] == [MARTA_REPLY]
    index = index_for(marta, HashingEncoder())
    unguarded = suggest(DraftRequest(third.text, "x", "Marta R.", "it", "negative", 0.9, "^GB", intent="complaint",
                                     mention_id=third.id, guard=False), history=index)[1]
    assert MARTA_REPLY in [d.text for d in unguarded]  # what the issue saw: the exact reply, signature included
    result = for_mention(ctx, third, "^GB")
    assert result.suggestions
    assert all(similarity(s.text, MARTA_REPLY, "^GB") < 0.8 for s in result.suggestions)


def test_another_customers_thread_reply_is_not_a_repeat_for_her(marta):
    other = pending(marta, "o1", "ciao, mi avete addebitato due volte €29,90, come li riavrò?", handle="luca_b",
                    name="Luca", language="it", topic="billing")
    assert earlier_replies(marta, other) == ()


def test_a_landline_complaint_never_gets_another_customers_billing_preference(store):
    answered(store, "n1", 'Lumora charging me £7 for a "paper bill" I never asked for. Switched to paperless twice.',
             "Hi Nora, sorry, that shouldn't keep happening. Could you DM us your account number? We'll check why "
             "your billing preference keeps reverting and look at the charges ^SK", handle="nora", name="Nora",
             topic="billing")
    index = index_for(store, HashingEncoder())
    post = "my landline has had no dial tone since Tuesday, I keep reporting it and nothing happens, sort it out"
    _, drafts = suggest(DraftRequest(post, "x", "Derek", sentiment="negative", p_negative=0.8, signature="^AB",
                                     intent="complaint", topic="outage"), history=index)
    assert drafts and all("billing preference" not in d.text and "Nora" not in d.text for d in drafts)
    forget(store)


def test_a_borrowed_sentence_is_removed_when_the_rest_still_reads(store):
    reply = ("Hi Nora, sorry, that shouldn't keep happening. Could you DM us your account number? We'll check why "
             "your billing preference keeps reverting and look at the charges ^SK")
    general = generalise(reply, "you keep charging me for things I never ordered, sort it out", "^SK")
    assert general == "Hi Nora, sorry, that shouldn't keep happening. Could you DM us your account number? ^SK"


def test_a_refund_with_a_regulator_threat_gets_no_billing_invoices_faq():
    post = ("You took £24.99 from my account for a bill I never had. Refund it this week or I'm reporting you to "
            "Ofcom.")
    _, drafts = suggest(DraftRequest(post, "x", "Tom Baker", sentiment="negative", p_negative=0.9, signature="^AB",
                                     intent="complaint"))
    assert drafts and all("Billing > Invoices" not in d.text for d in drafts)
    assert "faq" not in {d.source for d in drafts}
    _, before = suggest(DraftRequest(post, "x", "Tom Baker", sentiment="negative", p_negative=0.9, signature="^AB",
                                     intent="complaint", guard=False))
    assert any("Billing > Invoices" in d.text for d in before)  # what the issue saw


def test_a_double_charge_faq_keeps_only_what_answers_it():
    post = "you've charged me twice this month, £38 each time. I want the money back"
    _, drafts = suggest(DraftRequest(post, "x", "Paulo", sentiment="negative", p_negative=0.8, signature="^AB",
                                     intent="complaint"))
    faq = [d for d in drafts if d.source == "faq"]
    assert faq and "Billing > Invoices" not in faq[0].text and "message us privately" in faq[0].text
    assert faq[0].origin is not None and faq[0].origin.generalised and "generalised" in faq[0].detail


def test_an_italian_app_crash_never_gets_the_centralino(store):
    answered(store, "p1", "Ragazzi ma è possibile che ogni volta che chiamo @LumoraHelp mi fanno rifare tutta la "
             "trafila dall'inizio? Nome, codice cliente... e poi cade la chiamata",
             "Ciao Pierpaolo, hai ragione, è frustrante e lo giriamo al team che gestisce il centralino. Se ti serve "
             "ancora aiuto scrivici qui in DM: almeno i dati ce li dai una volta sola ^MR",
             handle="pierpa_fi", name="Pierpaolo", language="it", agent="marco", topic="customer_service")
    index = index_for(store, HashingEncoder())
    post = "ragazzi l'app si chiude appena la apro, è frustrante, ogni volta che ci provo tutto da capo"
    _, drafts = suggest(DraftRequest(post, "x", "Sara", "it", "negative", 0.7, "^GB", intent="complaint"),
                        history=index)
    assert drafts and all("centralino" not in d.text and "Pierpaolo" not in d.text for d in drafts)
    forget(store)


def test_every_suggestion_says_where_it_came_from(store):
    mention_id = answered(store, "q1", "my order #LM-48213 never arrived, it's been two weeks",
                          "Hi Rachel, sorry about the wait on #LM-48213. Could you DM us your account number? ^GB",
                          name="Rachel Green")
    index = index_for(store, HashingEncoder())
    _, drafts = suggest(DraftRequest("my order #LM-99120 never arrived, it's been two weeks", "x", "Monica",
                                     sentiment="negative", p_negative=0.6, signature="^AB"), history=index)
    history = drafts[0]
    assert history.source == "history" and history.origin is not None
    assert history.origin.kind == "reply" and history.origin.post_id == mention_id and history.origin.channel == "x"
    assert history.origin.at is not None and f"to post #{mention_id} on x, " in history.detail
    assert all(d.origin is not None for d in drafts)
    assert all(d.to_dict()["origin"]["kind"] in ("reply", "faq", "template") for d in drafts)
    forget(store)


# ---- the rules on their own --------------------------------------------------------------------------------

def test_near_repeats_ignore_handles_signature_and_links():
    sent = EarlierReply("@marta_rm Ciao Marta, scrivici in DM il numero cliente ^GB", 7, 3, "x",
                        datetime(2026, 11, 20, tzinfo=timezone.utc), "giulia")
    assert repeated("Ciao Marta, scrivici in DM il numero cliente ^AB", [sent], "^AB") == sent
    assert repeated("Ciao Marta, mi dispiace davvero: ti scrivo io in DM adesso ^AB", [sent], "^AB") is None
    assert sent.describe() == "reply #7 by giulia on 2026-11-20"


def test_specifics_are_amounts_references_menus_features_and_names():
    kinds = {(s.kind, s.text) for s in absent_specifics(
        "Refunded £24.99 for order #LM-48213. It's under Billing > Invoices in the app, says Giulia from Milano.",
        "you owe me money")}
    assert {("amount", "£24.99"), ("reference", "#LM-48213"), ("menu", "Billing > Invoices"), ("feature", "app"),
            ("name", "Milano")} <= kinds
    assert absent_specifics("we'll look at your landline", "il mio telefono fisso non va") == []  # same thing
    assert absent_specifics("the €29,90 charge", "due addebiti da 29,90 euro") == []


def test_topics_are_shared_by_stored_topic_or_by_area():
    assert areas("l'app si chiude") == {"app"} and "billing" in areas("charged £7 for a paper bill")
    assert not shares_topic("my landline has no dial tone", "charged £7 for a paper bill")
    assert shares_topic("charged twice", "refund my double charge")
    assert shares_topic("thanks!", "charged twice")  # nothing to tell: not a reason to drop
    assert not shares_topic("anything", "anything else", "outage", "billing")


def test_the_tone_rules_flag_repeats_and_borrowed_facts():
    post = "my landline has had no dial tone since Tuesday"
    tone = profile(post, "en", 0.6, intent="complaint")
    reply = "Hi Derek, sorry. We'll check why your billing preference keeps reverting ^AB"
    earlier = [EarlierReply(reply)]
    rules = {v.rule for v in check(reply, tone, "x", "complaint", signature="^AB", post=post + " Derek",
                                   earlier=earlier)}
    assert set(ORIGINALITY_RULES) <= rules
    assert not {v.rule for v in check(reply, tone, "x", "complaint", signature="^AB")} & set(ORIGINALITY_RULES)


def test_templates_pass_the_originality_rules():
    ctx = context_for("my landline has had no dial tone since Tuesday", "x", "Derek", intent="complaint",
                      signature="^AB", p_negative=0.6)
    _, drafts = suggest(DraftRequest(ctx.text, "x", "Derek", p_negative=0.6, signature="^AB", intent="complaint"))
    assert drafts and all(not ctx.check(d.text) for d in drafts)
