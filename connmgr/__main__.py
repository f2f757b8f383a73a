import sys

from connmgr.app import main

sys.exit(main())
