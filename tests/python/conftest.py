"""Shared fixtures of the Python binding tests: the peers' images (DAX_PEER_DATA, written by
tests/image/peer_images.sh) and a schema file."""
import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def peer_images():
    d = os.environ.get("DAX_PEER_DATA")
    if not d:
        pytest.fail("DAX_PEER_DATA is not set: run through tests/image/peer_images.sh")
    return sorted(pathlib.Path(d, "images").glob("img-*.fits*"))


@pytest.fixture(scope="session")
def demo_schema():
    return str(REPO / "examples" / "schema" / "demo.yaml")
