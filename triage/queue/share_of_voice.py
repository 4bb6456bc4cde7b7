"""Share of voice: our brand and each competitor of ``[brand.competitors]``, mentions and sentiment
per day and over the period (one GROUP BY over ``mentions.brand``)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from triage.db.reporting import brand_volume
from triage.db.store import Store
from triage.queue.figures import percent
from triage.queue.period import Period

OWN_BRAND = "(our brand)"
SHARE_COLUMNS = ("brand", "mentions", "share_of_voice_pct", "negative_pct", "positive_pct")


@dataclass
class ShareOfVoice:
    totals: pd.DataFrame  # SHARE_COLUMNS, one row per brand, largest first
    daily: pd.DataFrame  # day, brand, mentions, negative


def share_of_voice(store: Store, period: Period, own_name: str = "") -> ShareOfVoice:
    start, end = period.bounds()
    own = own_name or OWN_BRAND
    rows = pd.DataFrame(brand_volume(store, start, end), columns=["day", "brand", "sentiment", "n"])
    if rows.empty:
        return ShareOfVoice(pd.DataFrame(columns=list(SHARE_COLUMNS)),
                            pd.DataFrame(columns=["day", "brand", "mentions", "negative"]))
    rows["brand"] = rows["brand"].fillna(own)
    rows["negative"] = rows["n"].where(rows["sentiment"] == "negative", 0)
    rows["positive"] = rows["n"].where(rows["sentiment"] == "positive", 0)
    per_brand = rows.groupby("brand")[["n", "negative", "positive"]].sum().sort_values("n", ascending=False,
                                                                                          kind="stable")
    whole = int(per_brand["n"].sum())
    totals = pd.DataFrame(
        [(str(b), int(r["n"]), percent(int(r["n"]), whole), percent(int(r["negative"]), int(r["n"])),
          percent(int(r["positive"]), int(r["n"]))) for b, r in per_brand.iterrows()], columns=list(SHARE_COLUMNS))
    daily = rows.groupby(["day", "brand"])[["n", "negative"]].sum().reset_index().rename(columns={"n": "mentions"})
    daily["day"] = pd.to_datetime(daily["day"]).dt.date
    return ShareOfVoice(totals, daily)
