"""Visual outputs: interactive graph pages and report plots."""
