"""scikit-learn estimators, paths and cross-validation on top of the engine."""
