import sys

from settlement.cli import main

sys.exit(main())
