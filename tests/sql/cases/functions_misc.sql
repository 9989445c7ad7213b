-- check types: every query
-- Odds and ends DuckDB users reach for: bit aggregates, first/last/any_value, SIMILAR TO,
-- base64, pi(), current_date / now() as one value per query.
CREATE TABLE mt AS SELECT * FROM (VALUES (1, 'apple', 6, 'x'), (2, 'banana', 3, 'y'), (3, NULL, 12, 'x'), (4, 'cherry', NULL, 'y'), (5, 'avocado', 5, 'x')) AS t(id, s, n, g);
SELECT g, bit_or(n) AS o, bit_and(n) AS a, bit_xor(n) AS x FROM mt GROUP BY g ORDER BY g;
SELECT bit_or(n) AS o, bit_and(n) AS a, bit_xor(n) AS x, bit_or(id::TINYINT) AS t FROM mt;
SELECT bit_or(n) AS o FROM mt WHERE id > 100;
SELECT g, any_value(s IS NOT NULL) AS a, first(g) AS f, last(g) AS l FROM mt GROUP BY g ORDER BY g;
-- first / last keep a NULL first / last value (DuckDB's); any_value skips NULLs
SELECT g, first(n) AS f, last(n) AS l, first(s) AS fs, last(s) AS ls, any_value(n) AS a FROM mt GROUP BY g ORDER BY g;
SELECT first(s) AS f, last(n) AS l, any_value(s) AS a FROM mt WHERE id > 2;
SELECT id, s SIMILAR TO 'a.*' AS a, s NOT SIMILAR TO '[a-c][a-z]+a' AS b, s SIMILAR TO 'pp' AS c FROM mt ORDER BY id;
SELECT id, to_base64(encode(s)) AS a, base64(encode(g)) AS b, from_base64(to_base64(encode(s))) = encode(s) AS c FROM mt ORDER BY id;
SELECT round(pi(), 6) AS p, current_date = today() AS d, now() = now() AS n, current_date IS NOT NULL AS e;
-- doubles as text as DuckDB (and Python's repr) write them
SELECT CAST(v AS VARCHAR) AS a, v::FLOAT::VARCHAR AS b, (v * 3)::VARCHAR AS c FROM (VALUES (1.0::DOUBLE), (0.1), (1e-05), (1e15), (1e16), (-0.0), (123456789.125), (NULL), ('nan'::DOUBLE), ('-inf'::DOUBLE)) AS t(v);
-- format / printf: placeholders, escapes, NULL arguments
SELECT id, format('{}-{}', id, s) AS a, format('{1}/{0} {{x}}', g, n) AS b, printf('%s has %d%%', s, n) AS c, format('plain') AS e FROM mt ORDER BY id;
-- error
SELECT format('{}{}', 1) AS a;
