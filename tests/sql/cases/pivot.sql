-- check types: every query
-- PIVOT and UNPIVOT, as clauses after a FROM source and as DuckDB's statements.
CREATE TABLE pt AS SELECT * FROM (VALUES (1, 10, 'p', 100), (1, 20, 'q', 200), (2, 30, 'p', NULL), (2, NULL, 'r', 400), (3, 5, 'p', 7), (3, 6, 'p', 8)) AS v(x, a, g, b);
SELECT * FROM pt PIVOT (sum(a) FOR g IN ('p', 'q')) ORDER BY x, b;
SELECT * FROM pt PIVOT (sum(a) AS s, count(*) AS c FOR g IN ('p', 'q' AS qq)) AS pv ORDER BY x, b;
SELECT * FROM (SELECT x, a, g FROM pt) PIVOT (max(a) FOR g IN ('p', 'q', 'r')) ORDER BY x;
SELECT pv.x, pv.p FROM (SELECT x, a, g FROM pt) PIVOT (sum(a) FOR g IN ('p')) AS pv WHERE pv.p > 5 ORDER BY x;
SELECT * FROM pt PIVOT (avg(a) FOR g IN ('p', 'nothing')) ORDER BY x, b;
SELECT * FROM pt UNPIVOT (v FOR k IN (a, b)) ORDER BY x, g, k, v;
SELECT k, sum(v) AS s, count(*) AS n FROM pt UNPIVOT (v FOR k IN (a, b)) GROUP BY k ORDER BY k;
PIVOT pt ON g IN ('p', 'q') USING sum(a);
WITH w AS (PIVOT pt ON g IN ('p', 'r') USING count(*) AS n, max(b) AS m GROUP BY x) SELECT * FROM w ORDER BY x;
UNPIVOT pt ON a, b INTO NAME k VALUE v;
-- error
SELECT * FROM pt PIVOT (sum(a) FOR g IN ('p')) UNPIVOT (v FOR k IN (nope));
