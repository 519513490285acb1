"""Documents: pure functions from station read-models to PDF bytes (ReportLab)."""
