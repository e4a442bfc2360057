"""meetingd: runs the cross-department coordination meeting (部门沟通协调会) over mail."""

__version__ = "0.1.0"
