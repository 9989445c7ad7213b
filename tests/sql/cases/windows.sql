-- window functions: ranking with ties, offsets, value functions, ROWS frames, named windows
CREATE TABLE w AS SELECT * FROM (VALUES (1, 'a', 10), (2, 'a', 20), (3, 'a', 20), (4, 'b', 5), (5, 'b', NULL), (6, 'b', 7), (7, 'c', 1)) AS t(id, g, v);
SELECT id, row_number() OVER (PARTITION BY g ORDER BY id) AS rn FROM w;
SELECT id, rank() OVER (ORDER BY v) AS r, dense_rank() OVER (ORDER BY v) AS dr FROM w;
SELECT id, rank() OVER (PARTITION BY g ORDER BY v DESC NULLS LAST) AS r FROM w;
SELECT id, lag(v) OVER (PARTITION BY g ORDER BY id) AS prev, lead(v) OVER (PARTITION BY g ORDER BY id) AS nxt FROM w;
SELECT id, lag(v, 2, -1) OVER (ORDER BY id) AS p2, lead(id, 1, 0) OVER (ORDER BY id) AS n1 FROM w;
SELECT id, first_value(v) OVER (PARTITION BY g ORDER BY id) AS f, last_value(v) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS l FROM w;
SELECT id, sum(v) OVER (ORDER BY id) AS run, count(v) OVER (ORDER BY id) AS cnt FROM w;
SELECT id, sum(v) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s2 FROM w;
SELECT id, avg(v) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS mv FROM w;
SELECT id, sum(v) OVER (PARTITION BY g) AS total, max(v) OVER (PARTITION BY g) AS mx, min(v) OVER () AS mn FROM w;
SELECT id, sum(v) OVER win AS s, row_number() OVER win AS rn FROM w WINDOW win AS (PARTITION BY g ORDER BY id);
SELECT g, sum(v) AS s, rank() OVER (ORDER BY sum(v) DESC) AS r FROM w GROUP BY g;
SELECT * FROM (SELECT id, g, row_number() OVER (PARTITION BY g ORDER BY v DESC NULLS LAST, id) AS rn FROM w) t WHERE rn = 1;
SELECT id, v - lag(v) OVER (ORDER BY id) AS delta FROM w ORDER BY id;
-- SUM over a window is exact as DuckDB's: a HUGEINT for integers, DECIMAL(38, s) for decimals (it summed in floats)
CREATE TABLE big AS SELECT * FROM (VALUES (1, 'a', 9223372036854775807, 1.25), (2, 'a', 1, 2.50), (3, 'b', -9223372036854775807, NULL), (4, 'b', -5, -0.75), (5, 'b', NULL, 0.01)) AS t(id, g, v, d);
-- check types
SELECT id, sum(v) OVER (PARTITION BY g) AS s, sum(v) OVER (ORDER BY id) AS r, sum(d) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS m FROM big ORDER BY id;
SELECT id, sum(id) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) AS s, avg(v) OVER () AS a FROM big ORDER BY id;
-- variance / stddev / bool_and / bool_or / count_if over any frame (they were refused)
-- check types
SELECT id, stddev(v) OVER (PARTITION BY g) AS s, var_pop(v) OVER (PARTITION BY g) AS vp, stddev_pop(v) OVER () AS sp, variance(v) OVER (ORDER BY id) AS vs FROM w ORDER BY id;
-- check types
SELECT id, var_samp(v) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS a, stddev_samp(v) OVER (PARTITION BY g ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) AS b FROM w ORDER BY id;
-- check types
SELECT id, bool_and(v > 8) OVER (PARTITION BY g) AS a, bool_or(v > 8) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS o, count_if(v > 8) OVER (PARTITION BY g ORDER BY id) AS c FROM w ORDER BY id;
