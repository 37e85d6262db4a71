import pytest

from tests.data import SEED


@pytest.fixture(scope="session")
def seed_result():
    """The seed article built once for the whole session."""
    import kg

    return kg.build([SEED])


@pytest.fixture(scope="session")
def seed_doc(seed_result):
    return seed_result.documents[0]
