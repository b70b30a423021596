"""`python -m examples.lunia_demo.kpi OUTDIR --as-of ISO-8601 [--break kpi.sharpe]`."""

from examples.lunia_demo.kpi.generator import main

raise SystemExit(main())
