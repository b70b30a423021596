"""Trading KPIs: reading the returns, trades, incidents and explainability sources
(`load`) into checked datasets (`datasets`) of the evidence's shape (`evidence`), the pure
computations (`series`), the figures both the checks judge and the charts draw
(`figures`), and the charts the collector renders as evidence (`charts`).

Nothing here imports numpy, pandas or matplotlib at module level: `golive --help`
must stay fast, so the plotting library is imported only when a chart is drawn.
"""
