"""Fixtures for every test module."""

import os

import pytest


@pytest.fixture(autouse=True)
def _environment_restored():
    # distributed's LocalCluster writes MALLOC_TRIM_THRESHOLD_,
    # OMP_NUM_THREADS and others into the environment of the process that
    # starts it; the fresh processes of later tests would inherit them (a
    # fixed trim threshold turns glibc's adaptive one off, for instance).
    saved = dict(os.environ)
    yield
    if os.environ != saved:
        os.environ.clear()
        os.environ.update(saved)
