"""Paper-style synthetic sparse regression (``l0bnb.datasets.make_sparse_regression``)."""

from benchopt import BaseDataset


class Dataset(BaseDataset):
    name = "simulated"
    requirements = []
    parameters = {
        "n_samples": [500],
        "n_features": [200, 1000],
        "k": [10],
        "rho": [0.1],
        "snr": [5.0],
        "correlation": ["constant"],
        "seed": [0],
    }
    test_parameters = {"n_samples": [60], "n_features": [20], "k": [3]}

    def get_data(self):
        from l0bnb.datasets import make_sparse_regression

        data = make_sparse_regression(
            n_samples=self.n_samples,
            n_features=self.n_features,
            k=self.k,
            rho=self.rho,
            snr=self.snr,
            correlation=self.correlation,
            random_state=self.seed,
        )
        return dict(X=data.X, y=data.y, support=data.support)
