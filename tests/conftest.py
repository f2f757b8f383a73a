pytest_plugins = ["tests.simulators.fixtures", "tests.support.oidc_fixtures"]
