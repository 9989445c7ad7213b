-- IN / NOT IN / EXISTS with NULLs; correlated and scalar subqueries anywhere an expression may stand
CREATE TABLE a AS SELECT * FROM (VALUES (1, 10), (2, 20), (3, NULL), (NULL, 40), (5, 50)) AS t(x, y);
CREATE TABLE b AS SELECT * FROM (VALUES (1, 100), (3, 300), (NULL, 0), (3, 301)) AS t(x, z);
CREATE TABLE c AS SELECT * FROM (VALUES (1, 100), (3, 300)) AS t(x, z);
SELECT x FROM a WHERE x IN (SELECT x FROM b);
SELECT x FROM a WHERE x NOT IN (SELECT x FROM b);
SELECT x FROM a WHERE x NOT IN (SELECT x FROM c);
SELECT x FROM a WHERE x NOT IN (SELECT x FROM c WHERE z > 1000);
SELECT x, x IN (SELECT x FROM c) AS found FROM a;
SELECT x, x IN (SELECT x FROM c) AS found FROM a WHERE x IS NOT NULL;
SELECT x FROM a WHERE x IN (1, 3, NULL);
SELECT x FROM a WHERE x NOT IN (1, 3);
SELECT x FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.x = a.x);
SELECT x FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.x = a.x);
SELECT x FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.x = a.x AND b.z > a.y * 10);
SELECT x FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.x = a.x AND b.z > 300);
SELECT x FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.z > 200);
SELECT x FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.z > 1000);
SELECT x, (SELECT max(z) FROM b WHERE b.x = a.x) AS mz FROM a;
SELECT x, (SELECT count(*) FROM b WHERE b.x = a.x) AS n FROM a;
SELECT x FROM a WHERE y > (SELECT avg(y) FROM a);
SELECT x FROM a WHERE y < (SELECT min(z) FROM b WHERE b.x = a.x);
SELECT x, y + (SELECT max(z) FROM c) AS t FROM a;
SELECT (SELECT max(z) FROM b WHERE z > 1000) AS none;
SELECT x, count(*) AS n FROM b GROUP BY x HAVING count(*) > (SELECT count(*) FROM c) - 1;
SELECT x FROM a WHERE x IN (SELECT x FROM b WHERE b.z > 100) AND y IS NULL;
SELECT s.x, s.t FROM (SELECT x, sum(z) AS t FROM b GROUP BY x) AS s WHERE s.t > 100;
SELECT x FROM a WHERE x = (SELECT min(x) FROM c);
-- row values: (a, b) [NOT] IN (SELECT x, y ...), NULL fields three-valued
SELECT x, y FROM a WHERE (x, y * 10) IN (SELECT x, z FROM b) ORDER BY 1;
SELECT x, y FROM a WHERE (x, y * 10) NOT IN (SELECT x, z FROM b) ORDER BY 1;
SELECT x, y FROM a WHERE (x, y * 10) NOT IN (SELECT x, z FROM c) ORDER BY 1;
SELECT x, y, (x, y * 10) IN (SELECT x, z FROM b) AS v, (x, 100) NOT IN (SELECT x, z FROM c) AS w FROM a ORDER BY 1;
SELECT x, (x + 2, 300) IN (SELECT x, z FROM b UNION ALL SELECT x, z FROM c) AS v FROM a ORDER BY 1;
SELECT x, (x, y) IN (SELECT x, z FROM b WHERE false) AS v FROM a ORDER BY 1;
-- a subquery in the ON of a LEFT JOIN (the pairs are filtered, unmatched left rows kept)
SELECT a.x, a.y, b.z FROM a LEFT JOIN b ON a.x = b.x AND b.z > (SELECT min(z) FROM c) ORDER BY 1, 2, 3;
