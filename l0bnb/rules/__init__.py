"""Rule extraction from tree ensembles: a certified sparse choice among the trees' rules."""

from ._estimator import RuleExtractor, RulePath

__all__ = ["RuleExtractor", "RulePath"]
