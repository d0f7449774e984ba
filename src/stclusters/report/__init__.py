"""Files a person opens: the HTML site with maps and profiles, PDF and Markdown profiles."""

from __future__ import annotations

from stclusters.report.inputs import SiteInputs, read_site_inputs
from stclusters.report.pages import write_site
from stclusters.report.tables import write_outputs
from stclusters.report.text import profile_markdown

__all__ = [
    "SiteInputs",
    "profile_markdown",
    "read_site_inputs",
    "write_outputs",
    "write_site",
]
