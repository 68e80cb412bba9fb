"""Source adapters: turn what shops export (CSV, SAF-T, WooCommerce) into normalized SaleLines."""
