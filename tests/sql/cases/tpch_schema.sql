-- data: tpch
-- Queries over the TPC-H tables (SF0.01) beyond the 22: date arithmetic, SQL-only functions,
-- outer/semi/anti/self/cross joins, windows, set operations and subqueries on real types
-- (decimals, dates, dictionary-read strings), so every scheduler and join strategy sees them.
SELECT l_orderkey, l_linenumber, l_receiptdate - l_shipdate AS transit, l_commitdate - l_shipdate AS slack FROM lineitem WHERE l_orderkey < 200;
SELECT l_shipmode, avg(l_receiptdate - l_shipdate) AS avg_transit, max(l_receiptdate - l_commitdate) AS worst_delay FROM lineitem GROUP BY l_shipmode;
SELECT o_orderkey, date_diff('day', o_orderdate, DATE '1998-12-31') AS age_days, date_diff('month', o_orderdate, DATE '1998-12-31') AS age_months FROM orders WHERE o_orderkey % 97 = 0;
SELECT extract(year FROM o_orderdate) AS y, extract(quarter FROM o_orderdate) AS q, count(*) AS n, sum(o_totalprice) AS total FROM orders GROUP BY 1, 2 ORDER BY 1, 2;
SELECT p_partkey, greatest(p_size, 25) AS g, least(p_retailprice, 1000.5) AS l, concat(p_brand, '/', p_container) AS label, reverse(p_type) AS rev, right(p_name, 5) AS tail FROM part WHERE p_partkey <= 50;
SELECT c_custkey, c_acctbal % 100 AS rest, CAST(c_acctbal AS INTEGER) AS whole, round(c_acctbal, -2) AS r, c_nationkey // 4 AS quarter_key FROM customer WHERE c_custkey <= 60;
SELECT p_partkey, least(p_retailprice, 1000) AS l FROM part WHERE p_partkey <= 50;
SELECT c_custkey, c_acctbal // 100 AS hundreds FROM customer WHERE c_custkey <= 60;
SELECT upper(substring(c_name, 1, 8)) AS prefix, length(c_address) AS alen, c_mktsegment || '-' || CAST(c_nationkey AS VARCHAR) AS seg FROM customer WHERE c_custkey % 50 = 1;
SELECT n_name, r_name FROM nation CROSS JOIN region WHERE n_regionkey <> r_regionkey AND r_name LIKE 'A%';
SELECT c_custkey, count(o_orderkey) AS orders, coalesce(sum(o_totalprice), 0) AS spent FROM customer LEFT JOIN orders ON o_custkey = c_custkey GROUP BY c_custkey HAVING count(o_orderkey) < 3;
SELECT s_suppkey, s_name, ps_partkey FROM partsupp RIGHT JOIN supplier ON ps_suppkey = s_suppkey AND ps_availqty < 20;
SELECT n_name, s_name FROM nation FULL OUTER JOIN supplier ON s_nationkey = n_nationkey AND s_acctbal > 9000;
SELECT c_custkey FROM customer WHERE NOT EXISTS (SELECT * FROM orders WHERE o_custkey = c_custkey);
SELECT p_partkey, p_name FROM part WHERE p_partkey IN (SELECT l_partkey FROM lineitem WHERE l_quantity = 50 AND l_discount = 0.10);
SELECT o_orderpriority, count(DISTINCT o_custkey) AS customers, count(*) AS n FROM orders GROUP BY o_orderpriority;
SELECT l_returnflag, l_linestatus, min(l_extendedprice) AS lo, max(l_extendedprice) AS hi, sum(l_quantity) AS q, count(*) AS n FROM lineitem WHERE l_shipdate BETWEEN DATE '1995-01-01' AND DATE '1995-12-31' GROUP BY ROLLUP (l_returnflag, l_linestatus);
SELECT o_custkey, o_orderkey, o_totalprice, rank() OVER (PARTITION BY o_custkey ORDER BY o_totalprice DESC) AS rk FROM orders WHERE o_custkey < 40;
SELECT o_custkey, o_orderdate, sum(o_totalprice) OVER (PARTITION BY o_custkey ORDER BY o_orderdate, o_orderkey ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running FROM orders WHERE o_custkey < 30;
SELECT n_name, total, row_number() OVER (ORDER BY total DESC) AS pos FROM (SELECT n_name, sum(c_acctbal) AS total FROM customer JOIN nation ON c_nationkey = n_nationkey GROUP BY n_name) t ORDER BY pos;
SELECT a.s_suppkey AS s1, b.s_suppkey AS s2, a.s_nationkey FROM supplier a JOIN supplier b ON a.s_nationkey = b.s_nationkey AND a.s_suppkey < b.s_suppkey WHERE a.s_suppkey < 30;
SELECT s_nationkey AS k FROM supplier UNION SELECT c_nationkey FROM customer WHERE c_acctbal < 0 EXCEPT SELECT n_nationkey FROM nation WHERE n_regionkey = 1;
SELECT ps_suppkey FROM partsupp WHERE ps_partkey < 20 INTERSECT SELECT s_suppkey FROM supplier WHERE s_acctbal > 0;
SELECT o_orderkey, o_totalprice FROM orders WHERE o_totalprice > (SELECT avg(o_totalprice) * 1.9 FROM orders) ORDER BY o_totalprice DESC LIMIT 10;
SELECT c_custkey, (SELECT max(o_orderdate) FROM orders WHERE o_custkey = c_custkey) AS last_order FROM customer WHERE c_custkey <= 40;
WITH big AS (SELECT o_custkey, sum(o_totalprice) AS spent FROM orders GROUP BY o_custkey HAVING sum(o_totalprice) > 1500000) SELECT c_name, spent, n_name FROM big JOIN customer ON c_custkey = o_custkey JOIN nation ON n_nationkey = c_nationkey ORDER BY spent DESC, c_name;
SELECT l_orderkey, count(*) AS lines, sum(CASE WHEN l_returnflag = 'R' THEN 1 ELSE 0 END) AS returned FROM lineitem JOIN orders ON l_orderkey = o_orderkey WHERE o_orderstatus = 'F' AND l_orderkey < 500 GROUP BY l_orderkey;
SELECT p_brand, p_size, count(*) AS n FROM part WHERE p_size IN (1, 7, 49) AND p_brand NOT LIKE 'Brand#1%' GROUP BY p_brand, p_size ORDER BY n DESC, p_brand, p_size LIMIT 15;
SELECT DISTINCT l_shipinstruct, l_shipmode FROM lineitem WHERE l_quantity > 49;
SELECT o_orderkey, o_orderdate + INTERVAL 30 DAY AS due, o_orderdate + INTERVAL 1 MONTH AS next_month FROM orders WHERE o_orderkey < 100;
SELECT r_name, count(DISTINCT s_suppkey) AS suppliers, count(DISTINCT c_custkey) AS customers FROM region JOIN nation ON n_regionkey = r_regionkey LEFT JOIN supplier ON s_nationkey = n_nationkey LEFT JOIN customer ON c_nationkey = n_nationkey AND c_acctbal > 9900 GROUP BY r_name;
-- a row value IN (SELECT ...): a semi join on both fields
SELECT l_partkey, l_suppkey, sum(l_quantity) AS q FROM lineitem WHERE (l_partkey, l_suppkey) IN (SELECT ps_partkey, ps_suppkey FROM partsupp WHERE ps_availqty < 100) GROUP BY l_partkey, l_suppkey;
