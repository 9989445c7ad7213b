-- Writable tables: CREATE TABLE (columns, constraints), INSERT, UPDATE, DELETE, TRUNCATE, ALTER TABLE
CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, price DECIMAL(10, 2) DEFAULT 1.50, qty INTEGER DEFAULT 0, tag VARCHAR UNIQUE);
INSERT INTO items VALUES (1, 'apple', 0.50, 10, 'a'), (2, 'pear', 0.75, 5, 'p');
INSERT INTO items (id, name) VALUES (3, 'fig');
INSERT INTO items (name, id, tag) VALUES ('kiwi', 4, NULL), ('plum', 5, NULL);
SELECT * FROM items ORDER BY id;
-- check types
SELECT * FROM items ORDER BY id;
-- values cast to the column types as DuckDB casts them: text to integers, decimals rounded
INSERT INTO items VALUES ('6', 'lime', 2, 7.6, 'l');
SELECT id, price, qty FROM items WHERE id = 6;
-- error
INSERT INTO items VALUES (1, 'again', 1, 1, 'z');
-- error
INSERT INTO items VALUES (7, NULL, 1, 1, 'n');
-- error
INSERT INTO items VALUES (8, 'ok', 1, 1, 'q'), (9, 'dup tag', 1, 1, 'q');
-- error
INSERT INTO items VALUES ('eight', 'bad', 1, 1, 'b');
-- error
INSERT INTO items VALUES (10, 'short');
-- error
INSERT INTO items (nope) VALUES (1);
SELECT count(*) AS n, sum(qty) AS q FROM items;
INSERT INTO items SELECT id + 100, upper(name), price * 2, qty, NULL FROM items WHERE id <= 3;
SELECT * FROM items ORDER BY id;
INSERT INTO items (id, name) SELECT 200 + i, 'gen' || i FROM range(5) r(i);
SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM items WHERE name LIKE 'gen%';
UPDATE items SET qty = qty + 1 WHERE price < 1;
SELECT id, qty FROM items ORDER BY id;
UPDATE items SET price = price * 10, name = name || '!' WHERE id IN (SELECT id FROM items WHERE qty > 5);
SELECT * FROM items ORDER BY id;
UPDATE items SET tag = NULL WHERE id > 1000;
-- error
UPDATE items SET id = 2 WHERE id = 1;
-- error
UPDATE items SET name = NULL WHERE id = 3;
SELECT * FROM items ORDER BY id;
CREATE TABLE discounts (item INTEGER, pct INTEGER);
INSERT INTO discounts VALUES (1, 10), (3, 50), (99, 5);
UPDATE items SET price = items.price * (100 - d.pct) / 100 FROM discounts d WHERE items.id = d.item;
SELECT id, price FROM items ORDER BY id;
DELETE FROM items WHERE id >= 200;
SELECT count(*) AS n FROM items;
DELETE FROM items USING discounts WHERE items.id = discounts.item + 100;
SELECT id FROM items ORDER BY id;
DELETE FROM items WHERE name = 'nothing';
-- ON CONFLICT, INSERT OR REPLACE / OR IGNORE
INSERT INTO items (id, name) VALUES (1, 'dup'), (50, 'new') ON CONFLICT DO NOTHING;
INSERT INTO items (id, name, qty) VALUES (2, 'pear2', 100), (51, 'newer', 1) ON CONFLICT (id) DO UPDATE SET qty = excluded.qty + items.qty, name = excluded.name;
INSERT INTO items (id, name, qty) VALUES (3, 'not updated', 1) ON CONFLICT (id) DO UPDATE SET qty = 0 WHERE items.qty > 1000;
-- error
INSERT OR REPLACE INTO items VALUES (4, 'kiwi2', 9.99, 4, 'k'), (52, 'brand', 1, 1, 'b');
INSERT OR IGNORE INTO items VALUES (5, 'ignored', 1, 1, 'i'), (53, 'added', 1, 1, NULL);
SELECT * FROM items ORDER BY id;
-- ALTER TABLE
ALTER TABLE items ADD COLUMN color VARCHAR DEFAULT 'green';
ALTER TABLE items ADD COLUMN weight DOUBLE;
ALTER TABLE items RENAME COLUMN qty TO quantity;
-- error
ALTER TABLE items DROP COLUMN tag;
ALTER TABLE items ADD COLUMN junk INTEGER DEFAULT 1;
ALTER TABLE items DROP COLUMN junk;
SELECT * FROM items ORDER BY id;
INSERT INTO items (id, name, weight) VALUES (60, 'melon', 1.25);
SELECT id, color, weight, quantity FROM items WHERE id >= 60;
ALTER TABLE discounts RENAME TO deals;
SELECT * FROM deals ORDER BY item;
-- error
SELECT * FROM discounts;
-- CREATE TABLE AS makes a writable table; TRUNCATE
CREATE TABLE copy AS SELECT id, name FROM items WHERE id < 5;
INSERT INTO copy VALUES (1000, 'extra');
DELETE FROM copy WHERE id = 1;
SELECT * FROM copy ORDER BY id;
TRUNCATE copy;
SELECT count(*) AS n FROM copy;
INSERT INTO copy SELECT id, name FROM items;
SELECT count(*) AS n FROM copy;
-- composite keys and NULLs in UNIQUE columns
CREATE TABLE pairs (a INTEGER, b VARCHAR, c INTEGER UNIQUE, PRIMARY KEY (a, b));
INSERT INTO pairs VALUES (1, 'x', NULL), (1, 'y', NULL), (2, 'x', 3);
-- error
INSERT INTO pairs VALUES (1, 'x', 9);
-- error
INSERT INTO pairs VALUES (3, 'z', 3);
INSERT INTO pairs VALUES (1, 'x', 4) ON CONFLICT (a, b) DO UPDATE SET c = excluded.c;
SELECT * FROM pairs ORDER BY a, b;
CREATE TABLE kv (k VARCHAR PRIMARY KEY, v INTEGER);
INSERT INTO kv VALUES ('a', 1), ('b', 2);
INSERT OR REPLACE INTO kv VALUES ('b', 20), ('c', 30);
INSERT OR IGNORE INTO kv VALUES ('a', 100), ('d', 4);
SELECT * FROM kv ORDER BY k;
-- ALTER COLUMN: type (values cast), defaults, NOT NULL
ALTER TABLE kv ALTER COLUMN v TYPE BIGINT;
ALTER TABLE kv ALTER v SET DEFAULT 42;
INSERT INTO kv (k) VALUES ('e');
ALTER TABLE kv ALTER COLUMN v SET DATA TYPE VARCHAR;
-- check types
SELECT * FROM kv ORDER BY k;
ALTER TABLE kv ALTER COLUMN v DROP DEFAULT;
INSERT INTO kv (k) VALUES ('f');
-- error
ALTER TABLE kv ALTER COLUMN v SET NOT NULL;
DELETE FROM kv WHERE v IS NULL;
ALTER TABLE kv ALTER COLUMN v SET NOT NULL;
-- error
INSERT INTO kv (k) VALUES ('g');
ALTER TABLE kv ALTER COLUMN v DROP NOT NULL;
INSERT INTO kv (k) VALUES ('h');
SELECT * FROM kv ORDER BY k;
