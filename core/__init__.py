"""共建 gongjian — joint-building network and quarterly planner."""

__version__ = "0.1.0"
