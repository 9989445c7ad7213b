-- set operations with duplicates and NULLs, DISTINCT, CTEs read twice, ORDER BY / LIMIT / OFFSET
CREATE TABLE p AS SELECT * FROM (VALUES (1, 'a'), (1, 'a'), (2, NULL), (2, NULL), (3, 'c')) AS t(x, s);
CREATE TABLE q AS SELECT * FROM (VALUES (1, 'a'), (2, NULL), (4, 'd')) AS t(x, s);
SELECT x, s FROM p UNION SELECT x, s FROM q;
SELECT x, s FROM p UNION ALL SELECT x, s FROM q;
SELECT x, s FROM p INTERSECT SELECT x, s FROM q;
SELECT x, s FROM p EXCEPT SELECT x, s FROM q;
SELECT x, s FROM q EXCEPT SELECT x, s FROM p;
SELECT s FROM p UNION SELECT s FROM q ORDER BY s NULLS FIRST;
SELECT x FROM p UNION ALL SELECT x FROM q ORDER BY x DESC LIMIT 3;
SELECT x FROM p UNION ALL SELECT 2.5 AS x;
SELECT CAST(x AS DOUBLE) AS x FROM p UNION ALL SELECT 2.5 AS x;
SELECT DISTINCT x, s FROM p;
SELECT DISTINCT s FROM p ORDER BY s;
SELECT count(DISTINCT s) AS n, count(s) AS m, count(*) AS k FROM p;
WITH t AS (SELECT x, count(*) AS n FROM p GROUP BY x) SELECT a.x, b.n FROM t a JOIN t b ON a.x = b.x - 1;
WITH t AS (SELECT x FROM p WHERE x > 1), u AS (SELECT x FROM t WHERE x < 3) SELECT * FROM u UNION ALL SELECT * FROM t;
SELECT x, s FROM p ORDER BY x DESC, s NULLS FIRST;
SELECT x, s FROM p ORDER BY x, s LIMIT 2 OFFSET 1;
SELECT x FROM p ORDER BY x OFFSET 3;
SELECT x FROM p LIMIT 0;
-- INTERSECT ALL / EXCEPT ALL keep min(m, n) and max(m - n, 0) copies; NULLs compare equal (found by tests/sql/fuzz)
CREATE TABLE ma AS SELECT * FROM (VALUES (1, 'x'), (1, 'x'), (1, 'x'), (2, NULL), (2, NULL), (3, 'z'), (NULL, NULL)) AS t(k, s);
CREATE TABLE mb AS SELECT * FROM (VALUES (1, 'x'), (2, NULL), (2, NULL), (2, NULL), (4, 'w'), (NULL, NULL), (NULL, NULL)) AS t(k, s);
SELECT k, s FROM ma INTERSECT ALL SELECT k, s FROM mb;
SELECT k, s FROM ma EXCEPT ALL SELECT k, s FROM mb;
SELECT k, s FROM mb EXCEPT ALL SELECT k, s FROM ma;
SELECT k FROM ma INTERSECT ALL SELECT k FROM mb ORDER BY k NULLS FIRST;
SELECT k FROM ma EXCEPT ALL SELECT k FROM mb WHERE k > 1 ORDER BY 1;
SELECT count(*) AS n FROM (SELECT s FROM ma EXCEPT ALL SELECT s FROM mb WHERE false) AS e;
SELECT NULL AS n FROM ma INTERSECT ALL SELECT NULL FROM mb;
SELECT NULL AS n FROM ma EXCEPT ALL SELECT DATE '2024-01-01' FROM mb;
-- decimals whose common type would need more than 38 digits keep the integer digits and round the scale, as DuckDB (found by tests/sql/fuzz: wrong answer)
SELECT 0.125::DECIMAL(10,3) AS a UNION ALL SELECT 1.5::DECIMAL(38,2);
SELECT -0.125::DECIMAL(10,3) AS a UNION SELECT sum(k) FROM ma;
SELECT coalesce(0.125::DECIMAL(10,3), 1.5::DECIMAL(38,2)) AS a, CASE WHEN k > 1 THEN 2.675::DECIMAL(10,3) ELSE 1::DECIMAL(38,2) END AS b FROM ma;
-- UNION [ALL] BY NAME pairs columns by name (case-insensitively), the right's own columns last, NULL where a side lacks one (it compared positions: a type error)
SELECT x, s FROM p UNION ALL BY NAME SELECT s, x FROM q ORDER BY x, s;
SELECT x, s FROM p UNION BY NAME SELECT k AS x, S FROM ma ORDER BY x NULLS FIRST, s NULLS FIRST;
SELECT s FROM p UNION ALL BY NAME SELECT k, s FROM mb ORDER BY s NULLS FIRST, k NULLS FIRST;
