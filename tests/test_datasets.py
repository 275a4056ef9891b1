"""load_covertype: a local CSV, or scikit-learn's downloader with a clear error offline."""

import urllib.error

import pandas as pd
import pytest
import sklearn.datasets

from pymc_bnn.datasets import COVERTYPE_TARGET, load_covertype


def test_reads_a_local_csv(covtype_csv):
    frame = load_covertype(covtype_csv)
    assert frame.shape[1] == 55 and COVERTYPE_TARGET in frame.columns
    assert sorted(frame[COVERTYPE_TARGET].unique()) == list(range(1, 8))


def test_a_csv_without_the_target_is_refused(tmp_path):
    pd.DataFrame({"Elevation": [1, 2]}).to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(ValueError, match="no 'Cover_Type' column"):
        load_covertype(tmp_path / "c.csv")


def test_offline_without_a_path_says_what_to_do(monkeypatch):
    def offline(**kwargs):
        raise urllib.error.URLError("Temporary failure in name resolution")

    monkeypatch.setattr(sklearn.datasets, "fetch_covtype", offline)
    with pytest.raises(OSError, match=r"Could not fetch .*URLError.*pass the path of a local CSV"):
        load_covertype()
