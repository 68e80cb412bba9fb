"""The alert channels: a JSON webhook (Slack, Teams, Mattermost) and e-mail over SMTP, both saying
the same Norwegian text (messages.py). They implement settlement.posting.alerts.AlertChannel;
settlement.wiring makes them from the `[alerts]` table of vendors.toml."""
