-- CREATE TABLE AS, views (replaced, read twice, on views), DROP
CREATE TABLE base AS SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c')) AS t(id, s);
CREATE VIEW v1 AS SELECT id, s FROM base WHERE id > 1;
SELECT * FROM v1;
CREATE OR REPLACE VIEW v1 AS SELECT id * 10 AS id, s FROM base;
SELECT * FROM v1;
CREATE VIEW v2 AS SELECT count(*) AS n FROM v1;
SELECT a.id, b.n FROM v1 a CROSS JOIN v2 b;
SELECT a.id FROM v1 a JOIN v1 b ON a.id = b.id;
CREATE TABLE copy AS SELECT id, upper(s) AS u FROM v1 WHERE id > 10;
SELECT * FROM copy;
DROP VIEW v2;
DROP TABLE copy;
CREATE TABLE IF NOT EXISTS base AS SELECT 1 AS id;
SELECT count(*) AS n FROM base;
