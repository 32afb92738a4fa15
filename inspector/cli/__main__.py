"""``python -m inspector.cli``."""

import sys

from inspector.cli.app import main

sys.exit(main())
