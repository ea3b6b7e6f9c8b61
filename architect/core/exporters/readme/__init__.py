"""The bundle's ``README.md``: what to do with each file, in order.

The README describes the other files, so it is written from them: it sets
``needs_bundle`` and ``bundle()`` hands it every file the other exporters
wrote. Whatever a new exporter adds shows up here (under "Other files" if no
step knows it yet), and a file that was not written is never mentioned.

Free text from the design (its name and description) and plan text that
quotes it are escaped for Markdown and HTML before they go in, so nothing a
person typed can add a heading, a link or a ``<script>`` to the page.

One module per part of the page: ``contents`` (the opening, the table of
files), ``dns`` and ``certificates`` (section 1), ``mailbox`` (2), ``mta`` (3),
``clients`` (4), ``closing`` (5 and 6); ``markdown`` holds the escaping and the
blocks every install step shares.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ...design import Design
from ...plan import Plan
from .. import Exporter, register
from ..deploy import installs
from .certificates import certificate_steps
from .clients import KIND_TITLES, client_steps
from .closing import diagram_and_findings, mta_sts_steps
from .contents import contents_table, describe, install_scripts, introduction, other_files
from .dns import dns_steps
from .mailbox import mailbox_steps
from .markdown import code, md
from .mta import mta_steps

# Other code and the tests import these from here.
__all__ = ["KIND_TITLES", "BundleReadme", "code", "describe", "md", "readme_text"]


@register
class BundleReadme(Exporter):
    """``README.md``: the deployment steps, written from the files of the bundle."""

    name = "readme"
    needs_bundle = True

    def files(
        self, design: Design, plan: Plan, bundle: Mapping[str, str] | None = None
    ) -> Iterable[tuple[str, str]]:
        yield "README.md", readme_text(design, plan, bundle or {})


def readme_text(design: Design, plan: Plan, files: Mapping[str, str]) -> str:
    """The README of a bundle whose other files are ``files`` (path -> text)."""
    all_paths = sorted({*files, "README.md"})
    # The install steps of every host, worked out once for sections 2 and 3.
    steps = installs(files)
    out = introduction(design, plan)
    out += install_scripts(files)
    out += contents_table(all_paths)
    out += dns_steps(plan, files)
    out += certificate_steps(plan, files)
    out += mailbox_steps(plan, files, steps)
    out += mta_steps(files, steps)
    out += client_steps(plan, files)
    out += mta_sts_steps(design, plan, files)
    out += diagram_and_findings(plan, files)
    out += other_files(all_paths)
    return "\n".join(out).rstrip("\n") + "\n"
