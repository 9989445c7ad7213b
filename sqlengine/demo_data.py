"""The embedded demo shop: small, deterministic tables that ship with the package.

``python -m sqlengine.demo_data`` regenerates ``sqlengine/demo/*.parquet`` (same seed, same data).
"""

from __future__ import annotations

import decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

DEMO_DIR = Path(__file__).parent / "demo"
TABLES = ("customers", "products", "orders", "order_items")

_COUNTRIES = ["Germany", "France", "Brazil", "Japan", "Kenya", "Canada", "India", "Spain"]
_FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Niklaus"]
_LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton", "Wirth"]
_CATEGORIES = ["books", "games", "garden", "kitchen", "music", "tools"]


def _money(values: np.ndarray) -> pa.Array:
    return pa.array([decimal.Decimal(f"{v:.2f}") for v in values], pa.decimal128(10, 2))


def build() -> dict[str, pa.Table]:
    rng = np.random.default_rng(20261123)
    n_cust, n_prod, n_orders = 200, 60, 2000
    customers = pa.table({
        "customer_id": pa.array(np.arange(1, n_cust + 1), pa.int64()),
        "name": [f"{_FIRST[i % 10]} {_LAST[(i * 7) % 10]} {i}" for i in range(n_cust)],
        "country": pa.array(rng.choice(_COUNTRIES, n_cust)),
        "signup_date": pa.array(np.datetime64("2023-01-01") + rng.integers(0, 700, n_cust).astype("timedelta64[D]"), pa.date32()),
        "email": [None if i % 17 == 0 else f"user{i}@example.com" for i in range(n_cust)],
    })
    price = rng.uniform(3, 120, n_prod).round(2)
    products = pa.table({
        "product_id": pa.array(np.arange(1, n_prod + 1), pa.int64()),
        "name": [f"{_CATEGORIES[i % 6]} item {i}" for i in range(n_prod)],
        "category": [_CATEGORIES[i % 6] for i in range(n_prod)],
        "price": _money(price),
    })
    order_cust = rng.integers(1, n_cust + 1, n_orders)
    order_date = np.datetime64("2024-01-01") + rng.integers(0, 540, n_orders).astype("timedelta64[D]")
    items_per_order = rng.integers(1, 5, n_orders)
    item_order = np.repeat(np.arange(1, n_orders + 1), items_per_order)
    item_prod = rng.integers(1, n_prod + 1, len(item_order))
    item_qty = rng.integers(1, 6, len(item_order))
    unit = price[item_prod - 1]
    line_total = unit * item_qty
    totals = np.bincount(item_order, weights=line_total, minlength=n_orders + 1)[1:]
    orders = pa.table({
        "order_id": pa.array(np.arange(1, n_orders + 1), pa.int64()),
        "customer_id": pa.array(order_cust, pa.int64()),
        "order_date": pa.array(order_date, pa.date32()),
        "status": pa.array(rng.choice(["shipped", "delivered", "returned", "pending"], n_orders, p=[0.3, 0.55, 0.05, 0.1])),
        "total": _money(totals),
    })
    order_items = pa.table({
        "order_id": pa.array(item_order, pa.int64()),
        "product_id": pa.array(item_prod, pa.int64()),
        "quantity": pa.array(item_qty, pa.int64()),
        "unit_price": _money(unit),
    })
    return {"customers": customers, "products": products, "orders": orders, "order_items": order_items}


def paths() -> dict[str, str]:
    return {name: str(DEMO_DIR / f"{name}.parquet") for name in TABLES}


def write(directory: Path = DEMO_DIR) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, table in build().items():
        pq.write_table(table, directory / f"{name}.parquet", compression="zstd")


if __name__ == "__main__":
    write()
    print(f"wrote {', '.join(TABLES)} to {DEMO_DIR}")
