-- identifiers: matched without regard to case, spelled in results as the catalog or the alias spells them
CREATE TABLE Sales AS SELECT * FROM (VALUES (1, 'n', 10.5), (2, 's', 20.0), (3, 'n', NULL)) AS t("Id", "Region", "Amount");
SELECT * FROM sales ORDER BY id;
SELECT amount, AMOUNT AS Total, "Amount" + 1, region FROM SALES ORDER BY "ID";
SELECT Region, sum(Amount) AS "Sum Of Amount", count(*) FROM Sales GROUP BY region ORDER BY REGION;
SELECT s.amount FROM Sales AS S WHERE S.Region = 'n' ORDER BY S.id;
SELECT region AS R FROM sales UNION ALL SELECT 'x' ORDER BY r;
WITH Big AS (SELECT Id AS Key, Amount FROM Sales WHERE amount > 15) SELECT big.key, BIG.amount FROM big;
SELECT x.* FROM (SELECT Id, Amount * 2 AS Doubled FROM sales) AS X ORDER BY x.id;
CREATE VIEW Regions AS SELECT DISTINCT Region AS "RegionName" FROM Sales;
SELECT * FROM regions ORDER BY regionname;
CREATE TABLE odd AS SELECT * FROM (VALUES (1, 2, 3)) AS t("a;b", "with space", "quote""d");
SELECT "a;b", "with space", "quote""d" FROM odd;
SELECT * FROM odd;
