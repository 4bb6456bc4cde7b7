"""Ascolto dashboard: ``streamlit run dashboard.py``.

The script is the view only: it reads through ``triage`` functions and calls them for
every action. Pages live in ``triage/ui/``.
"""

import streamlit as st

from triage.ui.common import sidebar

st.set_page_config(page_title="Ascolto", page_icon=":material/forum:", layout="wide")

pages = [
    st.Page("triage/ui/queue_page.py", title="Queue", icon=":material/inbox:", default=True),
    st.Page("triage/ui/trends_page.py", title="Trends", icon=":material/monitoring:"),
    st.Page("triage/ui/model_page.py", title="Model", icon=":material/model_training:"),
    st.Page("triage/ui/sources_page.py", title="Sources", icon=":material/sensors:"),
]
navigation = st.navigation(pages)
sidebar()
navigation.run()
