// The reports' one stylesheet (search and training pages look alike).
export const REPORT_CSS = `
:root { --ink:#0f172a; --muted:#64748b; --line:#e2e8f0; --bg:#f8fafc; --card:#fff; --accent:#2563eb; --good:#059669; --bad:#dc2626; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink); font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif; }
main { max-width:1080px; margin:0 auto; padding:32px 28px 56px; }
header h1 { margin:0 0 4px; font-size:28px; letter-spacing:-0.02em; }
header p { margin:0; color:var(--muted); }
section { background:var(--card); border:1px solid var(--line); border-radius:14px; padding:20px 22px; margin-top:20px; box-shadow:0 1px 2px rgba(15,23,42,.04); }
section h2 { margin:0 0 4px; font-size:18px; }
section .lead { margin:0 0 14px; color:var(--muted); font-size:14px; }
.run-cards h3 { margin:22px 0 8px; font-size:13px; color:var(--muted); text-transform:uppercase; letter-spacing:.08em; }
.cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(190px,1fr)); gap:12px; }
svg.chart { width:100%; height:auto; display:block; }
.card { background:var(--card); border:1px solid var(--line); border-radius:14px; padding:14px 16px; }
.card .k { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.06em; }
.card .v { font-size:26px; font-weight:650; font-variant-numeric:tabular-nums; }
.card .s { color:var(--muted); font-size:13px; }
.chips { display:flex; flex-wrap:wrap; gap:6px; }
.chip { display:inline-block; padding:2px 10px; border-radius:999px; font-size:13px; border:1px solid var(--line); color:var(--muted); background:#f1f5f9; text-decoration:line-through; }
.chip.on { color:#fff; background:var(--accent); border-color:var(--accent); text-decoration:none; }
.badge { display:inline-block; padding:1px 8px; border-radius:6px; background:#eef2ff; color:#3730a3; font-size:12px; font-weight:600; margin-right:6px; }
svg text { font-family:inherit; fill:#334155; }
svg .tick { font-size:11px; fill:var(--muted); }
svg .label { font-size:12px; fill:#334155; }
svg .legend { font-size:12px; }
svg .grid { stroke:#eef2f7; }
svg .axis { stroke:#94a3b8; }
.scroll { overflow-x:auto; }
table { border-collapse:collapse; width:100%; font-size:13.5px; font-variant-numeric:tabular-nums; }
th, td { text-align:left; padding:6px 10px; border-bottom:1px solid var(--line); white-space:nowrap; }
th { color:var(--muted); font-weight:600; font-size:12px; text-transform:uppercase; letter-spacing:.05em; }
tr.best td { background:#fffbeb; }
td.num { text-align:right; }
.up { color:var(--good); } .down { color:var(--bad); }
.mask { font-family:ui-monospace,SFMono-Regular,Menlo,monospace; letter-spacing:2px; }
.bars { display:grid; grid-template-columns:max-content 1fr max-content; gap:6px 12px; align-items:center; }
.bar { height:10px; border-radius:5px; background:#e2e8f0; overflow:hidden; }
.bar > i { display:block; height:100%; background:var(--accent); border-radius:5px; }
.bar.off > i { background:#94a3b8; }
footer { margin-top:28px; color:var(--muted); font-size:12.5px; text-align:center; }
`;
