"""WooCommerce webshop orders and refunds → normalized sales (see docs/woocommerce.md).

- `amounts`: decimal strings → øre, VAT rate → Norwegian VAT code (pure).
- `orders`: one order / refund JSON object → SaleLines + the order-list entry, with Problems (pure).
- `client`: the HTTP client for the WooCommerce REST API v3 (auth, paging, retries).
- `sync`: pull changed orders, parse them and store everything in one transaction.
- `notes`: the webshop's warnings about a day (withdrawn orders, orders the POS data has too).
"""

SOURCE = "woocommerce"
