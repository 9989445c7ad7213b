-- check types: every query
-- String functions as DuckDB computes them, with NULLs, empty strings, non-ASCII text, column
-- arguments, negative and zero positions.
CREATE TABLE st AS SELECT * FROM (VALUES (1, 'hello', 2, 3, 'a,b,c'), (2, NULL, 1, NULL, 'x'), (3, 'héllo wörld', -3, 2, ',,'), (4, '', 0, -2, NULL), (5, 'Data Base', 5, 0, 'one,two')) AS t(id, s, n, k, csv);
SELECT id, substring(s, n) AS a, substring(s, n, k) AS b, substr(s, -2) AS c, substring(s, 0, 2) AS e, substring(s, 3, -2) AS g, substring(s, 2, 3) AS h FROM st ORDER BY id;
SELECT id, substring(s, 1, 30) AS a, substring(s, 4) AS b, substring(s, 20, 2) AS c, substring(s, 1, 0) AS e, substr(csv, 2, 1) AS g FROM st ORDER BY id;
SELECT id, left(s, 2) AS a, left(s, -2) AS b, right(s, 3) AS c, right(s, -3) AS e, left(s, n) AS g, right(s, k) AS h FROM st ORDER BY id;
SELECT id, concat_ws('-', s, 'x') AS a, concat_ws(', ', s, csv, NULL) AS b, concat_ws('', s, n) AS c, concat_ws(NULL, s) AS e FROM st ORDER BY id;
SELECT id, lpad(s, 7, '*') AS a, rpad(s, 7, 'xy') AS b, lpad(s, 3, '0') AS c, rpad(s, n, '.') AS e FROM st ORDER BY id;
SELECT id, split_part(csv, ',', 1) AS a, split_part(csv, ',', 2) AS b, split_part(csv, ',', -1) AS c, split_part(csv, ',', 9) AS e, split_part(s, ' ', 2) AS g, split_part(s, '', 2) AS h FROM st ORDER BY id;
SELECT id, regexp_matches(s, 'l+') AS a, regexp_matches(s, '^D', 'i') AS b, regexp_full_match(s, '[a-z]+') AS c, regexp_replace(s, '[aeiou]', '_') AS e, regexp_replace(s, '[aeiou]', '_', 'g') AS g, regexp_replace(s, '(l+)', '<\1>', 'g') AS h FROM st ORDER BY id;
SELECT id, regexp_extract(s, 'l+') AS a, regexp_extract(s, '([a-z])(l+)', 2) AS b, regexp_extract(s, '(x)?q', 1) AS c, regexp_extract(csv, '(\w+),(\w+)', 1) AS e FROM st ORDER BY id;
SELECT id, strpos(s, 'l') AS a, instr(s, 'wö') AS b, position('o' IN s) AS c, strpos(s, '') AS e, repeat(s, 2) AS g, repeat(csv, k) AS h FROM st ORDER BY id;
SELECT id, ascii(s) AS a, chr(n + 64) AS b, md5(s) AS e, translate(s, 'lo', '01') AS g, translate(s, 'el', 'E') AS h FROM st ORDER BY id;
SELECT id, starts_with(s, 'he') AS a, ends_with(s, 'lo') AS b, prefix(s, 'Da') AS c, suffix(s, 'se') AS e, contains(s, 'll') AS g, strlen(s) AS h, length(s) AS l FROM st ORDER BY id;
SELECT id, trim(s, 'hd') AS a, ltrim(s, 'h') AS b, rtrim(s, 'oe') AS c, trim(BOTH 'x' FROM csv) AS e, upper(s) AS g, reverse(s) AS h FROM st ORDER BY id;
SELECT id FROM st WHERE regexp_matches(s, 'o') AND strpos(s, 'l') > 2 ORDER BY id;
-- substr of an untyped NULL is a VARCHAR NULL
SELECT substr(NULL, 2, 3) AS a, substr(NULL, 1) NOT LIKE 'C%' AS b;
-- LIKE on a column of the NULL type (found by the fuzzer)
WITH w AS (SELECT NULL AS c, 1 AS k) SELECT w.c LIKE 'a%' AS v, w.c NOT LIKE '%' AS n FROM w;
