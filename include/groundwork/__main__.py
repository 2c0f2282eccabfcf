"""`python -m groundwork ...`: see groundwork.cli."""

from groundwork.cli import main

raise SystemExit(main())
