"""The exchange gateway stand-in: our security server and the registries behind it, for the demo and the tests.

A plain WSGI application (no Django) with its own SQLite file, apart from the product's tables. The product reaches
it only over HTTP at ``REGISTRY_GATEWAY_URL``. See docs/registries.md for its fixture API.
"""

from gateway.app import GatewayApp, make_app
from gateway.store import Store

__all__ = ["GatewayApp", "Store", "make_app"]
