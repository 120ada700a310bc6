import pytest

from tests.notifications.standin import Served, TurboSmsStandIn


@pytest.fixture
def turbosms(settings):
    """The SMS provider switched to TurboSMS, pointed at the stand-in on 127.0.0.1."""
    app = TurboSmsStandIn(token="test-token")
    served = Served(app)
    settings.NOTIFY_SMS_BACKEND = "turbosms"
    settings.TURBOSMS_URL = served.url
    settings.TURBOSMS_TOKEN = "test-token"
    settings.TURBOSMS_TIMEOUT = 2.0
    yield app
    served.stop()
