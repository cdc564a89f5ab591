"""The real service in a child process for the API tests (see :mod:`gongjian.service.devserver`)."""

from gongjian.service.devserver import USERS, ApiServer, free_port, seeded_store, start_api

__all__ = ["USERS", "ApiServer", "free_port", "seeded_store", "start_api"]
