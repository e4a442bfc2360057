"""Run meetingd as ``python -m daemon``."""

from daemon.cli import main

if __name__ == "__main__":
    main()
