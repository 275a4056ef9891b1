"""Scoring a partitioned table with Dask: ``map_partitions`` over a fitted estimator.

Oracle: the estimator's own ``predict_proba`` on the whole table, in this process.
The table is written as Parquet in several files, read back with
``dask.dataframe`` and scored on a ``dask.distributed`` ``LocalCluster`` of two
worker processes, so the estimator travels to each worker by pickle.  The
estimator is handed over as one ``dask.delayed`` object, which each worker
unpickles once; the model it rebuilds for prediction is compiled once per worker
(the module-level cache of ``pymc_bnn.estimators.base``), not once per partition.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris

from pymc_bnn.estimators import BayesianSoftmaxClassifier

dask = pytest.importorskip("dask", reason="scoring with Dask needs pymc_bnn[dask]")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


def _compiled_in_this_process() -> list[int]:
    """Per model rebuilt for prediction in this process: how many functions it compiled."""
    from pymc_bnn.estimators import base

    return [len(p._compiled) for p in base._PREDICTORS.values()]


@pytest.mark.slow
def test_dask_scores_a_partitioned_parquet_table_as_predict_proba(tmp_path):
    data = load_iris(as_frame=True)
    X = (data.data - data.data.mean()) / data.data.std()
    X.columns = [c.replace(" (cm)", "").replace(" ", "_") for c in X.columns]
    estimator = BayesianSoftmaxClassifier(
        iterations=500, draws=200, random_state=0, progressbar=False, compile_mode="FAST_COMPILE"
    ).fit(X, data.target_names[data.target])
    rows = pd.concat([X] * 20, ignore_index=True)  # 3,000 rows
    rows.index.name = "row"
    dd.from_pandas(rows, npartitions=6).to_parquet(tmp_path / "table")
    columns = [f"p_{c}" for c in estimator.classes_]

    def score(part: pd.DataFrame, model) -> pd.DataFrame:
        return pd.DataFrame(model.predict_proba(part), index=part.index, columns=columns)

    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as client:
        table = dd.read_parquet(tmp_path / "table")
        assert table.npartitions == 6
        meta = pd.DataFrame({c: pd.Series(dtype=np.float64) for c in columns})
        probs = table.map_partitions(score, dask.delayed(estimator), meta=meta).compute()
        compiled = client.run(_compiled_in_this_process)
    np.testing.assert_array_equal(probs.sort_index().to_numpy(), estimator.predict_proba(rows))
    # Both workers scored partitions; each rebuilt and compiled the model once.
    assert len(compiled) == 2
    assert sorted(compiled.values()) == [[1], [1]], compiled
