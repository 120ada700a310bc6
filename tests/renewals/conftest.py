from tests.eligibility.conftest import rules  # noqa: F401  (registries catalogue, parameters, demo decision modes)
from tests.registries.conftest import gateway, registries  # noqa: F401  (the stand-in over real HTTP)
