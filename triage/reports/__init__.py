"""The manager's report as files (CSV, XLSX, PDF), its charts, and its scheduled delivery by e-mail.

Figures come from ``triage.queue.manager_report``; this package only turns them into bytes.
"""
