"""Mixed-type DataFrames as numeric codes, and back.

Explainers that sample and the counterexample kernels work on numbers; the
wrapped estimator must see the DataFrame as the user gave it (a
``ColumnTransformer`` selecting by dtype, a ``HistGradientBoostingClassifier``
reading ``category`` columns). :class:`FrameEncoder` maps each column to one
float64 feature: numeric columns (nullable ones included) keep their values,
every other column (str, object, ``category``, bool) becomes the code of its
value among the values observed in the training rows, so a categorical column
is one interpretable component whose values are drawn among those observed.
Decoding gives every column its dtype back.
"""

import numpy as np

from .utils._validation import _is_dataframe


def _pandas():
    import pandas as pd

    return pd


def is_categorical_dtype(dtype):
    """Whether a column of ``dtype`` is a categorical feature (not a number)."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return is_bool_dtype(dtype) or not is_numeric_dtype(dtype)


def _check_supported(frame):
    pd = _pandas()
    from pandas.api.types import (
        is_complex_dtype,
        is_datetime64_any_dtype,
        is_timedelta64_dtype,
    )

    for column, dtype in frame.dtypes.items():
        if (
            is_complex_dtype(dtype)
            or is_datetime64_any_dtype(dtype)
            or is_timedelta64_dtype(dtype)
            or isinstance(dtype, (pd.PeriodDtype, pd.IntervalDtype))
        ):
            raise TypeError(
                f"Column {column!r} has dtype {dtype}, which skxil cannot "
                "perturb or re-draw; convert it to numbers (e.g. a timestamp or "
                "a duration in days) or to str before fitting."
            )


class _Missing:
    """The value of a missing cell among a categorical column's values."""

    def __repr__(self):
        return "nan"


MISSING = _Missing()


def _observed_values(column):
    """A categorical column's values: declared categories or those observed."""
    pd = _pandas()
    if isinstance(column.dtype, pd.CategoricalDtype):
        values = list(column.dtype.categories)
    else:
        values = list(pd.unique(column[column.notna()].to_numpy(dtype=object)))
        try:
            values.sort()
        except TypeError:  # values of several types: order of first appearance
            pass
    if column.isna().any():
        values.append(MISSING)
    return values


class FrameEncoder:
    """Codes of a DataFrame's columns, fitted on the training rows.

    Parameters
    ----------
    reference : DataFrame
        The training rows: their columns, dtypes and observed values.

    Attributes
    ----------
    categorical_indices : ndarray of intp
        Positions of the categorical (non-numeric) columns.
    """

    def __init__(self, reference):
        _check_supported(reference)
        self.reference = reference
        self.columns = reference.columns
        self.dtypes = list(reference.dtypes)
        self.categorical_indices = np.flatnonzero(
            [is_categorical_dtype(d) for d in self.dtypes]
        ).astype(np.intp)
        self.values = {}
        self._codes = {}
        for j in self.categorical_indices.tolist():
            values = _observed_values(reference.iloc[:, j])
            self.values[j] = values
            self._codes[j] = {_key(v): c for c, v in enumerate(values)}

    def encode(self, frame, extend=False):
        """``frame`` (with the reference's columns) as a float64 array of codes.

        A value that the training rows never showed gets a new code when
        ``extend`` (rows to explain may hold a new shop), else is an error.
        """
        out = np.empty(frame.shape, dtype=np.float64)
        categorical = set(self.categorical_indices.tolist())
        for j in range(frame.shape[1]):
            column = frame.iloc[:, j]
            if j in categorical:
                out[:, j] = self._encode_column(j, column, extend)
            else:
                out[:, j] = column.to_numpy(dtype=np.float64, na_value=np.nan)
        return out

    def _encode_column(self, j, column, extend):
        pd = _pandas()
        codes, values = self._codes[j], self.values[j]
        raw = column.to_numpy(dtype=object, copy=True)  # never the caller's memory
        raw[column.isna().to_numpy()] = MISSING
        # one hashed lookup per value, in pandas; only values never seen
        # before (rows to explain may hold a new shop) go one by one
        out = np.array(pd.Series(raw, dtype=object).map(codes), dtype=np.float64)
        for i in np.flatnonzero(np.isnan(out)).tolist():
            key = raw[i]
            code = codes.get(key)
            if code is None:
                if not extend:
                    raise ValueError(
                        f"Row {i}, column {self.columns[j]!r}: value {key!r} was "
                        "not observed in the training rows."
                    )
                code = codes[key] = len(values)
                values.append(key)
            out[i] = code
        return out

    def decode(self, codes, exact=False):
        """A DataFrame with the reference's columns and dtypes from codes.

        Numeric columns take their dtype again when ``exact``
        (counterexamples are new training rows). Otherwise (an explainer's
        perturbed samples, which need not be integral) float columns keep
        their float dtype and integer columns, nullable ones included, come
        as float64. Other columns always take their dtype.
        """
        pd = _pandas()
        codes = np.asarray(codes, dtype=np.float64)
        data = {}
        for j, dtype in enumerate(self.dtypes):
            if j in self.values:
                data[j] = self._decode_column(j, codes[:, j], dtype)
            elif exact:
                data[j] = _numeric_column(codes[:, j], dtype)
            elif isinstance(dtype, np.dtype) and dtype.kind == "f":
                data[j] = codes[:, j].astype(dtype, copy=False)
            else:
                data[j] = codes[:, j]
        frame = pd.DataFrame(data, copy=False)
        frame.columns = self.columns
        return frame

    def _decode_column(self, j, codes, dtype):
        pd = _pandas()
        values = self.values[j]
        idx = codes.astype(np.intp)
        if isinstance(dtype, pd.CategoricalDtype):
            n = len(dtype.categories)
            return pd.Categorical.from_codes(np.where(idx < n, idx, -1), dtype=dtype)
        table = np.empty(len(values), dtype=object)
        table[:] = [None if v is MISSING else v for v in values]
        column = table[idx]
        if dtype == object:  # pandas 3 would infer str from an object array
            return pd.Series(column, dtype=object, copy=False)
        return pd.array(column, dtype=dtype)



def frame_labels(frame, i, names=None):
    """How each column of row ``i`` reads in an explanation.

    A categorical column reads ``column=value`` (lime's naming), so a person
    sees the value the row has; a numeric column reads as its name.
    """
    names = [str(c) for c in frame.columns] if names is None else list(names)
    for j, dtype in enumerate(frame.dtypes):
        if is_categorical_dtype(dtype):
            v = frame.iat[i, j]
            names[j] = f"{names[j]}={'nan' if _is_missing(v) else v}"
    return names


def _is_missing(v):
    pd = _pandas()
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _key(v):
    """A dict key for a cell value (NaN-like values are all one key)."""
    return MISSING if v is MISSING or _is_missing(v) else v


def _numeric_column(values, dtype):
    """Float64 values in a numeric ``dtype``, NaN as the missing value."""
    pd = _pandas()
    if isinstance(dtype, np.dtype):
        return values.astype(dtype)
    # pandas extension dtypes (Int64, Float64, ...): NaN is missing
    return pd.array(np.where(np.isnan(values), None, values).tolist(), dtype=dtype)


def frame_like(X, reference):
    """Rows ``X`` (a DataFrame or an array) with the columns and dtypes of ``reference``.

    Columns are taken by position (validation has checked their names). A
    value outside a ``category`` column's categories is an error naming the
    row and the column; an integer column is cast back only where that loses
    nothing.
    """
    pd = _pandas()
    if _is_dataframe(X):
        frame = X.set_axis(reference.columns, axis=1).reset_index(drop=True)
    else:
        values = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
        frame = pd.DataFrame(values, columns=reference.columns)
    casts = {}
    for j, (column, dtype) in enumerate(reference.dtypes.items()):
        current = frame.iloc[:, j]
        if current.dtype == dtype:
            continue
        if isinstance(dtype, pd.CategoricalDtype):
            known = set(dtype.categories.tolist())
            values = current.to_numpy(dtype=object, na_value=None).tolist()
            unknown = [i for i, v in enumerate(values) if v is not None and v not in known]
            if unknown:
                i = unknown[0]
                raise ValueError(
                    f"Row {i}, column {column!r}: value {values[i]!r} is not "
                    f"one of the column's categories {list(dtype.categories)[:10]}."
                )
            casts[column] = dtype
            continue
        try:
            cast = current.astype(dtype)
        except (TypeError, ValueError):
            continue
        if _same_values(cast, current):
            casts[column] = dtype
    return frame.astype(casts) if casts else frame


def _same_values(a, b):
    """Whether two columns hold the same values, missing ones included."""
    a = a.to_numpy(dtype=object, na_value=None)
    b = b.to_numpy(dtype=object, na_value=None)
    return all(
        (x is None and y is None) or (x is not None and y is not None and x == y)
        for x, y in zip(a.tolist(), b.tolist())
    )


def frame_state(frame):
    """A DataFrame as plain lists and arrays (what skops can store).

    skops refuses pandas objects; a learner keeps its training rows as the
    user gave them, so it stores them this way and rebuilds them on load.
    """
    pd = _pandas()
    columns = []
    for j, dtype in enumerate(frame.dtypes):
        column = frame.iloc[:, j]
        if isinstance(dtype, np.dtype) and dtype != object:
            columns.append({"dtype": dtype.str, "values": column.to_numpy()})
            continue
        values = column.to_numpy(dtype=object, na_value=None)
        entry = {"dtype": str(dtype), "values": values}
        if isinstance(dtype, pd.CategoricalDtype):
            entry["categories"] = np.asarray(dtype.categories.to_numpy(), dtype=object)
            entry["ordered"] = bool(dtype.ordered)
        columns.append(entry)
    return {"names": list(frame.columns), "columns": columns}


def frame_from_state(state):
    """The DataFrame :func:`frame_state` stored."""
    pd = _pandas()
    data = {}
    for j, entry in enumerate(state["columns"]):
        values = entry["values"]
        if "categories" in entry:
            dtype = pd.CategoricalDtype(list(entry["categories"]), entry["ordered"])
            data[j] = pd.Categorical(values, dtype=dtype)
        elif entry["dtype"] == "object":
            data[j] = pd.Series(values, dtype=object, copy=False)
        elif values.dtype != object:
            data[j] = values.astype(np.dtype(entry["dtype"]))
        else:
            data[j] = pd.array(list(values), dtype=entry["dtype"])
    frame = pd.DataFrame(data)
    frame.columns = state["names"]
    return frame
