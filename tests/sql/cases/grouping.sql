-- GROUP BY expressions and ordinals, grouping sets, HAVING, aggregates' NULL and empty-input rules
CREATE TABLE g AS SELECT * FROM (VALUES ('a', 1, 10.5), ('a', 2, NULL), ('b', 1, 3.0), ('b', NULL, 4.0), (NULL, 1, 7.25), ('c', 3, NULL)) AS t(k, n, v);
SELECT k, sum(v) AS s, avg(v) AS a, count(v) AS c, count(*) AS m, min(v) AS lo, max(v) AS hi FROM g GROUP BY k;
SELECT k, sum(v) AS s FROM g GROUP BY 1 HAVING count(*) > 1;
SELECT n % 2 AS odd, sum(v) AS s FROM g GROUP BY n % 2;
SELECT upper(k) AS u, count(*) AS c FROM g GROUP BY upper(k);
SELECT k FROM g GROUP BY k HAVING max(v) > 5;
SELECT sum(v) AS s, count(*) AS c, count(v) AS cv, avg(v) AS a, min(k) AS mk FROM g WHERE n > 100;
SELECT k, sum(v) AS s FROM g WHERE n > 100 GROUP BY k;
SELECT stddev(v) AS sd, variance(v) AS var, stddev_pop(v) AS sdp, var_pop(v) AS vp FROM g;
SELECT k, stddev_samp(v) AS sd FROM g GROUP BY k;
SELECT k, count(DISTINCT n) AS dn, max(DISTINCT n) AS mn FROM g GROUP BY k;
SELECT k, sum(DISTINCT n) AS sn FROM g GROUP BY k;
SELECT k, n, sum(v) AS s FROM g GROUP BY ROLLUP (k, n);
SELECT k, n, count(*) AS c FROM g GROUP BY CUBE (k, n);
SELECT k, n, count(*) AS c FROM g GROUP BY GROUPING SETS ((k), (n), ());
-- check types
SELECT k, n, sum(v) AS s, avg(v) AS a, count(v) AS cv, count(*) AS c, min(v) AS lo, max(n) AS hi, stddev_samp(v) AS sd, grouping(k, n) AS gk FROM g GROUP BY ROLLUP (k, n);
-- check types
SELECT k, n, avg(n) AS a, sum(n) AS s, bool_and(v > 1) AS b FROM g GROUP BY CUBE (k, n);
SELECT k, n, sum(v) AS s, count(*) AS c, count(v) AS cv FROM g WHERE n > 100 GROUP BY ROLLUP (k, n);
SELECT k, count(DISTINCT n) AS dn, sum(v) AS s FROM g GROUP BY ROLLUP (k);
SELECT k, n, sum(v) AS s, grouping(n) AS gn FROM g GROUP BY GROUPING SETS ((k, n), (n), (k), ());
SELECT k, sum(n) AS s FROM g GROUP BY k ORDER BY s DESC NULLS LAST, k;
SELECT sum(n) * 2 + 1 AS t, max(v) - min(v) AS spread FROM g;
SELECT avg(n) AS a FROM g;
SELECT k, bool_or(v > 5) AS any_big FROM g GROUP BY k;
-- a grouping-set key naming a parenthesized select alias groups by the expression it names (it failed: "column 'n' must appear in the GROUP BY clause")
SELECT k, (n > 1) AS big, count(*) AS c FROM g GROUP BY CUBE (k, big) ORDER BY k NULLS LAST, big NULLS LAST, c;
SELECT (n > 1) AS big, sum(v) AS s FROM g GROUP BY ROLLUP (big) ORDER BY big NULLS LAST;
SELECT (n > 1) AS big, k, count(*) AS c FROM g GROUP BY GROUPING SETS ((big, k), (big), ()) ORDER BY big NULLS LAST, k NULLS LAST, c;
