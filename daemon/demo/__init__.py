"""``meetingd demo``: the whole process on a simulated clock, fed with the demo's own mails.

:mod:`daemon.demo.run` drives it, :mod:`daemon.demo.script` holds the company and the
script, :mod:`daemon.demo.readdress` points each mail of ``daemon/demo/mails/`` at the demo
meeting.
"""

from daemon.demo.run import run_demo

__all__ = ["run_demo"]
