import pytest

from connmgr.oauth.client import OAuthClient


@pytest.fixture
async def client():
    async with OAuthClient() as c:
        yield c
