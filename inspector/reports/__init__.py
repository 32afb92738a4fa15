"""Documents: the findings report, notices, the district summary and data exports."""
