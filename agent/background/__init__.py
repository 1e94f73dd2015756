"""The background agent: scheduled diagnose, remediate, maintenance and summary runs."""
