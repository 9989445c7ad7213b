"""``frames.bag``: parallel lists of Python objects for semi-structured data, mirroring ``dask.bag``.

    import json
    import frames.bag as fb
    records = fb.read_text("logs/*.jsonl.gz").map(json.loads)       # or fb.read_json(...)
    records.filter(lambda r: r["status"] >= 500).pluck("path").frequencies(sort=True).take(10)
    df = records.to_dataframe()                                      # a frames.DataFrame, in Arrow

Modules: ``core`` (the Bag and Item, making bags, element-wise operations, ``.str``),
``reductions`` (one tree reduction under count, sum, mean, frequencies, topk, ...), ``groupby``
(``groupby``: a shuffle by a hash that is the same in every process; ``foldby``), ``text``
(``read_text``, ``read_json``, ``to_textfiles``), ``convert`` (``to_dataframe``). Bags compute on
worker processes by default (see ``frames.bag.core``).
"""

from frames.bag.core import Bag, Item, concat, from_delayed, from_sequence, map_partitions
from frames.bag.core import map_elements as map
from frames.bag.core import range_ as range
from frames.bag.core import zip_ as zip
from frames.bag.errors import BagError
from frames.bag.groupby import stable_hash
from frames.bag.text import read_json, read_text, to_textfiles

__all__ = ["Bag", "BagError", "Item", "concat", "from_delayed", "from_sequence", "map", "map_partitions", "range",
           "read_json", "read_text", "stable_hash", "to_textfiles", "zip"]
