"""The ``Examples`` sections of the public docstrings run and print what they show."""

import doctest
import importlib
import pkgutil

import pytest

import l0bnb


def _modules():
    for info in pkgutil.walk_packages(l0bnb.__path__, "l0bnb."):
        if info.name.endswith(("__main__", "_kernels")) or ".plotting" in info.name:
            continue  # __main__ runs the command line when imported
        module = importlib.import_module(info.name)
        if any(t.examples for t in doctest.DocTestFinder().find(module)):
            yield info.name


@pytest.mark.filterwarnings("ignore::l0bnb.SearchLimitWarning")
@pytest.mark.parametrize("name", list(_modules()))
def test_examples_in_docstrings(name):
    module = importlib.import_module(name)
    failures, tried = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0
    assert failures == 0
