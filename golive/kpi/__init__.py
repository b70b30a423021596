"""Trading KPIs: loading the returns, trades, incidents and explainability sources
(`load`), the pure computations the checks judge on (`series`), and the charts the
collector renders as evidence (`charts`).

Nothing here imports numpy, pandas or matplotlib at module level: `golive --help`
must stay fast, so the plotting library is imported only when a chart is drawn.
"""
