-- check types: every query
-- Date and timestamp functions as DuckDB computes them: every EXTRACT / date_part part, date_trunc
-- of every unit, date_diff's boundary counting, date_sub's whole units, names, epoch, last_day.
CREATE TABLE dt AS SELECT * FROM (VALUES (1, DATE '2021-01-03', TIMESTAMP '2021-01-03 10:11:12.345678', DATE '2024-02-29'), (2, DATE '2000-01-01', TIMESTAMP '1999-12-31 23:59:59', DATE '2000-03-01'), (3, NULL, NULL, DATE '1970-01-01'), (4, DATE '2024-12-30', TIMESTAMP '2024-02-29 00:00:00.5', NULL), (5, DATE '1901-06-15', TIMESTAMP '2100-07-04 12:00:00', DATE '2001-01-01')) AS t(id, d, ts, e);
SELECT id, extract(year FROM d) AS y, extract(month FROM d) AS m, extract(day FROM d) AS dd, extract(quarter FROM d) AS q, extract(dow FROM d) AS dw, extract(isodow FROM d) AS idw, extract(doy FROM d) AS dy FROM dt ORDER BY id;
SELECT id, extract(week FROM d) AS w, extract(isoyear FROM d) AS iy, extract(yearweek FROM d) AS yw, extract(decade FROM d) AS dec, extract(century FROM d) AS c, extract(millennium FROM d) AS mi, extract(epoch FROM d) AS ep FROM dt ORDER BY id;
SELECT id, extract(hour FROM ts) AS h, extract(minute FROM ts) AS mi, extract(second FROM ts) AS s, extract(milliseconds FROM ts) AS ms, extract(microseconds FROM ts) AS us, extract(epoch FROM ts) AS ep, extract(era FROM ts) AS er FROM dt ORDER BY id;
SELECT id, extract(hour FROM d) AS h, extract(second FROM d) AS s, extract(week FROM ts) AS w, extract(dow FROM ts) AS dw, extract(julian FROM d) AS j FROM dt ORDER BY id;
SELECT id, date_part('year', d) AS y, datepart('month', ts) AS m, date_part('dayofweek', d) AS dw, date_part('weekday', e) AS wd, date_part('dayofyear', e) AS dy, date_part('mins', ts) AS mi FROM dt ORDER BY id;
SELECT id, year(d) AS y, month(d) AS m, day(d) AS dd, quarter(d) AS q, dayofweek(d) AS dw, isodow(d) AS idw, week(d) AS w, weekofyear(d) AS wy, dayofyear(d) AS dy, hour(ts) AS h, minute(ts) AS mi, second(ts) AS s FROM dt ORDER BY id;
SELECT id, isoyear(d) AS iy, yearweek(d) AS yw, decade(d) AS dc, century(e) AS c, millennium(e) AS mi, era(d) AS er, microsecond(ts) AS us, millisecond(ts) AS ms FROM dt ORDER BY id;
SELECT id, date_trunc('year', d) AS y, date_trunc('quarter', d) AS q, date_trunc('month', d) AS m, date_trunc('week', d) AS w, date_trunc('day', d) AS dd, date_trunc('decade', d) AS dc, date_trunc('century', d) AS c FROM dt ORDER BY id;
SELECT date_trunc('millennium', DATE '2024-05-01') AS a, date_trunc('millennium', TIMESTAMP '2000-05-01 10:00:00') AS b;
SELECT id, date_trunc('year', ts) AS y, date_trunc('week', ts) AS w, date_trunc('hour', ts) AS h, date_trunc('minute', ts) AS mi, date_trunc('second', ts) AS s, date_trunc('decade', ts) AS dc, date_trunc('century', ts) AS c FROM dt ORDER BY id;
SELECT id, date_diff('day', d, e) AS dd, date_diff('week', d, e) AS w, date_diff('month', d, e) AS m, date_diff('quarter', d, e) AS q, date_diff('year', d, e) AS y, date_diff('decade', d, e) AS dc, date_diff('century', d, e) AS c, date_diff('millennium', d, e) AS mi FROM dt ORDER BY id;
SELECT id, datediff('hour', ts, d) AS h, date_diff('minute', ts, d) AS mi, date_diff('second', ts, e) AS s, date_diff('day', e, ts) AS dd, date_diff('month', ts, e) AS m, date_diff('year', e, d) AS y FROM dt ORDER BY id;
SELECT id, date_sub('day', d, e) AS dd, date_sub('week', d, e) AS w, date_sub('month', d, e) AS m, date_sub('quarter', d, e) AS q, date_sub('year', d, e) AS y, date_sub('decade', d, e) AS dc FROM dt ORDER BY id;
SELECT id, date_sub('hour', ts, e) AS h, date_sub('minute', ts, d) AS mi, date_sub('second', e, ts) AS s, date_sub('month', ts, e) AS m, date_sub('year', e, ts) AS y FROM dt ORDER BY id;
SELECT date_sub('month', DATE '2020-01-31', DATE '2020-02-29') AS a, date_sub('month', DATE '2020-02-29', DATE '2020-01-31') AS b, date_sub('year', DATE '2020-02-29', DATE '2021-02-28') AS c, date_sub('month', TIMESTAMP '2020-01-31 10:00:00', TIMESTAMP '2020-02-29 09:00:00') AS e;
SELECT id, last_day(d) AS l, last_day(ts) AS lt, dayname(d) AS dn, monthname(d) AS mn, epoch(ts) AS ep FROM dt ORDER BY id;
SELECT id, strftime(d, '%Y/%m/%d') AS a, strftime(ts, '%Y-%m-%d %H:%M:%S') AS b, strftime(ts, '%d.%m.%y %j') AS c FROM dt ORDER BY id;
SELECT strptime('2024-03-05 10:11:12', '%Y-%m-%d %H:%M:%S') AS a, strptime('05/03/2024', '%d/%m/%Y') AS b;
SELECT make_date(2024, 2, 29) AS a, make_date(1999, 12, 31) AS b;
SELECT id, epoch_ms(ts) AS a FROM dt ORDER BY id;
SELECT epoch_ms(1500) AS a, epoch_ms(-1) AS b;
SELECT id, strftime(ts, '%H:%M:%S.%f') AS a, strftime(ts, '%S.%g') AS b FROM dt ORDER BY id;
SELECT make_timestamp(2024, 2, 29, 10, 11, 12.5) AS a, make_timestamp(1999, 12, 31, 23, 59, 59) AS b;
SELECT id, date_add(d, INTERVAL 1 MONTH) AS a, date_add(ts, INTERVAL 3 HOUR) AS b FROM dt ORDER BY id;
