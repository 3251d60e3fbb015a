pytest_plugins = ["lab_hosts"]
