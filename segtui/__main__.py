import sys

from segtui.cli import main

sys.exit(main())
