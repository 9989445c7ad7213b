-- CASE, CAST, COALESCE, NULLIF, LIKE, BETWEEN, IN, strings, dates and intervals, arithmetic
CREATE TABLE e AS SELECT * FROM (VALUES (1, 'Alpha', DATE '2024-01-31', 10.25, -7), (2, ' beta ', DATE '2023-12-15', NULL, 7), (3, NULL, DATE '2024-02-29', 3.5, 0), (4, 'gamma_x', NULL, -2.75, 13)) AS t(id, s, d, m, i);
SELECT id, CASE WHEN m > 5 THEN 'big' WHEN m > 0 THEN 'small' ELSE 'other' END AS c FROM e;
SELECT id, CASE id WHEN 1 THEN 'one' WHEN 2 THEN 'two' END AS c FROM e;
SELECT id, CAST(m AS INTEGER) AS mi, CAST(id AS VARCHAR) AS sid, CAST('42' AS INTEGER) AS n, CAST(i AS DOUBLE) / 2 AS h FROM e;
SELECT id, coalesce(s, 'none') AS s1, coalesce(m, 0.0) AS m0, coalesce(i, 0) AS i0, nullif(i, 0) AS n1 FROM e;
SELECT id, coalesce(m, i, 0) AS m1 FROM e;
SELECT id FROM e WHERE s LIKE '%a';
SELECT id FROM e WHERE s NOT LIKE 'A%';
SELECT id FROM e WHERE s LIKE '_eta%' OR s LIKE 'gamma\_%' ESCAPE '\';
SELECT id FROM e WHERE m BETWEEN 0 AND 5 OR i NOT BETWEEN -1 AND 10;
SELECT id FROM e WHERE id IN (1, 3) AND s IS NOT NULL;
SELECT id, upper(s) AS u, lower(s) AS l, length(s) AS n, trim(s) AS t, ltrim(s) AS lt, rtrim(s) AS rt FROM e;
SELECT id, substring(s, 2, 3) AS a, substring(s, 3) AS b, s || '!' AS c, concat(s, '-', id) AS d FROM e;
SELECT id, replace(s, 'a', 'A') AS r, reverse(s) AS rv, left(s, 2) AS lf, right(s, 2) AS rg, starts_with(s, 'Al') AS sw, contains(s, 'amm') AS ct FROM e;
SELECT id, d + INTERVAL 1 DAY AS d1, d - INTERVAL 1 MONTH AS m1, d + INTERVAL 1 YEAR AS y1, d + INTERVAL 2 WEEK AS w2 FROM e;
SELECT id, extract(year FROM d) AS y, extract(month FROM d) AS mo, extract(day FROM d) AS dd, extract(quarter FROM d) AS q, extract(dow FROM d) AS dow, extract(doy FROM d) AS doy FROM e;
SELECT id, date_trunc('month', d) AS m, date_trunc('year', d) AS y, date_trunc('quarter', d) AS q FROM e;
SELECT id, year(d) AS y, month(d) AS m, day(d) AS dd FROM e;
SELECT id, d - DATE '2024-01-01' AS days, date_diff('day', DATE '2024-01-01', d) AS dd FROM e;
SELECT id, d > DATE '2024-01-01' AS later, d = '2024-01-31' AS same FROM e;
SELECT id, round(m, 1) AS r1, round(m) AS r0, abs(m) AS a, i % 3 AS md, -i AS neg, i // 2 AS idiv FROM e;
SELECT id, i / 2 AS half, id * 1.5 AS x, m * 2 AS m2, m + i AS mi, floor(m) AS fl, ceil(m) AS ce, sqrt(id) AS sq, power(id, 2) AS pw FROM e;
SELECT id, greatest(id, i) AS g, least(id, i) AS l, sign(i) AS sg FROM e;
SELECT 1 + 2 AS three, 'x' || 'y' AS xy, NULL IS NULL AS t, CAST(NULL AS INTEGER) AS n;
SELECT id, s IS NULL AS sn, m IS NOT NULL AS mn, NOT (id > 2) AS small FROM e;
SELECT id, CASE WHEN s IS NULL THEN NULL ELSE length(s) END AS n FROM e ORDER BY n NULLS FIRST, id;
-- IS [NOT] DISTINCT FROM: NULL-safe comparisons, never NULL (found by tests/sql/fuzz)
SELECT id, m IS DISTINCT FROM 3.5 AS d, m IS NOT DISTINCT FROM 3.5 AS n, s IS DISTINCT FROM NULL AS sn FROM e;
SELECT a.id, b.id AS bid FROM e a JOIN e b ON a.s IS NOT DISTINCT FROM b.s ORDER BY a.id, bid;
SELECT NULL IS DISTINCT FROM NULL AS a, 1 IS DISTINCT FROM NULL AS b, NULL IS NOT DISTINCT FROM 2 AS c;
-- untyped NULL where text is expected, and IN lists of NULLs only (found by tests/sql/fuzz)
SELECT length(NULL) AS a, NULL LIKE 'a%' AS b, upper(NULL) AS c, NULL NOT LIKE 'a%' AS d, lower(NULL) AS e;
SELECT id, s NOT IN (NULL) AS a, s IN (NULL, 'Alpha') AS b, i IN (NULL) AS c FROM e;
-- IS [NOT] TRUE / FALSE: never NULL
SELECT id, (i > 0) IS TRUE AS a, (i > 0) IS NOT TRUE AS b, (m > 0) IS FALSE AS c, (m > 0) IS NOT FALSE AS d, NULL IS TRUE AS e FROM e;
SELECT id FROM e WHERE (m > 3) IS NOT TRUE ORDER BY id;
-- bitwise operators over integers of the operands' common type
SELECT id, id & 6 AS a, id | i AS b, xor(id, i) AS c, ~i AS d, id << 3 AS e, i >> 1 AS f, 1::BIGINT << 62 AS g FROM e;
-- error
SELECT 2::BIGINT << 62 AS overflow;
-- error
SELECT i << 1 AS negative FROM e;
-- error
SELECT m & 1 AS not_integers FROM e;
