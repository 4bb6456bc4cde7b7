"""Ascolto dashboard: ``streamlit run dashboard.py``.

The script is the view only: it reads through ``triage`` functions and calls them for
every action. Pages live in ``triage/ui/``. Who is acting comes first (``triage.ui.signin``):
the signed-in user with ``[auth]`` in ``.streamlit/secrets.toml``, else the single local user;
the pages listed are the ones their role may open.
"""

import streamlit as st

from triage.ui.common import current_actor, sidebar

st.set_page_config(page_title="Ascolto", page_icon=":material/forum:", layout="wide")

actor = current_actor()  # with [auth]: the sign-in screen, or a refusal, stops here
pages = [st.Page("triage/ui/queue_page.py", title="Queue", icon=":material/inbox:", default=True)]
if actor.can("see_reports"):  # managers and admins
    pages.append(st.Page("triage/ui/trends_page.py", title="Trends", icon=":material/monitoring:"))
    pages.append(st.Page("triage/ui/model_page.py", title="Model", icon=":material/model_training:"))
if actor.can("edit_sources"):  # admins
    pages.append(st.Page("triage/ui/sources_page.py", title="Sources", icon=":material/sensors:"))
navigation = st.navigation(pages)
sidebar(actor)
navigation.run()
