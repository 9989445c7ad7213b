-- Shapes the optimizer rewrites (reduce_grouped_join, the EXISTS min/max path, split and
-- partition-local aggregation, adaptive joins), with NULL keys and keys missing on either side.
CREATE TABLE d AS SELECT a.x * 10 + b.x AS k FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) a(x), (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) b(x);
CREATE TABLE f AS SELECT (d1.k * 7) % 50 AS k, d2.k AS v FROM d d1, d d2 WHERE d2.k < 20 UNION ALL SELECT NULL AS k, 5 AS v;
CREATE TABLE s AS SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (NULL, 'n'), (77, 'z')) t(k, name);
SELECT s.k, s.name, (SELECT sum(v) FROM f WHERE f.k = s.k) AS total FROM s ORDER BY s.name;
SELECT s.name, g.n FROM s LEFT JOIN (SELECT k, count(*) AS n FROM f GROUP BY k) g ON g.k = s.k ORDER BY s.name;
SELECT s.name, g.n FROM s JOIN (SELECT k, count(*) AS n FROM f GROUP BY k) g ON g.k = s.k ORDER BY s.name;
SELECT g.k, g.n, s.name FROM s RIGHT JOIN (SELECT k, count(*) AS n FROM f GROUP BY k) g ON g.k = s.k ORDER BY g.k NULLS FIRST;
SELECT s.name FROM s WHERE s.k IN (SELECT k FROM f GROUP BY k HAVING sum(v) > 100) ORDER BY s.name;
SELECT f1.k, count(*) AS n FROM f f1 WHERE EXISTS (SELECT * FROM f f2 WHERE f2.k = f1.k AND f2.v <> f1.v) AND f1.k < 5 GROUP BY f1.k ORDER BY f1.k;
SELECT f1.k, count(*) AS n FROM f f1 WHERE NOT EXISTS (SELECT * FROM f f2 WHERE f2.k = f1.k AND f2.v <> f1.v) GROUP BY f1.k ORDER BY f1.k NULLS FIRST;
SELECT k, count(DISTINCT v) AS u, sum(v) AS t FROM f GROUP BY k ORDER BY k NULLS FIRST;
SELECT a.k, count(*) AS n FROM f a JOIN f b ON a.k = b.k AND a.v = b.v GROUP BY a.k ORDER BY a.k;
-- a conjunct that becomes constant once pushed through a projection of literals: FALSE empties the
-- branch (even above a global aggregate, which must then give no row), TRUE disappears
SELECT * FROM (SELECT count(*) AS c, 'x' AS tag FROM f) t WHERE tag = 'y';
SELECT * FROM (SELECT count(*) AS c, 'x' AS tag FROM f) t WHERE tag = 'x';
SELECT tag, count(*) AS n, sum(v) AS sv FROM (SELECT v, 's' AS tag FROM f UNION ALL SELECT k, 'w' AS tag FROM f UNION ALL SELECT v, NULL AS tag FROM f) u WHERE tag = 'w' GROUP BY tag;
SELECT count(*) AS n FROM (SELECT v, NULL AS tag FROM f) u WHERE tag = 'w';
