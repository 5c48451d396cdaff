"""The `nnlab` command and `python -m nnlab`: SIGTERM interrupts from the first instant.

Importing the command line takes a moment (Typer, Rich); a SIGTERM then would
kill the process outright (exit -15). Python's own Ctrl-C handler stands in for
SIGTERM until `nnlab.cli.main` installs the full handling, so an early signal
exits 130 like any other interrupt.
"""

import signal
import sys


def main() -> None:
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        from nnlab.cli import main as command_line

        command_line()
    except KeyboardInterrupt:  # before the command line could take it: nothing was started
        sys.exit(130)


if __name__ == "__main__":
    main()
