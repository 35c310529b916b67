"""Reports of a stored run: per-task accuracy with intervals (summary), and the
self-contained HTML report with plots (html, plots)."""
from proctor.report.summary import TaskSummary, mean_interval, render_table, summarize, wilson_interval

__all__ = ["TaskSummary", "mean_interval", "render_table", "summarize", "wilson_interval"]
