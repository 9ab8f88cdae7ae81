"""Entry script of the frozen ``ihd`` (PyInstaller needs a script, not a console-script name)."""

import sys

from ihd_app.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
