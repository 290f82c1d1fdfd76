// HTML escaping for the dashboard's inlined scripts, defined once as window.swEsc and inlined ahead of them: every
// name a peer chose (its metadata, agent and topic names) passes through it before it reaches innerHTML or SVG.

/** The script's source: defines window.swEsc. */
export const DASHBOARD_ESCAPE = `
window.swEsc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
`;
