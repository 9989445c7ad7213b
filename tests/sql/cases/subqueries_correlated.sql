-- Subqueries in every position, correlated on anything, with NULLs on both sides and empty inputs
-- (planner/build/subqueries.py); tests/sql/test_subqueries.py runs these at 3 and 7 partitions
CREATE TABLE t1 AS SELECT * FROM (VALUES (1, 10, 'a'), (2, 20, 'b'), (3, NULL, 'c'), (NULL, 40, 'd'), (5, 50, NULL), (2, 25, 'b')) AS t(a, b, s);
CREATE TABLE t2 AS SELECT * FROM (VALUES (1, 100), (3, 300), (NULL, 0), (3, 301), (7, 20)) AS t(a, c);
CREATE TABLE e AS SELECT * FROM t2 WHERE false;
CREATE TABLE n AS SELECT * FROM t2 WHERE a IS NULL;
-- scalar subqueries: non-equality correlations, aggregates over no rows (COUNT is 0), several outer tables
SELECT a, (SELECT count(*) FROM t1 x WHERE x.b < t1.b) AS n FROM t1;
SELECT a, b, (SELECT count(*) + 1 FROM t2 WHERE t2.a < t1.a) AS n FROM t1;
SELECT a, b, (SELECT coalesce(sum(c), -1) FROM t2 WHERE t2.a < t1.a) AS n FROM t1;
SELECT a, (SELECT max(c) FROM t2 WHERE t2.a <= t1.a) AS m FROM t1;
SELECT a, (SELECT count(*) FROM t2 WHERE t2.a = t1.a AND t2.c > t1.b) AS n FROM t1;
SELECT a, b, (SELECT count(c) FROM e WHERE e.a = t1.a) AS n FROM t1;
SELECT t1.a, e2.c, (SELECT count(*) FROM t2 WHERE t2.a < t1.a AND t2.c > e2.c) AS m FROM t1, t2 AS e2 WHERE e2.a = 3;
SELECT a, (SELECT max(c) FROM e) AS m FROM t1;
SELECT a, (SELECT c FROM e WHERE e.a = t1.a) AS m FROM t1;
SELECT a, (SELECT c FROM e) AS m FROM t1;
SELECT (SELECT 42 WHERE false) AS v, (SELECT 42 WHERE true) AS w;
SELECT (SELECT 1) FROM t1 ORDER BY 1;
SELECT a, (SELECT t2.c FROM t2 WHERE t2.a = t1.a AND t2.c < 301) AS m FROM t1;
SELECT a, (SELECT sum(c) FROM t2 WHERE t2.a = t1.a GROUP BY t2.a) AS m FROM t1;
-- LIMIT / OFFSET / ORDER BY inside, a correlated derived table
SELECT a, (SELECT c FROM t2 WHERE t2.a = t1.a ORDER BY c DESC LIMIT 1) AS m FROM t1;
SELECT a, (SELECT c FROM t2 WHERE t2.a >= t1.a ORDER BY c LIMIT 1 OFFSET 1) AS m FROM t1;
SELECT a, (SELECT sum(q.c) FROM (SELECT c FROM t2 WHERE t2.a >= t1.a ORDER BY c DESC LIMIT 2) AS q) AS m FROM t1;
-- in WHERE, ORDER BY, CASE
SELECT a FROM t1 WHERE (SELECT c FROM e) IS NULL;
SELECT a FROM t1 WHERE a = (SELECT 2);
SELECT a FROM t1 WHERE b > (SELECT count(*) FROM t2 WHERE t2.a <= t1.a) * 10;
SELECT a FROM t1 WHERE b > (SELECT min(c) FROM t2 WHERE t2.a <> t1.a);
SELECT count(*) AS k FROM t1 WHERE (SELECT count(*) FROM t2 WHERE t2.a = t1.a) = 0;
SELECT a FROM t1 ORDER BY (SELECT count(*) FROM t2 WHERE t2.a < t1.a), a;
SELECT a, CASE WHEN (SELECT count(*) FROM t2 WHERE t2.a = t1.a) > 1 THEN 'many' WHEN EXISTS (SELECT 1 FROM t2 WHERE t2.a > t1.a) THEN 'some' ELSE 'none' END AS k FROM t1;
-- EXISTS / NOT EXISTS as values and conditions
SELECT a, EXISTS (SELECT 1 FROM t2 WHERE t2.a = t1.a) AS ex FROM t1;
SELECT a, NOT EXISTS (SELECT 1 FROM t2 WHERE t2.a > t1.a) AS k FROM t1;
SELECT a, EXISTS (SELECT 1 FROM e WHERE e.a > t1.a) AS k FROM t1;
SELECT a, EXISTS (SELECT 1 FROM e) AS k, NOT EXISTS (SELECT 1 FROM e) AS nk FROM t1;
SELECT a, EXISTS (SELECT count(*) FROM e WHERE e.a = t1.a) AS k FROM t1;
SELECT a, EXISTS (SELECT count(*) FROM e WHERE e.a = t1.a HAVING count(*) > 0) AS k FROM t1;
SELECT a FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.a > t1.a);
SELECT a FROM t1 WHERE NOT EXISTS (SELECT 1 FROM t2 WHERE t2.a > t1.a);
SELECT a FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.a = t1.a GROUP BY t2.a HAVING count(*) > 1);
SELECT a FROM t1 WHERE NOT EXISTS (SELECT 1 FROM t2 WHERE t2.a = t1.a AND t2.c > (SELECT avg(c) FROM t2));
SELECT a FROM t1 WHERE a = 2 OR EXISTS (SELECT 1 FROM t2 WHERE t2.a > t1.a + 4);
-- IN / NOT IN / ANY / ALL / SOME: NULL operands, NULLs in the subquery, empty subqueries
SELECT a, a IN (SELECT a FROM t2) AS found FROM t1;
SELECT a, a NOT IN (SELECT a FROM t2) AS found FROM t1;
SELECT a, a IN (SELECT a FROM e) AS r, a NOT IN (SELECT a FROM e) AS nr FROM t1;
SELECT a, a IN (SELECT a FROM n) AS r, a NOT IN (SELECT a FROM n) AS nr FROM t1;
SELECT a, a NOT IN (SELECT a FROM t2 WHERE a IS NOT NULL) AS r FROM t1;
SELECT a, a = ANY(SELECT a FROM e) AS r FROM t1;
SELECT a FROM t1 WHERE a = ANY(SELECT a FROM e);
SELECT a, a = ANY(SELECT a FROM t2) AS r, a <> ALL(SELECT a FROM t2) AS q FROM t1;
SELECT a, a < ANY(SELECT a FROM t2) AS r1, a <= ALL(SELECT a FROM t2) AS r2, a >= SOME(SELECT a FROM t2) AS r3, a <> ANY(SELECT a FROM t2) AS r4, a = ALL(SELECT a FROM t2) AS r5 FROM t1;
SELECT a, a < ANY(SELECT a FROM e) AS r1, a <= ALL(SELECT a FROM e) AS r2, a = ALL(SELECT a FROM e) AS r5 FROM t1;
SELECT a, a < ANY(SELECT a FROM n) AS r1, a <= ALL(SELECT a FROM n) AS r2, a = ALL(SELECT a FROM n) AS r5, a <> ANY(SELECT a FROM n) AS r6 FROM t1;
SELECT a, a > ANY(SELECT a FROM t2 WHERE t2.a IS NOT NULL) AS r1, a > ALL(SELECT a FROM t2 WHERE t2.a IS NOT NULL) AS r2 FROM t1;
SELECT a FROM t1 WHERE a > ALL(SELECT a FROM t2 WHERE a IS NOT NULL);
SELECT a FROM t1 WHERE a > ALL(SELECT a FROM e);
SELECT a, a > ALL(SELECT max(a) FROM t2) AS r FROM t1;
-- correlated IN / ANY / ALL
SELECT a, a IN (SELECT a FROM t2 WHERE t2.c > t1.b) AS r, a NOT IN (SELECT a FROM t2 WHERE t2.c > t1.b) AS nr FROM t1;
SELECT a FROM t1 WHERE a IN (SELECT a FROM t2 WHERE t2.c > t1.b);
SELECT a FROM t1 WHERE a NOT IN (SELECT a FROM t2 WHERE t2.c > t1.b);
SELECT a, b > ANY(SELECT c FROM t2 WHERE t2.a = t1.a) AS r1, b < ALL(SELECT c FROM t2 WHERE t2.a = t1.a) AS r2 FROM t1;
SELECT a, b >= ANY(SELECT c / 10 FROM t2 WHERE t2.a <= t1.a) AS r1, b < ALL(SELECT c FROM t2 WHERE t2.a >= t1.a) AS r2 FROM t1;
SELECT a FROM t1 WHERE b > ALL(SELECT c / 100 FROM t2 WHERE t2.a = t1.a);
SELECT a FROM t1 WHERE b < ANY(SELECT c FROM t2 WHERE t2.a <> t1.a);
-- HAVING and the select list of a grouped query: outer group keys and outer aggregates inside
SELECT s, count(*) AS n FROM t1 GROUP BY s HAVING count(*) > (SELECT count(*) FROM t2 WHERE t2.a = min(t1.a)) - 1;
SELECT s, (SELECT count(*) FROM t2 WHERE t2.a < max(t1.a)) AS n FROM t1 GROUP BY s;
SELECT s, (SELECT count(*) FROM t1 y WHERE y.s = t1.s) AS n FROM t1 GROUP BY s;
SELECT s, sum(b) AS sb FROM t1 GROUP BY s HAVING sum(b) > (SELECT avg(b) FROM t1 y WHERE y.s <> t1.s OR y.s IS NULL);
-- nested several levels
SELECT a, (SELECT (SELECT max(c) FROM t2 WHERE t2.a = t1.a)) AS m FROM t1;
SELECT a, (SELECT count(*) FROM t2 WHERE t2.a < t1.a AND EXISTS (SELECT 1 FROM t1 y WHERE y.b > t2.c / 10 AND y.a <> t1.a)) AS m FROM t1;
SELECT a, (SELECT max(c) FROM t2 WHERE t2.a <= t1.a AND t2.c > (SELECT min(b) FROM t1 z WHERE z.a >= t2.a)) AS m FROM t1;
SELECT a FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.a <= t1.a AND NOT EXISTS (SELECT 1 FROM t1 z WHERE z.a = t2.a AND z.b > t1.b));
-- correlated set operations, subqueries read before grouping (GROUP BY keys, aggregate arguments)
SELECT a, (SELECT t2.a FROM t2 WHERE t2.a = t1.a AND t2.c < 301 UNION SELECT t1.a) AS k FROM t1;
SELECT a, a IN (SELECT t2.c / 100 FROM t2 WHERE t2.a < t1.a UNION ALL SELECT 42) AS k FROM t1;
SELECT a, EXISTS (SELECT t2.c FROM t2 WHERE t2.a < t1.a EXCEPT SELECT 300) AS k FROM t1;
SELECT (SELECT count(*) FROM t2 WHERE t2.a = t1.a) AS k, count(*) AS n FROM t1 GROUP BY 1;
SELECT (SELECT count(*) FROM t2 WHERE t2.a = t1.a) AS k, count(*) AS n FROM t1 GROUP BY (SELECT count(*) FROM t2 WHERE t2.a = t1.a);
SELECT sum((SELECT count(*) FROM t2 WHERE t2.a = t1.a)) AS k FROM t1;
SELECT s, max((SELECT max(c) FROM t2 WHERE t2.a <= t1.a)) AS k FROM t1 GROUP BY s;
SELECT s, count(*) AS n FROM t1 GROUP BY s HAVING max(b) > (SELECT min(c) / 10 FROM t2 WHERE t2.a = max(t1.a));
SELECT a FROM t1 WHERE (SELECT count(*) FROM t2 WHERE t2.a = t1.a) IN (0, 2);
-- several subqueries in one expression, in a CTE, under a derived table, with ORDER BY ... LIMIT outside
SELECT a, (SELECT count(*) FROM t2 WHERE t2.a = t1.a) + (SELECT count(*) FROM t2) AS n FROM t1;
WITH w AS (SELECT a, (SELECT count(*) FROM t2 WHERE t2.a < t1.a) AS n FROM t1) SELECT * FROM w WHERE n > 1;
SELECT * FROM (SELECT a, EXISTS (SELECT 1 FROM t2 WHERE t2.a = t1.a) AS ex FROM t1) AS q WHERE ex;
SELECT a, (SELECT count(*) FROM t2 WHERE t2.a < t1.a) AS n FROM t1 ORDER BY n DESC, a LIMIT 3;
SELECT DISTINCT (SELECT count(*) FROM t2 WHERE t2.a < t1.a) AS n FROM t1;
SELECT a, (SELECT max(t2.c) FROM t2 LEFT JOIN t1 y ON y.a = t2.a AND y.b > t1.b) AS n FROM t1;
SELECT a, (SELECT t1.b + c FROM t2 WHERE t2.a = t1.a AND c < 301) AS n FROM t1;
SELECT a FROM t1 WHERE EXISTS (SELECT * FROM t2 WHERE t2.a = t1.a OR t2.c = t1.b * 10);
SELECT a FROM t1 WHERE a IN (SELECT a FROM t2) OR b IN (SELECT c / 10 FROM t2);
-- outer aggregates inside subqueries, LIMIT 0 and ORDER BY by ordinal / alias inside
SELECT (SELECT sum(t1.a) FROM t2 LIMIT 1) AS v FROM t1;
SELECT (SELECT sum(t1.a) + count(*) FROM t2) AS v FROM t1;
SELECT s, (SELECT max(t1.b) + min(t2.c) FROM t2 WHERE t2.a < max(t1.a)) AS v FROM t1 GROUP BY s;
SELECT a, (SELECT count(*) FROM t2 WHERE t2.a = t1.a LIMIT 0) AS v, EXISTS (SELECT count(*) FROM t2 WHERE t2.a = t1.a LIMIT 0) AS w FROM t1;
SELECT a, (SELECT c FROM t2 WHERE t2.a = t1.a ORDER BY 1 DESC LIMIT 1) AS v FROM t1;
SELECT a, (SELECT c AS z FROM t2 WHERE t2.a = t1.a ORDER BY z LIMIT 1) AS v FROM t1;
SELECT a, (SELECT x.s FROM t1 x WHERE x.a > t1.a ORDER BY x.a, x.b LIMIT 1) AS v FROM t1;
SELECT a, s, (SELECT count(*) FROM t1 y WHERE y.s = t1.s AND y.a <> t1.a) AS v FROM t1;
SELECT a FROM t1 WHERE s IN (SELECT y.s FROM t1 y WHERE y.a <> t1.a);
SELECT a FROM t1 WHERE s NOT IN (SELECT y.s FROM t1 y WHERE y.a > t1.a);
-- window functions inside a correlated subquery run per outer row; subqueries in inner joins' ON
SELECT a, (SELECT max(r) FROM (SELECT row_number() OVER (ORDER BY c) AS r FROM t2 WHERE t2.a <= t1.a) AS q) AS v FROM t1;
SELECT a, (SELECT sum(c) OVER () FROM t2 WHERE t2.a = t1.a ORDER BY c LIMIT 1) AS v FROM t1;
SELECT t1.a, x.c FROM t1 LEFT JOIN t2 AS x ON x.a = t1.a JOIN t2 AS y ON y.a = x.a AND y.c > (SELECT min(c) FROM t2 WHERE t2.a = t1.a);
SELECT t1.a, x.c FROM t1 LEFT JOIN t2 AS x ON x.a = t1.a JOIN t2 AS y ON y.a = x.a AND y.c IN (SELECT c FROM t2 WHERE c > 100);
-- an uncorrelated scalar subquery in WHERE beside RIGHT / FULL / LEFT joins (its one row must not be NULL-padded)
SELECT t1.a, t2.c FROM t1 RIGHT JOIN t2 ON t2.a = t1.a WHERE t2.c >= (SELECT c FROM t2 WHERE c = 20);
SELECT t1.a, t2.c FROM t1 FULL JOIN t2 ON t2.a = t1.a WHERE t2.c >= (SELECT c FROM t2 WHERE c = 20) OR t1.a = (SELECT 5);
SELECT t1.a, t2.c FROM t1 LEFT JOIN t2 ON t2.a = t1.a WHERE t1.b > (SELECT c FROM t2 WHERE c = 20);
-- uncorrelated EXISTS in HAVING
SELECT s, count(*) AS n FROM t1 GROUP BY s HAVING count(*) > 0 AND EXISTS (SELECT 1 FROM t2) AND NOT EXISTS (SELECT 1 FROM e);
-- a DECIMAL column in a non-equality correlation (found by the fuzzer: the NULL-safe join's filler value failed to cast)
CREATE TABLE fz2 AS SELECT * FROM (VALUES (1, 1.5::DECIMAL(6,1)), (2, NULL), (3, 2.5::DECIMAL(6,1))) v(id, d);
CREATE TABLE fz3 AS SELECT * FROM (VALUES (1, 1.5::DECIMAL(6,1)), (2, 3.5::DECIMAL(6,1))) v(id, d);
SELECT q1.id FROM fz2 q1 WHERE EXISTS (SELECT 1 FROM fz3 q2 WHERE q2.d <> q1.d) ORDER BY 1;
SELECT q1.id, q1.d IN (SELECT q2.d FROM fz3 q2 WHERE q2.id < q1.id) AS found FROM fz2 q1 ORDER BY 1;
-- subqueries in JOIN ON: evaluated on the joined pairs, before an outer join pads unmatched rows
SELECT t1.a, t1.b, t2.c FROM t1 LEFT JOIN t2 ON t1.a = t2.a AND t2.c IN (SELECT c FROM t2 WHERE c > 200) ORDER BY 1, 2, 3;
SELECT t1.a, t1.b, t2.c FROM t1 LEFT JOIN t2 ON t1.a = t2.a AND (t2.c NOT IN (SELECT b * 10 FROM t1 WHERE b > 20) OR t1.b > 20) ORDER BY 1, 2, 3;
SELECT t1.a, t1.b, t2.c FROM t1 RIGHT JOIN t2 ON t1.a = t2.a AND EXISTS (SELECT 1 FROM t1 u WHERE u.a = t1.a AND u.b < t2.c / 10) ORDER BY 1, 2, 3;
SELECT t1.a, t1.b, t2.c FROM t1 FULL JOIN t2 ON t1.a < t2.a AND t2.c > (SELECT min(u.b) * 6 FROM t1 u WHERE u.b > t1.b) ORDER BY 1, 2, 3;
SELECT t1.b, t2.c FROM t1 LEFT JOIN t2 ON CASE WHEN t2.c IN (SELECT u.b * 10 FROM t1 u WHERE u.a = t1.a) THEN true ELSE t1.b > 40 END ORDER BY 1, 2;
-- an inner join's ON subquery applies before a later RIGHT JOIN pads (a wrong answer: it filtered the padded rows)
SELECT t1.b, t2.c, v.a AS va FROM t1 JOIN t2 ON t1.a = t2.a AND EXISTS (SELECT 1 FROM t2 u WHERE u.a = t2.a) RIGHT JOIN t2 v ON t1.a = v.a ORDER BY 1, 2, 3;
SELECT t1.b, t2.c, v.a AS va FROM t1 JOIN t2 ON t1.a = t2.a AND EXISTS (SELECT 1 FROM t2 u WHERE u.a < t2.a) RIGHT JOIN t2 v ON t1.a = v.a ORDER BY 1, 2, 3;
SELECT t1.b, t2.c, v.c AS vc FROM t1 LEFT JOIN t2 v ON t1.a = v.a JOIN t2 ON t1.a = t2.a AND t2.c > (SELECT avg(u.c) FROM t2 u) RIGHT JOIN t2 w ON t1.b = w.c ORDER BY 1, 2, 3;
-- subqueries in the operand of IN (SELECT ...)
SELECT t1.b, CASE WHEN EXISTS (SELECT 1 FROM t2 WHERE t2.a = t1.a) THEN t1.a ELSE 7 END IN (SELECT a FROM t2) AS v FROM t1 ORDER BY 1, 2;
SELECT t1.b, t1.a + (SELECT max(t2.a) FROM t2 WHERE t2.a < t1.a) IN (SELECT a + 1 FROM t2 WHERE t2.c > t1.b) AS v FROM t1 ORDER BY 1, 2;
-- a correlation on a GROUP BY expression, an aggregate of the outer rows in HAVING
SELECT t1.a + t1.b AS g, (SELECT count(*) FROM t2 WHERE t2.c > t1.a + t1.b) AS n FROM t1 GROUP BY t1.a + t1.b ORDER BY 1;
SELECT t1.s, count(*) AS n FROM t1 GROUP BY t1.s HAVING EXISTS (SELECT 1 FROM t2 WHERE t2.a = min(t1.a)) AND min(t1.a) > 1 ORDER BY 1;
-- an uncorrelated scalar subquery beside window functions (sqlglot took them for aggregates)
SELECT t1.b, (SELECT min(c) FROM t2) AS m, rank() OVER (ORDER BY t1.b) AS r FROM t1 ORDER BY 1;
SELECT t1.b, t1.b > (SELECT min(c) FROM t2 WHERE c > 0) / 5 OR t1.a = 5 AS v, count(*) OVER (PARTITION BY t1.s) AS n FROM t1 ORDER BY 1;
