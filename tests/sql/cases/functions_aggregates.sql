-- check types: every query
-- Statistical and gathering aggregates as DuckDB computes them: NULLs skipped (pairs need both
-- values), empty groups and empty inputs NULL, ties in arg_min / arg_max to the first row (mode's ties are
-- left out: DuckDB breaks them by its hash table's order).
CREATE TABLE ag AS SELECT * FROM (VALUES (1, 1.5, 2.0, 'a', 10, 3), (1, 2.5, 1.0, 'b', 20, 1), (1, NULL, 4.0, NULL, 20, 2), (2, 5.0, 1.0, 'c', 7, 1), (2, 3.0, 4.0, 'e', 7, 5), (2, 4.0, NULL, 'd', 20, 4), (3, NULL, NULL, NULL, NULL, NULL), (4, 8.0, 8.0, 'z', 1, 1)) AS t(g, x, y, s, n, o);
SELECT g, corr(x, y) AS c, covar_pop(x, y) AS cp, covar_samp(x, y) AS cs, stddev_pop(x) AS sp, stddev_samp(x) AS ss, var_pop(y) AS vp, var_samp(y) AS vs FROM ag GROUP BY g ORDER BY g;
SELECT corr(x, y) AS c, covar_pop(x, y) AS cp, covar_samp(x, y) AS cs, corr(x, n) AS cn, covar_pop(n, o) AS co FROM ag;
SELECT g, median(x) AS m, median(n) AS mn, quantile_cont(x, 0.25) AS q, quantile_disc(x, 0.25) AS qd, quantile_disc(n, 0.5) AS qn, quantile(n, 0.9) AS q9 FROM ag GROUP BY g ORDER BY g;
SELECT median(x) AS m, quantile_cont(n, 0.75) AS q, quantile_disc(s, 0.5) AS qs, mode(n) AS mo FROM ag;
SELECT g, mode(n) AS mo, arg_min(s, o) AS amin, arg_max(s, o) AS amax, min_by(n, x) AS mb, max_by(x, n) AS xb FROM ag GROUP BY g ORDER BY g;
SELECT g, string_agg(s, ',') AS a, string_agg(s, '-' ORDER BY o) AS b, string_agg(s ORDER BY o DESC) AS c, listagg(s, ';') AS d, group_concat(s) AS e FROM ag GROUP BY g ORDER BY g;
SELECT string_agg(s, ', ' ORDER BY n DESC) AS a, string_agg(CAST(n AS VARCHAR), '') AS b FROM ag WHERE g <> 2;
SELECT g, count_if(x > 2) AS ci, bool_and(x > 2) AS ba, bool_or(x > 4) AS bo, approx_count_distinct(n) AS acd FROM ag GROUP BY g ORDER BY g;
SELECT count_if(x > 2) AS ci, median(x) AS m, mode(x) AS mo, arg_min(s, x) AS am, string_agg(s, ',') AS sa, corr(x, y) AS c, covar_samp(x, y) AS cs FROM ag WHERE g > 10;
SELECT g, count(*) AS c, median(x) AS m FROM ag GROUP BY g HAVING median(x) > 2 ORDER BY g;
-- a cast of a sum to BIGINT or INTEGER is that type, as in DuckDB (sqlglot inferred BIGINT for the sum and dropped the cast as redundant: the answer was a HUGEINT)
SELECT g, sum(n)::BIGINT AS s, CAST(sum(n) AS INTEGER) AS i, sum(n)::BIGINT * 1000000000000 AS big FROM ag GROUP BY g ORDER BY g;
SELECT CAST(sum(n) OVER (PARTITION BY g) AS BIGINT) AS w FROM ag ORDER BY w NULLS FIRST;
