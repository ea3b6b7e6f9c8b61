"""Check a deployed domain against its plan (issue 12): DNS records, SPF, FCrDNS, SMTP, MTA-STS.

Plain Python: no Django here. ``check(design, plan, options)`` returns a ``Report`` whose
rows each say match, differ (with what was found), missing, or not checked (and why).
The web app (``architect/live``) adds the settings, the rate limits and the storage.
"""

from __future__ import annotations

from .check import Options, check
from .report import Report, Row

__all__ = ["Options", "Report", "Row", "check"]
