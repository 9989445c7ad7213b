-- check types: every query
-- Numeric functions and IS [NOT] DISTINCT FROM as DuckDB computes them.
CREATE TABLE nu AS SELECT * FROM (VALUES (1, 100.0, 12, 18, 2.5), (2, 0.5, -4, 6, -2.5), (3, NULL, 0, 5, NULL), (4, 8.0, 7, NULL, 1e300), (5, -1.0, 21, 14, 0.0)) AS t(id, x, a, b, f);
SELECT id, log(x) AS l, log10(x) AS l10, log2(x) AS l2, ln(x) AS n, log(2, x) AS lb FROM nu WHERE id <> 5 ORDER BY id;
SELECT id, log10(f) AS a, ln(f) AS b FROM nu ORDER BY id;
SELECT id, gcd(a, b) AS g, lcm(a, b) AS l, gcd(a, 4) AS g4, trunc(f) AS t, trunc(a) AS ti, isnan(f) AS nn, isinf(f * f) AS inf FROM nu ORDER BY id;
SELECT id, pow(a, 2) AS p, power(f, 2) AS q, mod(a, 5) AS m, a % 5 AS m2, round(x, -1) AS r, round(f, 0) AS r0, sqrt(abs(f)) AS s FROM nu ORDER BY id;
SELECT id, a IS DISTINCT FROM b AS d, a IS NOT DISTINCT FROM b AS nd, x IS NOT DISTINCT FROM NULL AS xn, NULL IS DISTINCT FROM NULL AS nn, f IS DISTINCT FROM 2.5 AS f25 FROM nu ORDER BY id;
SELECT id FROM nu WHERE b IS DISTINCT FROM 18 ORDER BY id;
SELECT l.id AS lid, r.id AS rid FROM nu l JOIN nu r ON l.x IS NOT DISTINCT FROM r.x ORDER BY lid, rid;
