"""Entry script of the frozen ``meter-emulator``."""

import sys

from meter_emulator.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
