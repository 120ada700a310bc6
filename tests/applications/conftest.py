from tests.frontoffice.conftest import api_for, clerk_api  # noqa: F401  (the API clients)
