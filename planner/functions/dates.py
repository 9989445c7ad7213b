"""Date and timestamp kernels with DuckDB's semantics (``date_part`` / EXTRACT of every part,
``date_trunc`` of every unit, ``date_diff``'s boundary counting and ``date_sub``'s whole units,
``last_day``, names of days and months, ``epoch``). Registered as ``sql_*`` kernels.

DuckDB types every part BIGINT except ``epoch`` and ``julian`` (DOUBLE); ``date_trunc`` gives a
TIMESTAMP for dates and timestamps alike; a DATE reads as its midnight.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from frames.dataframe.expr.kernels import register
from frames.errors import DataTypeError
from planner.errors import UnsupportedFeatureError

_US = pa.timestamp("us")
_UNIT_ALIASES = {
    "y": "year", "yr": "year", "yrs": "year", "years": "year", "mon": "month", "mons": "month", "months": "month",
    "d": "day", "days": "day", "dayofmonth": "day", "h": "hour", "hr": "hour", "hrs": "hour", "hours": "hour",
    "m": "minute", "min": "minute", "mins": "minute", "minutes": "minute", "s": "second", "sec": "second",
    "secs": "second", "seconds": "second", "ms": "milliseconds", "msec": "milliseconds", "millisecond": "milliseconds",
    "msecs": "milliseconds", "us": "microseconds", "usec": "microseconds", "microsecond": "microseconds",
    "usecs": "microseconds", "w": "week", "weeks": "week", "weekofyear": "week", "quarters": "quarter",
    "decades": "decade", "centuries": "century", "millenniums": "millennium", "millennia": "millennium",
    "weekday": "dow", "dayofweek": "dow", "dayofyear": "doy", "isoyear": "isoyear",
}


def unit_name(unit: str) -> str:
    """DuckDB's canonical name of a date part ('mins' -> 'minute')."""
    u = unit.lower().strip()
    return _UNIT_ALIASES.get(u, u)


def _ts(a):
    """A date or timestamp as a timestamp[us] (a DATE is its midnight)."""
    if pa.types.is_timestamp(a.type) and a.type.unit == "us" and a.type.tz is None:
        return a
    return pc.cast(a, _US)


def _i64(a):
    return pc.cast(a, pa.int64())


def _year(a):
    return _i64(pc.year(a))


def _part(a, part: str):
    if part == "year":
        return _year(a)
    if part in ("month", "day", "quarter", "hour", "minute", "second"):
        if part in ("hour", "minute", "second") and pa.types.is_date(a.type):
            a = _ts(a)
        return _i64(getattr(pc, part)(a))
    if part == "dow":
        return _i64(pc.day_of_week(a, count_from_zero=True, week_start=7))
    if part == "isodow":
        return _i64(pc.day_of_week(a, count_from_zero=False, week_start=1))
    if part == "doy":
        return _i64(pc.day_of_year(a))
    if part == "week":
        return _i64(pc.iso_week(a))
    if part == "isoyear":
        return _i64(pc.iso_year(a))
    if part == "yearweek":
        return pc.add(pc.multiply(_i64(pc.iso_year(a)), 100), _i64(pc.iso_week(a)))
    if part == "decade":
        return pc.floor(pc.divide(pc.cast(_year(a), pa.float64()), 10.0)).cast(pa.int64())
    if part in ("century", "millennium"):
        size = 100 if part == "century" else 1000
        y = _year(a)  # DuckDB: years 1..100 are century 1; year 0 and below count down from -1
        pos = pc.add(pc.divide(pc.subtract(y, 1), size), 1)
        neg = pc.subtract(pc.divide(y, size), 1)
        return pc.if_else(pc.greater(y, 0), pos, neg)
    if part in ("microseconds", "milliseconds"):
        t = _ts(a)
        us = pc.add(pc.multiply(_i64(pc.second(t)), 1_000_000), pc.add(pc.multiply(_i64(pc.millisecond(t)), 1000), _i64(pc.microsecond(t))))
        return us if part == "microseconds" else pc.divide(us, 1000)
    if part == "epoch":
        return pc.divide(pc.cast(pc.cast(_ts(a), pa.int64()), pa.float64()), 1e6)
    if part == "era":
        return pc.if_else(pc.greater(_year(a), 0), 1, 0).cast(pa.int64())
    if part == "julian":
        days = pc.divide(pc.cast(pc.cast(_ts(a), pa.int64()), pa.float64()), 86_400e6)
        return pc.add(days, 2440588.0)
    raise UnsupportedFeatureError(f"date part {part!r}")


def date_part(a, part: str):
    """``date_part(part, a)`` / ``EXTRACT(part FROM a)`` as DuckDB computes it."""
    return _part(a, unit_name(part))


def date_trunc(a, unit: str):
    """``date_trunc(unit, a)``: a TIMESTAMP (DuckDB's type for dates too); weeks start on Monday."""
    unit = unit_name(unit)
    t = _ts(a)
    if unit in ("decade", "century", "millennium"):
        size = {"decade": 10, "century": 100, "millennium": 1000}[unit]
        y = _year(t)
        start = pc.multiply(pc.floor(pc.divide(pc.cast(y if unit == "decade" else pc.subtract(y, 0), pa.float64()), float(size))).cast(pa.int64()), size)
        text = pc.binary_join_element_wise(pc.utf8_lpad(pc.cast(start, pa.string()), 4, "0"), pa.scalar("-01-01"), "")
        return pc.cast(pc.cast(text, pa.date32()), _US)
    arrow_unit = {"milliseconds": "millisecond", "microseconds": "microsecond"}.get(unit, unit)
    if arrow_unit not in ("year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond", "microsecond"):
        raise UnsupportedFeatureError(f"date_trunc unit {unit!r}")
    return pc.floor_temporal(t, unit=arrow_unit, week_starts_monday=True)


_MICROS = {"week": 7 * 86_400_000_000, "day": 86_400_000_000, "hour": 3_600_000_000, "minute": 60_000_000,
           "second": 1_000_000, "milliseconds": 1000, "microseconds": 1}
_MONTHS = {"month": 1, "quarter": 3, "year": 12, "decade": 120, "century": 1200, "millennium": 12000}


def _micros(a):
    return pc.cast(_ts(a), pa.int64())


def _floor_div(a, n: int):
    """Integer floor division of int64 values (Arrow's truncates toward zero)."""
    if n == 1:
        return a
    q = pc.divide(a, n)
    return pc.if_else(pc.and_(pc.less(a, 0), pc.not_equal(pc.multiply(q, n), a)), pc.subtract(q, 1), q)


def date_diff(a, b, unit: str = "day"):
    """``date_diff(unit, a, b)``: boundaries of ``unit`` crossed from a to b (DuckDB); weeks are
    whole 7-day spans of the elapsed days, truncated toward zero."""
    unit = unit_name(unit)
    if unit == "week":
        days = pc.subtract(_floor_div(_micros(b), _MICROS["day"]), _floor_div(_micros(a), _MICROS["day"]))
        return pc.divide(days, 7)
    if unit in _MICROS:
        n = _MICROS[unit]
        return pc.subtract(_floor_div(_micros(b), n), _floor_div(_micros(a), n))
    if unit in ("month", "quarter"):
        n = _MONTHS[unit]
        ma = pc.add(pc.multiply(_year(a), 12), pc.subtract(_i64(pc.month(a)), 1))
        mb = pc.add(pc.multiply(_year(b), 12), pc.subtract(_i64(pc.month(b)), 1))
        return pc.subtract(_floor_div(mb, n), _floor_div(ma, n))
    if unit in ("year", "decade", "century", "millennium"):
        n = _MONTHS[unit] // 12
        if unit in ("century", "millennium"):
            return pc.subtract(_part(b, unit), _part(a, unit))
        return pc.subtract(_floor_div(_year(b), n), _floor_div(_year(a), n))
    raise UnsupportedFeatureError(f"date_diff unit {unit!r}")


def date_sub(a, b, unit: str = "day"):
    """``date_sub(unit, a, b)``: whole units elapsed from a to b (DuckDB: a month is complete when
    b reaches a's day and time, or b is the last day of its month)."""
    unit = unit_name(unit)
    if unit in _MICROS:
        return pc.divide(pc.subtract(_micros(b), _micros(a)), _MICROS[unit])  # truncates toward zero
    if unit not in _MONTHS:
        raise UnsupportedFeatureError(f"date_sub unit {unit!r}")
    scalar = isinstance(a, pa.Scalar) and isinstance(b, pa.Scalar)
    ta, tb = _ts(a), _ts(b)
    if isinstance(ta, pa.Scalar) or isinstance(tb, pa.Scalar):
        n = len(tb) if isinstance(ta, pa.Scalar) and not isinstance(tb, pa.Scalar) else (1 if scalar else len(ta))
        ta = pa.array([ta.as_py()] * n, _US) if isinstance(ta, pa.Scalar) else ta
        tb = pa.array([tb.as_py()] * n, _US) if isinstance(tb, pa.Scalar) else tb
    swap = pc.fill_null(pc.greater(ta, tb), False)
    lo, hi = pc.if_else(swap, tb, ta), pc.if_else(swap, ta, tb)
    months = pc.subtract(pc.add(pc.multiply(_year(hi), 12), _i64(pc.month(hi))), pc.add(pc.multiply(_year(lo), 12), _i64(pc.month(lo))))
    day_lo, day_hi = _i64(pc.day(lo)), _i64(pc.day(hi))
    time_lo = pc.subtract(_micros(lo), pc.multiply(_floor_div(_micros(lo), _MICROS["day"]), _MICROS["day"]))
    time_hi = pc.subtract(_micros(hi), pc.multiply(_floor_div(_micros(hi), _MICROS["day"]), _MICROS["day"]))
    end_days = _i64(pc.day(last_day(hi)))
    at_end = pc.equal(day_hi, end_days)
    day_lo = pc.if_else(pc.and_(at_end, pc.greater(day_lo, end_days)), end_days, day_lo)
    short = pc.or_(pc.less(day_hi, day_lo), pc.and_(pc.equal(day_hi, day_lo), pc.less(time_hi, time_lo)))
    months = pc.subtract(months, pc.cast(short, pa.int64()))
    out = pc.divide(months, _MONTHS[unit])
    out = pc.if_else(swap, pc.negate(out), out)
    return out[0] if scalar else out


def last_day(a):
    """The last day of a's month, a DATE (the first of the next month, less a day)."""
    first = pc.floor_temporal(pc.cast(_ts(a), pa.date32()), unit="month")
    later = pc.cast(pc.add(pc.cast(first, pa.int32()), pa.scalar(31, pa.int32())), pa.date32())  # in the next month
    return pc.cast(pc.subtract(pc.cast(pc.floor_temporal(later, unit="month"), pa.int32()), pa.scalar(1, pa.int32())), pa.date32())


_DAYS = pa.array(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
_MONTH_NAMES = pa.array(["January", "February", "March", "April", "May", "June", "July", "August", "September",
                         "October", "November", "December"])


def _names(names, index):
    if isinstance(index, pa.Scalar):
        return pa.scalar(None, pa.string()) if not index.is_valid else names[index.as_py()]
    return pc.take(names, index)


register("sql_date_part", date_part)
register("sql_date_trunc", date_trunc)
register("sql_date_diff", date_diff)
register("sql_date_sub", date_sub)
register("sql_last_day", last_day)
register("sql_dayname", lambda a: _names(_DAYS, pc.day_of_week(a)))
register("sql_monthname", lambda a: _names(_MONTH_NAMES, pc.subtract(pc.month(a), 1)))
register("sql_epoch", lambda a: date_part(a, "epoch"))
register("sql_epoch_ms", lambda a: _floor_div(_micros(a), 1000))  # of a timestamp; epoch_ms(n) is sql_from_epoch
register("sql_make_date", lambda y, m, d: _make_date(y, m, d))


def _strptime(a, format: str):
    """strptime: text to TIMESTAMP; text that does not match raises, naming it (DuckDB does)."""
    try:
        return pc.strptime(a, format=format, unit="us", error_is_null=False)
    except pa.ArrowInvalid:
        bad = pc.strptime(a, format=format, unit="us", error_is_null=True)
        first = a.as_py() if isinstance(a, pa.Scalar) else pc.filter(a, pc.and_(pc.is_null(bad), pc.is_valid(a)))[0].as_py()
        raise DataTypeError(f"strptime: {first!r} does not match the format {format!r}") from None


def _from_epoch(a, scale: int = 0):
    """to_timestamp(seconds) (a TIMESTAMP WITH TIME ZONE, UTC, as DuckDB) / epoch_ms(ms)."""
    if pa.types.is_temporal(a.type):  # epoch_ms(timestamp): its milliseconds since 1970
        return _floor_div(_micros(a), 1000)
    per_unit = {0: 1_000_000, 3: 1000, 6: 1}[scale]
    micros = pc.cast(pc.round(pc.multiply(pc.cast(a, pa.float64()), float(per_unit))), pa.int64()) if not pa.types.is_integer(a.type) else pc.multiply(pc.cast(a, pa.int64()), per_unit)
    return pc.cast(micros, pa.timestamp("us", tz="UTC") if scale == 0 else _US)


def _strftime(a, format: str):
    """strftime with DuckDB's codes: %S is whole seconds (Arrow's has the fraction), %f the
    microseconds, %g the milliseconds."""
    t = _ts(a)
    if "%f" in format or "%g" in format:
        us = pc.utf8_lpad(pc.cast(pc.add(pc.multiply(_i64(pc.millisecond(t)), 1000), _i64(pc.microsecond(t))), pa.string()), 6, "0")
        parts = format.replace("%g", "\x00g").replace("%f", "\x00f")
        pieces = []
        for i, chunk in enumerate(parts.split("\x00")):
            code, rest = (chunk[:1], chunk[1:]) if i else ("", chunk)
            if code == "f":
                pieces.append(us)
            elif code == "g":
                pieces.append(pc.utf8_slice_codeunits(us, 0, 3))
            if rest:
                pieces.append(_strftime(a, rest))
        return pc.binary_join_element_wise(*pieces, "")
    whole = pc.cast(pc.floor_temporal(t, unit="second"), pa.timestamp("s"))
    return pc.strftime(whole, format=format)


def _make_timestamp(y, mo, d, h, mi, s):
    """make_timestamp(year, month, day, hour, minute, seconds): seconds may have a fraction."""
    day = pc.cast(_make_date(y, mo, d), _US)
    micros = pc.add(pc.multiply(pc.cast(h, pa.int64()), 3_600_000_000), pc.multiply(pc.cast(mi, pa.int64()), 60_000_000))
    micros = pc.add(micros, pc.cast(pc.round(pc.multiply(pc.cast(s, pa.float64()), 1e6)), pa.int64()))
    return pc.add(day, pc.cast(micros, pa.duration("us")))


def _make_date(y, m, d):
    text = pc.binary_join_element_wise(pc.utf8_lpad(pc.cast(y, pa.string()), 4, "0"), pc.utf8_lpad(pc.cast(m, pa.string()), 2, "0"),
                                       pc.utf8_lpad(pc.cast(d, pa.string()), 2, "0"), "-")
    try:
        return pc.cast(text, pa.date32())
    except pa.ArrowInvalid:
        raise DataTypeError("make_date / make_timestamp: a day that does not exist in its month") from None


register("sql_make_timestamp", _make_timestamp)
register("sql_strptime", _strptime)
register("sql_strftime", _strftime)
register("sql_from_epoch", _from_epoch)
