"""API fixtures: a client per role of the `world`, and a few projects on both sides."""

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def as_user():
    """as_user(user) -> an APIClient logged in (session) as `user`; None: anonymous."""

    def make(user):
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _webhooks_to_localhost(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True


@pytest.fixture
def projects(world):
    """An approved project in mahalla A (alice's) and one in mahalla B (charlie's), both of
    world.association; a draft of the other association in mahalla B."""
    from matching import services

    own = world.approved()
    other = world.approved(mahalla=world.mahalla_b)
    foreign = services.project_create(
        actor=world.charlie, mahalla=world.mahalla_b, association=world.other_association,
        scheme=world.scheme, category="road", title="Bekobod road", cost="10000000.00")
    return own, other, foreign


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings):
    """Throttle counters live in the shared Redis: give each test its own key prefix so that
    runs (ours and other engineers') never count each other's requests."""
    import uuid

    settings.CACHES = {"default": {**settings.CACHES["default"],
                                   "KEY_PREFIX": f"hashar-test-{uuid.uuid4().hex}"}}
