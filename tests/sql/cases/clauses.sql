-- DuckDB's clauses: QUALIFY, DISTINCT ON, GROUP BY ALL, ORDER BY ALL, GROUPING(), FILTER, aggregates with DISTINCT
CREATE TABLE c AS SELECT * FROM (VALUES (1, 'a', 10, 1.5), (2, 'a', 20, NULL), (3, 'a', 20, 2.5), (4, 'b', 5, 1.5), (5, 'b', NULL, 4.0), (6, 'b', 7, 4.0), (7, 'c', 1, NULL), (8, NULL, 3, 0.5), (9, NULL, 3, 0.5)) AS t(id, g, v, x);
CREATE TABLE empty AS SELECT * FROM c WHERE id > 100;
-- QUALIFY
SELECT id, g FROM c QUALIFY row_number() OVER (PARTITION BY g ORDER BY id) = 1;
SELECT id, g, rank() OVER (PARTITION BY g ORDER BY v DESC) AS r FROM c QUALIFY r <= 1;
SELECT id FROM c QUALIFY sum(v) OVER (PARTITION BY g) > 10 AND lag(v) OVER (ORDER BY id) IS NOT NULL;
SELECT g, sum(v) AS s FROM c GROUP BY g QUALIFY rank() OVER (ORDER BY sum(v) DESC NULLS LAST) <= 2;
SELECT id FROM c WHERE v > 3 QUALIFY count(*) OVER () > 3 ORDER BY id;
SELECT id FROM empty QUALIFY row_number() OVER (ORDER BY id) = 1;
-- DISTINCT ON
SELECT DISTINCT ON (g) g, id FROM c ORDER BY g, id DESC;
SELECT DISTINCT ON (g) id, v FROM c ORDER BY g, v DESC NULLS LAST, id;
SELECT DISTINCT ON (v) v, id FROM c ORDER BY v NULLS FIRST, id;
SELECT DISTINCT ON (g, x) g, x, id FROM c ORDER BY g, x, id;
SELECT DISTINCT ON (g) g, id FROM c ORDER BY g NULLS FIRST, id LIMIT 2;
SELECT DISTINCT ON (id % 3) id % 3 AS m, id FROM c ORDER BY id % 3, id DESC;
SELECT DISTINCT ON (g) g, sum(v) AS s FROM c GROUP BY g, x ORDER BY g, s DESC NULLS LAST;
SELECT DISTINCT ON (g) g, id FROM empty ORDER BY g, id;
-- GROUP BY ALL, ORDER BY ALL
SELECT g, sum(v) AS s, count(*) AS n FROM c GROUP BY ALL;
SELECT g, x > 1 AS big, count(*) AS n FROM c GROUP BY ALL ORDER BY ALL;
SELECT g, id % 2 AS odd, max(v) AS m FROM c GROUP BY ALL ORDER BY ALL DESC;
SELECT g, id FROM c ORDER BY ALL;
SELECT v, x FROM c ORDER BY ALL DESC;
SELECT count(*) AS n, sum(v) AS s FROM c GROUP BY ALL;
-- GROUPING()
SELECT g, id % 2 AS o, sum(v) AS s, grouping(g) AS gg, grouping(g, id % 2) AS gi FROM c GROUP BY ROLLUP (g, id % 2);
SELECT g, x, count(*) AS n, grouping(x, g) AS gm FROM c GROUP BY CUBE (g, x);
SELECT g, count(*) AS n, grouping(g) AS gg FROM c GROUP BY g;
SELECT g, sum(v) AS s FROM c GROUP BY GROUPING SETS ((g), ()) HAVING grouping(g) = 1 OR sum(v) > 10;
SELECT g, sum(v) AS s, rank() OVER (PARTITION BY grouping(g) ORDER BY sum(v) DESC NULLS LAST) AS r FROM c GROUP BY ROLLUP (g);
SELECT g, id % 2 AS o, rank() OVER (PARTITION BY grouping(g) ORDER BY sum(v) DESC NULLS LAST, g, id % 2) AS r FROM c GROUP BY ROLLUP (g, id % 2);
SELECT g, x, sum(v) AS s, rank() OVER (ORDER BY sum(v) DESC NULLS LAST, g NULLS FIRST, x NULLS FIRST) AS r FROM c GROUP BY GROUPING SETS ((g), (x), ());
SELECT g, sum(v) AS s FROM c GROUP BY ROLLUP (g) ORDER BY CASE WHEN grouping(g) = 0 THEN g END NULLS FIRST, s;
SELECT sum(v) AS total, g, grouping(g) AS l, rank() OVER (PARTITION BY grouping(g), CASE WHEN grouping(g) = 0 THEN g END ORDER BY sum(v) DESC) AS r FROM c GROUP BY ROLLUP (g) ORDER BY l DESC NULLS FIRST, CASE WHEN grouping(g) = 0 THEN g END NULLS FIRST, r NULLS FIRST;
SELECT g, x, count(*) AS n FROM c GROUP BY GROUPING SETS ((x), (g)) QUALIFY row_number() OVER (PARTITION BY grouping(g) ORDER BY count(*) DESC, g, x) = 1;
-- windows over aggregates, aggregates over windows
SELECT g, sum(v) AS s, sum(sum(v)) OVER () AS total, sum(v) * 100.0 / sum(sum(v)) OVER () AS pct FROM c GROUP BY g;
SELECT g, rank() OVER (ORDER BY sum(v) DESC NULLS LAST) AS r FROM c GROUP BY g;
SELECT g, x, avg(sum(v)) OVER (PARTITION BY g) AS a, rank() OVER (PARTITION BY g ORDER BY count(*) DESC, x) AS r FROM c GROUP BY g, x;
SELECT rank() OVER (ORDER BY sum(v)) AS r, count(*) AS n FROM c;
SELECT g, max(rn) AS m FROM (SELECT g, row_number() OVER (PARTITION BY g ORDER BY id) AS rn FROM c) t GROUP BY g;
SELECT sum(s) AS t FROM (SELECT sum(v) OVER (ORDER BY id) AS s FROM c) t;
-- FILTER on aggregates and window aggregates
SELECT g, sum(v) FILTER (WHERE id > 2) AS s, count(*) FILTER (WHERE v > 5) AS n, count(v) FILTER (WHERE x IS NULL) AS m FROM c GROUP BY g;
SELECT avg(x) FILTER (WHERE g = 'b') AS a, min(v) FILTER (WHERE id > 100) AS none, count(*) FILTER (WHERE id > 100) AS zero FROM c;
SELECT count(DISTINCT v) FILTER (WHERE id < 5) AS d, sum(DISTINCT v) FILTER (WHERE g IS NOT NULL) AS sd FROM c;
SELECT id, sum(v) FILTER (WHERE id % 2 = 1) OVER (ORDER BY id) AS s, count(*) FILTER (WHERE v > 5) OVER (PARTITION BY g) AS n FROM c;
SELECT g, count(*) FILTER (WHERE v > 100) AS n FROM empty GROUP BY g;
-- aggregates with DISTINCT
SELECT g, sum(DISTINCT v) AS s, avg(DISTINCT v) AS a, count(DISTINCT v) AS n, sum(v) AS t FROM c GROUP BY g;
SELECT sum(DISTINCT v) AS s, avg(DISTINCT x) AS a, count(DISTINCT x) AS n, min(DISTINCT v) AS lo FROM c;
SELECT sum(DISTINCT x) AS s, avg(DISTINCT v) AS a FROM empty;
SELECT g, sum(DISTINCT x) AS s, avg(DISTINCT x) AS a FROM c GROUP BY g ORDER BY g NULLS FIRST;
SELECT x, sum(DISTINCT id % 3) AS s FROM c GROUP BY x;
-- a constant HAVING over a global aggregate, and the () grouping set whose aggregates nobody reads
SELECT count(*) AS n FROM c HAVING 1 = 0;
SELECT g, sum(v) AS s, grouping(g) AS gg FROM c GROUP BY ROLLUP (g) HAVING grouping(g) = 0;
SELECT g, v, grouping(g, v) AS x FROM c GROUP BY GROUPING SETS ((g, v), (g), ());
-- the ORDER BY / LIMIT / OFFSET of a parenthesized query apply (they were dropped)
(SELECT id FROM c) ORDER BY id DESC LIMIT 2;
(SELECT id FROM c ORDER BY id DESC) LIMIT 2;
((SELECT id FROM c) LIMIT 3) ORDER BY 1 DESC LIMIT 2 OFFSET 1;
-- xfail: LIMIT as a percentage is refused, never dropped (planner/build/clauses.py)
SELECT * FROM c LIMIT 50 PERCENT;
-- xfail: WITH ORDINALITY is refused
SELECT * FROM unnest([5, 6, 7]) WITH ORDINALITY;
-- xfail: POSITIONAL JOIN is refused
SELECT * FROM c POSITIONAL JOIN c AS d;
