"""服务一张图 (the service map): communities as areas, units as points, coverage gaps."""
