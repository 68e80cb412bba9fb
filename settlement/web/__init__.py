"""The web page for the chain's office and the accountant: every store's days at a glance, each day
down to its receipts, and a few audited actions for operators.

Server-rendered HTML (Jinja2 templates, Werkzeug request handling) on a small threading WSGI server
from the standard library; no JavaScript. A shell like the CLI and serve: it reads the store and
the posting state through settlement.wiring and runs the same use cases as the commands. Nothing
below it imports it, and only `settlement web` and `serve` start it (docs/web.md).
"""
