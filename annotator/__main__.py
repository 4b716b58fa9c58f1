"""`python -m annotator`: the same as the `annotator` command (how `serve` starts its sessions)."""

from annotator.cli import main

raise SystemExit(main())
