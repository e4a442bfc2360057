"""Reference instants shared by the tests (aware, UTC)."""

from __future__ import annotations

import datetime as dt

#: Mon 14 Sep 2026 01:30 UTC (09:30 in Shanghai): where :func:`tests.conftest.frozen_clock`
#: starts, and the "now" of the store, queue and pipeline tests.
T0 = dt.datetime(2026, 9, 14, 1, 30, tzinfo=dt.UTC)
