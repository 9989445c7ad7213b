
import exec as _exec  # noqa: F401 - first: it sets allocator options before pyarrow loads
