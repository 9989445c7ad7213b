-- table functions with constant arguments: range, generate_series (integers, dates and timestamps with intervals), unnest of a list
CREATE TABLE w AS SELECT * FROM (VALUES (1, 'a', 10), (2, 'a', 20), (3, 'b', NULL)) AS t(id, g, v);
SELECT * FROM range(5);
SELECT * FROM range(1, 10, 4);
SELECT * FROM range(5, 1, -2);
SELECT * FROM range(1, 1);
SELECT * FROM generate_series(5);
SELECT * FROM generate_series(1, 3);
SELECT * FROM generate_series(10, 1, -3);
SELECT x * 2 AS y FROM generate_series(1, 4) AS t(x) WHERE x > 1;
SELECT r.range FROM range(3) r;
SELECT w.id, t.x FROM w, range(2) AS t(x) WHERE w.id < 3;
SELECT * FROM generate_series(DATE '2020-01-01', DATE '2020-01-10', INTERVAL 3 DAY);
SELECT * FROM range(TIMESTAMP '2020-01-01', TIMESTAMP '2020-01-02', INTERVAL 6 HOUR);
SELECT * FROM generate_series(DATE '2020-01-31', DATE '2020-06-01', INTERVAL 1 MONTH);
SELECT * FROM generate_series(TIMESTAMP '2020-01-03', TIMESTAMP '2020-01-01', -INTERVAL 12 HOUR);
SELECT * FROM unnest([1, 2, NULL]);
SELECT * FROM unnest(['a', 'b']) AS u(s);
SELECT sum(range) AS s, count(*) AS n FROM range(1000);
SELECT * FROM range(NULL);
SELECT g, count(*) AS n FROM w JOIN generate_series(1, 3) AS s(k) ON s.k <= w.id GROUP BY g;
SELECT a.range AS x, b.range AS y FROM range(3) a, range(2) b ORDER BY ALL;
-- unnest in the select list
SELECT unnest([1, 2, 3]) AS x;
SELECT unnest([1, 2]) AS a, unnest(['x', 'y', 'z']) AS b;
SELECT id, unnest([10, NULL]) AS u FROM w ORDER BY id, u NULLS FIRST;
SELECT unnest([3, 1, 2]) AS x ORDER BY x DESC;
SELECT u, count(*) AS n FROM (SELECT unnest([1, 1, 2]) AS u FROM w) t GROUP BY u;
