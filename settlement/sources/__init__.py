"""Source adapters: turn what shops export (CSV, SAF-T, WooCommerce) into normalized SaleLines.

`protocol` says what a file source is; `importing` is the one import use case that stores what a
source reads (all of a file or nothing), called by the CLI, the drop folder and `serve`.
"""
