"""The local dashboard: ``tokentrail serve`` and ``tokentrail report --html``.

Pages are HTML rendered on the server from the same :class:`~tokentrail.reports.model.Report`
objects as the CLI tables, with charts drawn as inline SVG by :mod:`tokentrail.web.charts`
(no chart library, no CDN, no build step). The server (:mod:`tokentrail.web.server`) is the
standard library's :class:`http.server.ThreadingHTTPServer`; the static CSS and JS ship as
package data in ``tokentrail/web/static``. Layer: above ``reports``; never imports ``cli``.
"""

from __future__ import annotations

__all__: list[str] = []
