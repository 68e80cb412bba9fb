"""`settlement serve`: the unattended service.

Modules: `main` (the serve loop and `reload`'s signal: the one module the CLI calls), `trigger` (a
once-a-day closing-time trigger, DST-safe), `scheduler` (one job per vendor), `service` (what a
firing does: sync sources, then catch-up; reload; readiness), `sources` (pull WooCommerce, read the
drop folder), `dropfolder` + `seen_files` (drop-folder files, imported once by content hash),
`metrics` (Prometheus text), `http` (/healthz, /readyz, /metrics), `control` (pid file and signals
for `settlement reload`).
"""
