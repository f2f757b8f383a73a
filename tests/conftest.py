pytest_plugins = ["tests.simulators.fixtures"]
