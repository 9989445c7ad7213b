-- WITH RECURSIVE: UNION ALL and UNION (set semantics, NULLs equal), joins in the recursive part, several recursive CTEs
CREATE TABLE edges AS SELECT * FROM (VALUES (1, 2), (1, 3), (2, 4), (3, 4), (4, 5), (5, 6), (6, 4), (7, 8), (8, NULL)) AS t(src, dst);
CREATE TABLE emp AS SELECT * FROM (VALUES (1, NULL, 'ceo'), (2, 1, 'cto'), (3, 1, 'cfo'), (4, 2, 'dev'), (5, 4, 'intern'), (6, 3, 'clerk')) AS t(id, boss, title);
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT * FROM r;
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT sum(n) AS s, count(*) AS c FROM r;
WITH RECURSIVE fib(a, b, i) AS (SELECT 0, 1, 1 UNION ALL SELECT b, a + b, i + 1 FROM fib WHERE i < 30) SELECT a, i FROM fib ORDER BY i;
WITH RECURSIVE reach(node) AS (SELECT 1 UNION SELECT e.dst FROM edges e JOIN reach r ON e.src = r.node) SELECT * FROM reach ORDER BY node;
WITH RECURSIVE reach(node) AS (SELECT 7 UNION SELECT e.dst FROM edges e JOIN reach r ON e.src = r.node) SELECT * FROM reach;
WITH RECURSIVE paths(node, depth) AS (SELECT 1, 0 UNION ALL SELECT e.dst, p.depth + 1 FROM edges e JOIN paths p ON e.src = p.node WHERE p.depth < 6) SELECT node, min(depth) AS d, count(*) AS n FROM paths GROUP BY node;
WITH RECURSIVE chain(id, title, level) AS (SELECT id, title, 0 FROM emp WHERE boss IS NULL UNION ALL SELECT e.id, e.title, c.level + 1 FROM emp e JOIN chain c ON e.boss = c.id) SELECT * FROM chain ORDER BY level, id;
WITH RECURSIVE r AS (SELECT 1 AS n UNION SELECT n % 4 + 1 FROM r) SELECT * FROM r;
WITH RECURSIVE r AS (SELECT 1 AS n, NULL AS x UNION SELECT n, x FROM r) SELECT * FROM r;
WITH RECURSIVE t(n) AS (SELECT 1 WHERE false UNION ALL SELECT n + 1 FROM t) SELECT count(*) AS c FROM t;
WITH RECURSIVE a(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM a WHERE n < 3), b(m) AS (SELECT n * 10 FROM a UNION ALL SELECT m + 1 FROM b WHERE m % 10 < 2) SELECT * FROM b ORDER BY m;
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT n + 2 FROM r WHERE n < 7) SELECT * FROM r ORDER BY n;
