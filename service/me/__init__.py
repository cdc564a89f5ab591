"""我的 (Me): the signed-in user's to-do list, calendar and task list."""
