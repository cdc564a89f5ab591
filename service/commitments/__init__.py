"""清单制: annual responsibility lists — commitments, mid-year progress, year-end reports."""
