-- check types: every query
-- Lists as DuckDB computes them: literals, string_split, indexing and slicing (1-based, negative
-- from the end, out of range NULL), membership, concatenation, sorting, reductions, array_agg.
CREATE TABLE lt AS SELECT * FROM (VALUES (1, 'a,b,c', 2, 'p'), (2, NULL, -1, 'q'), (3, 'x', 0, 'p'), (4, '', 5, 'q'), (5, 'héllo,wörld,,z', NULL, 'p')) AS t(id, csv, i, g);
SELECT [1, 2, 3] AS a, [1, NULL] AS b, ['x', 'y'] AS c, [] AS e, list_value(1, 2) AS f;
SELECT id, [id, i, id * 2] AS a, [csv, g] AS b FROM lt ORDER BY id;
SELECT id, string_split(csv, ',') AS a, str_split(csv, 'l') AS b, string_split(g, '') AS c, regexp_split_to_array(csv, '[,l]+') AS e FROM lt ORDER BY id;
SELECT id, len(string_split(csv, ',')) AS a, array_length(string_split(csv, ',')) AS b, length([1, 2]) AS c, len(csv) AS e FROM lt ORDER BY id;
SELECT id, string_split(csv, ',')[1] AS a, string_split(csv, ',')[-1] AS b, string_split(csv, ',')[i] AS c, [10, 20, 30][i] AS e, list_extract([10, 20, 30], 2) AS f FROM lt ORDER BY id;
SELECT id, string_split(csv, ',')[2:3] AS a, string_split(csv, ',')[-2:] AS b, string_split(csv, ',')[:2] AS c, list_slice([1, 2, 3, 4], 2, 3) AS e, array_slice([1, 2, 3, 4], i, 4) AS f FROM lt ORDER BY id;
SELECT id, list_contains(string_split(csv, ','), 'b') AS a, list_has([1, 2, NULL], i) AS b, array_contains([1, 2], 3) AS c, list_position(string_split(csv, ','), 'c') AS e, array_position([5, 6, 7], 7) AS f FROM lt ORDER BY id;
SELECT id, list_concat(string_split(csv, ','), [g]) AS a, list_concat(NULL, [1]) AS b, array_to_string(string_split(csv, ','), '-') AS c, array_to_string([1, NULL, 3], '+') AS e FROM lt ORDER BY id;
SELECT list_sort([3, NULL, 1, 2]) AS a, list_sort(['b', 'a', 'c'], 'DESC') AS b, list_reverse([1, 2, 3]) AS c, array_reverse(['x', NULL]) AS e;
SELECT list_sort(list_distinct([1, 1, NULL, 2, 3, 2])) AS a, list_sum([1, 2, 3]) AS b, list_min(['b', 'a']) AS c, list_max([1.5, 2.5]) AS e, list_avg([1, 2]) AS f, list_count([1, NULL, 3]) AS h;
SELECT list_sum([]) AS a, list_sum(NULL::INTEGER[]) AS b, list_aggregate([4, 5], 'max') AS c, list_aggregate(['a', 'b'], 'first') AS e, list_bool_or([false, true]) AS f;
SELECT id, x FROM (SELECT id, unnest(string_split(csv, ',')) AS x FROM lt) ORDER BY id, x;
SELECT g, array_agg(id ORDER BY id) AS a, list(id ORDER BY id DESC) AS b, array_agg(i ORDER BY id) AS c FROM lt GROUP BY g ORDER BY g;
SELECT g, string_agg(DISTINCT csv, '|' ORDER BY csv) AS a, list_sort(array_agg(DISTINCT g)) AS b FROM lt GROUP BY g ORDER BY g;
SELECT array_agg(id ORDER BY id) AS a FROM lt WHERE id > 100;
SELECT g, list_sum(array_agg(id)) AS s FROM lt GROUP BY g ORDER BY g;
SELECT typeof([1]) AS a, typeof(string_split('a', ',')) AS b, typeof(1) AS c, typeof('x') AS e, typeof(1.5) AS f, typeof(DATE '2020-01-01') AS h;
-- error
SELECT list_aggregate([1], 'nonsense') AS a;
SELECT [1] || [2, 3] AS a, string_split(csv, ',') || [g] AS b, 'a' || 'b' AS c FROM lt ORDER BY id;
