"""Cross-validation on a local Dask cluster gives the serial answer (joblib's dask backend)."""

import numpy as np
import pytest

distributed = pytest.importorskip("dask.distributed")
import joblib  # noqa: E402

from l0bnb import BestSubsetRegressorCV  # noqa: E402
from l0bnb.datasets import make_sparse_regression  # noqa: E402


def test_cv_on_local_cluster_matches_serial():
    data = make_sparse_regression(n_samples=80, n_features=15, k=3, random_state=4)
    params = dict(l2=[1e-2, 1e-1], max_nonzeros=4, cv=3)
    serial = BestSubsetRegressorCV(**params).fit(data.X, data.y)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
        distributed.get_task_stream(client) as stream,
        joblib.parallel_config(backend="dask"),
    ):
        remote = BestSubsetRegressorCV(n_jobs=-1, **params).fit(data.X, data.y)
        workers = set(client.scheduler_info()["workers"])
    # The paths ran as tasks on the cluster's worker processes.
    ran_on = {task["worker"] for task in stream.data}
    assert stream.data and ran_on <= workers
    assert serial.l0_ == remote.l0_ and serial.l2_ == remote.l2_
    for l2 in serial.mse_path_:
        np.testing.assert_array_equal(remote.l0_grid_[l2], serial.l0_grid_[l2])
        np.testing.assert_allclose(remote.mse_path_[l2], serial.mse_path_[l2], rtol=1e-10)
    np.testing.assert_allclose(remote.coef_, serial.coef_, rtol=1e-10)
    assert remote.result_.objective == pytest.approx(serial.result_.objective, rel=1e-12)
