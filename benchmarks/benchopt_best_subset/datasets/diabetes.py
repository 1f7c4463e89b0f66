"""scikit-learn's diabetes data with all degree-2 terms (442 x 65, no download)."""

from benchopt import BaseDataset


class Dataset(BaseDataset):
    name = "diabetes-quadratic"
    requirements = []
    parameters = {"degree": [2]}

    def get_data(self):
        from sklearn.datasets import load_diabetes
        from sklearn.preprocessing import PolynomialFeatures

        X, y = load_diabetes(return_X_y=True)
        X = PolynomialFeatures(degree=self.degree, include_bias=False).fit_transform(X)
        return dict(X=X, y=y, support=None)
