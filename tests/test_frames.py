"""Mixed-type DataFrames as codes and back (skxil._frames)."""

import numpy as np
import pytest

from skxil._frames import (
    FrameEncoder,
    frame_from_state,
    frame_labels,
    frame_like,
    frame_state,
)

pd = pytest.importorskip("pandas")


@pytest.fixture
def frame():
    return pd.DataFrame(
        {
            "x": [1.5, 2.5, np.nan, 4.0],
            "n": pd.array([1, None, 3, 4], dtype="Int64"),
            "i": np.array([2**62 + 1, 2**62 + 3, 5, 7], dtype=np.int64),
            "color": pd.array(["red", "blue", None, "red"], dtype="str"),
            "obj": np.array(["a", 1, "a", 1], dtype=object),
            "shop": pd.Categorical(["b", "a", None, "b"], categories=["a", "b", "z"]),
            "flag": [True, False, True, True],
            "nb": pd.array([True, None, False, True], dtype="boolean"),
        }
    )


def test_codes_round_trip_keeps_every_dtype(frame):
    encoder = FrameEncoder(frame)
    assert encoder.categorical_indices.tolist() == [3, 4, 5, 6, 7]
    codes = encoder.encode(frame)
    assert codes.dtype == np.float64 and not np.isnan(codes[:, 3:]).any()
    back = encoder.decode(codes, exact=True)
    assert (back.dtypes == frame.dtypes).all()
    pd.testing.assert_frame_equal(back.drop(columns="i"), frame.drop(columns="i"))
    # codes are float64: huge integers are exact only where float64 is
    assert back["i"].iloc[2:].tolist() == [5, 7]
    loose = encoder.decode(codes)
    assert loose["n"].dtype == np.float64 and loose["shop"].dtype == frame["shop"].dtype


def test_unseen_values_get_new_codes_only_when_asked(frame):
    encoder = FrameEncoder(frame)
    row = frame.iloc[:1].copy()
    row["color"] = "purple"
    with pytest.raises(ValueError, match="Row 0, column 'color': value 'purple'"):
        encoder.encode(row)
    codes = encoder.encode(row, extend=True)
    assert encoder.decode(codes)["color"].iloc[0] == "purple"


def test_unsupported_dtypes_are_named():
    times = pd.DataFrame({"t": pd.to_datetime(["2026-01-01"]), "v": [1.0]})
    with pytest.raises(TypeError, match="Column 't' has dtype datetime64"):
        FrameEncoder(times)


def test_frame_like_casts_and_refuses_unknown_categories(frame):
    rows = frame_like(frame.to_numpy(dtype=object)[:2], frame)
    assert (rows.dtypes == frame.dtypes).all()
    other = frame.iloc[:1].copy()
    other["shop"] = pd.Categorical(["q"])
    with pytest.raises(ValueError, match="Row 0, column 'shop': value 'q'"):
        frame_like(other, frame)


def test_labels_show_the_rows_value(frame):
    assert frame_labels(frame, 0) == [
        "x", "n", "i", "color=red", "obj=a", "shop=b", "flag=True", "nb=True",
    ]
    assert frame_labels(frame, 2)[3] == "color=nan"


def test_state_round_trip(frame):
    state = frame_state(frame)
    assert not any(isinstance(v, pd.Series) for c in state["columns"] for v in c.values())
    pd.testing.assert_frame_equal(frame_from_state(state), frame)
