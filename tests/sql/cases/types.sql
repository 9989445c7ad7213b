-- check types: every query
-- Types as DuckDB types them: decimals meeting integers, literals, arithmetic, CASE, COALESCE,
-- UNION, IN, NULLs, casts, TRY_CAST, dates with integers and intervals, SUM widening, division.
CREATE TABLE n AS SELECT * FROM (VALUES (1, 10.25, -7, 9000000000, DATE '2024-01-31', TIMESTAMP '2024-01-01 10:30:00', 'true', '12', 4.5), (2, NULL, 7, -9000000000, DATE '2023-12-15', NULL, 'no', ' 7 ', 0.125), (3, 3.5, 0, 9223372036854775807, DATE '2024-02-29', TIMESTAMP '2024-02-28 23:00:00', 'T', 'abc', -2.5), (4, -2.75, NULL, NULL, NULL, TIMESTAMP '2023-12-31 00:00:00', NULL, '2.5', 100.0)) AS t(id, m, i, big, d, ts, s, txt, f);
SELECT id, m, i, big, d, ts, s, txt, f FROM n;
-- an integer meeting a decimal: DECIMAL(max(p - s, 10 or 19) + s, s)
SELECT id, coalesce(m, i, 0) AS a, coalesce(m, big) AS b, coalesce(i, 2.5) AS c FROM n;
SELECT id, CASE WHEN id = 1 THEN i ELSE 2.5 END AS a, CASE WHEN id = 2 THEN big ELSE m END AS b, CASE WHEN id > 2 THEN f END AS c FROM n;
SELECT id, CASE WHEN id = 1 THEN CAST(i AS SMALLINT) ELSE 2.5 END AS a, CASE WHEN id = 1 THEN CAST(i AS TINYINT) ELSE m END AS b FROM n;
SELECT id, m + i AS a, m - i AS b, m * i AS c, m / i AS q, m + big AS e, m * big AS g, i + 2.5 AS h, big - 0.5 AS k FROM n;
SELECT id, m + m AS a, m * m AS b, m * f AS c, f + 1 AS e, f * 2 AS g, f - m AS h, m / f AS k FROM n;
SELECT id, CAST(m AS DECIMAL(38, 10)) + big AS a, CAST(m AS DECIMAL(30, 10)) + big AS b, CAST(m AS DECIMAL(20, 4)) * CAST(f AS DECIMAL(18, 3)) AS c FROM n;
SELECT id, i + 1 AS a, big - 1 AS b, i * big AS c, CAST(i AS SMALLINT) + CAST(i AS TINYINT) AS e, CAST(i AS TINYINT) + 1 AS g FROM n;
SELECT id, -m AS a, abs(m) AS b, round(m, 1) AS c, -i AS e, abs(i) AS g, abs(big) AS h FROM n WHERE id < 3 OR id = 4;
SELECT x FROM (SELECT i AS x FROM n UNION ALL SELECT 2.5 AS x) ORDER BY x NULLS LAST;
SELECT x FROM (SELECT big AS x FROM n UNION ALL SELECT m FROM n) ORDER BY x NULLS LAST;
SELECT x FROM (SELECT m AS x FROM n UNION SELECT f FROM n) ORDER BY x NULLS LAST;
SELECT x FROM (SELECT i AS x FROM n UNION ALL SELECT CAST(f AS DOUBLE) FROM n) ORDER BY x NULLS LAST;
SELECT id, m IN (3.5, 1) AS a, i IN (-7.0, 2.5) AS b, big IN (9000000000, 1.5) AS c FROM n;
SELECT id FROM n WHERE i IN (-7.0, 2.5) OR m IN (3.50, 10);
-- literals: every digit kept, typed as DuckDB does
SELECT id, 0.9989182084813495 * m AS a, 123456789012345678.5 + i AS b, 0.5 + f AS c, 1e3 + i AS e FROM n;
SELECT id, m + 0.9989182084813495 AS a FROM n;
-- untyped NULLs
SELECT id, i = NULL AS a, NULL BETWEEN i AND 20 AS b, i + NULL AS c, CASE WHEN id = 1 THEN NULL ELSE m END AS e, coalesce(NULL, i) AS g FROM n;
SELECT id, NULL AND id > 1 AS a, NULL OR id > 1 AS b, NOT (NULL = id) AS c, m IN (NULL, 3.5) AS e FROM n;
-- casts DuckDB accepts: text to booleans and integers, TRY_CAST
SELECT id, CAST(s AS BOOLEAN) AS a, TRY_CAST(txt AS INTEGER) AS b, TRY_CAST(txt AS BIGINT) AS c, TRY_CAST(s AS BOOLEAN) AS e FROM n;
SELECT id, CAST(txt AS INTEGER) AS a FROM n WHERE id <> 3;
SELECT id, TRY_CAST(txt AS DOUBLE) AS a, TRY_CAST(txt AS DECIMAL(4, 1)) AS b, TRY_CAST(big AS INTEGER) AS c, TRY_CAST(f AS TINYINT) AS e FROM n;
SELECT id, TRY_CAST(CAST(id AS VARCHAR) || '-02-30' AS DATE) AS a, TRY_CAST('2024-0' || CAST(id AS VARCHAR) || '-01' AS DATE) AS b FROM n;
SELECT id, CAST(i AS BOOLEAN) AS a, CAST(CAST(s AS BOOLEAN) AS INTEGER) AS b FROM n;
-- dates and timestamps with integers and intervals
SELECT id, d + 1 AS a, d - 1 AS b, d + i AS c, i + d AS e, d - i AS g, d - DATE '2024-01-01' AS h FROM n;
SELECT id, ts + INTERVAL 1 DAY AS a, ts - INTERVAL 2 HOUR AS b, ts + INTERVAL 90 MINUTE AS c, d + INTERVAL 3 HOUR AS e, d - INTERVAL 1 SECOND AS g FROM n;
SELECT id, ts + INTERVAL 1 MONTH AS a, ts - INTERVAL 1 YEAR AS b FROM n;
SELECT id, ts - TIMESTAMP '2024-01-01 00:00:00' AS a FROM n;
-- SUM widens integers (DuckDB: HUGEINT; here decimal128(38, 0)), decimals to 38 digits
SELECT sum(big) AS a, sum(i) AS b, sum(m) AS c, sum(id) * 2 AS e, count(*) AS g, avg(i) AS h FROM n;
SELECT id % 2 AS k, sum(big) AS a, sum(m) AS b FROM n GROUP BY id % 2 ORDER BY k;
SELECT sum(x) AS s FROM (SELECT big AS x FROM n WHERE id IN (1, 3) UNION ALL SELECT big FROM n WHERE id = 3);
-- division: / is a DOUBLE (x / 0 is infinite), // and % of integers stay integers
SELECT id, i / 0 AS a, m / 0 AS b, i / 2 AS c, i // 2 AS e, i % 3 AS g, m // 2 AS h, m % 3 AS k, i % m AS l FROM n;
-- a cast sqlglot would call redundant (it types 2.5 as DOUBLE, DuckDB as DECIMAL(2,1)) is kept
SELECT x FROM (SELECT i AS x FROM n UNION ALL SELECT CAST(2.5 AS DOUBLE)) ORDER BY x NULLS LAST;
SELECT id, CAST(2.5 AS DOUBLE) * i AS a, CAST(-2147483648 AS INTEGER) AS b, CAST(7 AS BIGINT) + i AS c FROM n;
-- AVG of integers never wraps
SELECT avg(big) AS a, avg(i) AS b, avg(m) AS c FROM n;
SELECT avg(x) AS a FROM (SELECT big AS x FROM n WHERE id = 3 UNION ALL SELECT big FROM n WHERE id = 3);
-- decimals to doubles: the nearest double (Arrow's own cast is one unit off for about one value in five)
-- check types
SELECT id, CAST(m AS DOUBLE) AS a, CAST(0.9989182084813495 AS DOUBLE) AS b, m / 3 AS c FROM n;
