"""Expression trees: scalar expressions (``scalar``, ``kernels``) and relational nodes over
partitioned Arrow tables (``node`` and one module per node family), plus the optimizer."""
