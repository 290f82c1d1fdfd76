// The dashboard page's stylesheet (src/relay/page.ts inlines it): the cards and tables, then the live views'
// plots, topology and trace waterfalls.

/** The stylesheet's text. */
export const DASHBOARD_STYLE = `  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #1d2330; background: #f7f8fa; }
  h1 { font-size: 1.4rem; margin: 0 0 .2rem; }
  .sub { color: #5b6475; margin-bottom: 1.2rem; }
  .cards { display: flex; gap: .8rem; flex-wrap: wrap; margin-bottom: 1.2rem; }
  .card { background: #fff; border: 1px solid #dde1e8; border-radius: 8px; padding: .6rem .9rem; min-width: 7rem; }
  .card b { display: block; font-size: 1.3rem; }
  table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #dde1e8; }
  th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #eef0f4; font-variant-numeric: tabular-nums; }
  th { background: #eef1f6; font-weight: 600; }
  code { font-size: 12px; }
  #status[data-state="open"] { color: #18794e; }
  #status[data-state="error"] { color: #c0362c; }
  h2 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; }
  button { font: inherit; padding: .15rem .6rem; border: 1px solid #b8c0cc; border-radius: 5px; background: #fff; cursor: pointer; }
  button:disabled { opacity: .45; cursor: default; }
  .here { color: #18794e; font-weight: 600; }
  .plots { display: grid; grid-template-columns: 1fr 1fr; gap: .8rem; }
  .plots canvas { width: 100%; height: 210px; background: #fff; border: 1px solid #dde1e8; border-radius: 8px; }
  .topo { display: grid; grid-template-columns: 3fr 1fr; gap: .8rem; }
  #topology { width: 100%; height: 400px; background: #fff; border: 1px solid #dde1e8; border-radius: 8px; font-family: system-ui, sans-serif; }
  #moves { margin: 0; padding-left: 1.2rem; font-size: 13px; }
  .trace { background: #fff; border: 1px solid #dde1e8; border-radius: 8px; padding: .5rem .7rem; margin-bottom: .6rem; }
  .trace-head { font-size: 12px; color: #5b6475; margin-bottom: .3rem; }
  .hop { display: grid; grid-template-columns: minmax(18rem, 2fr) 3fr 11rem; gap: .6rem; align-items: center; font-size: 12px; padding: .12rem 0; }
  .hop-track { position: relative; height: 12px; background: #eef1f6; border-radius: 3px; }
  .hop-bar { position: absolute; top: 0; bottom: 0; min-width: 3px; background: #2f6fdf; border-radius: 3px; }
  .hop-bar.one-way { background: #f59f00; }
  .hop-ms { font-variant-numeric: tabular-nums; color: #5b6475; }
`;
