"""``python -m nst``."""

import sys

from nst.cli import main

sys.exit(main())
