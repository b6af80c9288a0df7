"""``python -m chainrule.cheatsheet``: the same as ``chainrule cheatsheet``."""
from . import main

raise SystemExit(main())
