-- check types: every query
-- Structs as DuckDB has them: built by {'a': ...} and struct_pack, read by s.a, s['a'], struct_extract
-- (names matched case-insensitively), nested, NULL structs giving NULL fields (they were refused:
-- "the expression 't.st.a' (Dot)"; a JSON or Parquet file's nested columns could not be read by field)
CREATE TABLE base AS SELECT * FROM (VALUES (1, 1, 'x', 1.5), (2, 2, 'y', NULL), (3, NULL, NULL, NULL)) AS t(k, a, b, c);
CREATE TABLE st AS SELECT k, CASE WHEN a IS NOT NULL THEN {'a': a, 'b': b, 'n': {'c': c}} END AS s FROM base;
SELECT k, s.a AS a, s['b'] AS b, s.n.c AS c FROM st ORDER BY k;
SELECT k, st.s.A AS a, struct_extract(s, 'b') AS b FROM st ORDER BY k;
SELECT k, {'x': k, 'y': s.b} AS p, struct_pack(z := k * 2) AS q FROM st ORDER BY k;
SELECT ({'a': k, 'b': 'w'}).b AS b FROM st ORDER BY k;
SELECT s.a AS a, count(*) AS n FROM st GROUP BY s.a ORDER BY a NULLS FIRST;
SELECT k FROM st WHERE s.b = 'y';
SELECT {'k': k % 2, 'top': max(s.a), 'n': count(s.b)} AS kv FROM st GROUP BY k % 2 ORDER BY k % 2;
-- error
SELECT s.zz FROM st;
