// The dashboard's topology view, as a script the page inlines: swTopology.draw(svg, model) lays the relay out in
// the middle and every other node on an ellipse around it, draws each link labelled by its transport and lists
// under each node the agents living there; swTopology.move(svg, from, to, name) sends a dot along the way an agent
// moved. Plain SVG: no dependency. Nodes and links carry data-node / data-link attributes for tests.

/** The script's source: defines window.swTopology. */
export const DASHBOARD_TOPOLOGY = `
(() => {
  const NS = 'http://www.w3.org/2000/svg';
  const esc = window.swEsc;
  const TRANSPORTS = { websocket: ['WebSocket', '#2f6fdf'], webtransport: ['WebTransport', '#8a3ffc'], ring: ['ring', '#18794e'], redis: ['Redis', '#c0362c'], memory: ['in-process', '#7a5a00'], postmessage: ['postMessage', '#0b7285'] };
  const transport = (t) => TRANSPORTS[t] || [t, '#5b6475'];
  const ROLE = { relay: '#1d2330', core: '#2f6fdf', edge: '#5b6475', redis: '#c0362c' };
  const layers = (svg) => {
    if (!svg.firstChild) svg.innerHTML = '<g data-layer="static"></g><g data-layer="moves"></g>';
    return { fixed: svg.querySelector('[data-layer="static"]'), moves: svg.querySelector('[data-layer="moves"]') };
  };
  // The control point of a link from p to q, and the curve's midpoint: straight, unless the line would pass within
  // 40 px of the node to avoid (the relay), when its middle bends 90 px away from it (the control point twice that).
  const bend = (p, q, avoid) => {
    const mid = [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2];
    if (!avoid) return [mid, mid];
    const vx = q[0] - p[0], vy = q[1] - p[1], len = Math.hypot(vx, vy) || 1;
    const along = Math.max(0, Math.min(1, ((avoid[0] - p[0]) * vx + (avoid[1] - p[1]) * vy) / (len * len)));
    const near = [p[0] + vx * along, p[1] + vy * along];
    if (Math.hypot(near[0] - avoid[0], near[1] - avoid[1]) >= 40) return [mid, mid];
    let nx = -vy / len, ny = vx / len;
    if (nx * (mid[0] - avoid[0]) + ny * (mid[1] - avoid[1]) < 0) (nx = -nx), (ny = -ny);
    const c = [mid[0] + nx * 180, mid[1] + ny * 180];
    return [c, [(p[0] + 2 * c[0] + q[0]) / 4, (p[1] + 2 * c[1] + q[1]) / 4]];
  };
  // model: { nodes: [{ id, label, role, agents: [names], here }], links: [{ a, b, transport }] }; nodes[0] is the relay.
  const draw = (svg, model) => {
    const w = svg.clientWidth || 800, h = svg.clientHeight || 380;
    const pos = new Map();
    const others = model.nodes.slice(1);
    if (model.nodes[0]) pos.set(model.nodes[0].id, [w / 2, h / 2]);
    others.forEach((n, i) => {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(others.length, 1);
      pos.set(n.id, [w / 2 + Math.cos(a) * w * 0.36, h / 2 + Math.sin(a) * (h / 2 - 58)]);
    });
    svg._positions = pos;
    const center = model.nodes[0] && model.nodes[0].id;
    let out = '';
    for (const l of model.links) {
      const p = pos.get(l.a), q = pos.get(l.b);
      if (!p || !q) continue;
      const [label, color] = transport(l.transport);
      // A link between two nodes around the relay bends away from it, so it never runs through the relay's circle.
      const [c, m] = bend(p, q, l.a === center || l.b === center ? undefined : pos.get(center));
      out += '<g data-link="' + esc(l.a + ' ' + l.b) + '" data-transport="' + esc(l.transport) + '"><path d="M' + p[0] + ',' + p[1] + ' Q' + c[0] + ',' + c[1] + ' ' + q[0] + ',' + q[1] +
        '" fill="none" stroke="' + color + '" stroke-width="2" opacity=".7"/><text x="' + m[0] + '" y="' + (m[1] - 4) + '" fill="' + color + '" font-size="11" text-anchor="middle" paint-order="stroke" stroke="#f7f8fa" stroke-width="3">' + esc(label) + '</text></g>';
    }
    for (const n of model.nodes) {
      const [x, y] = pos.get(n.id);
      out += '<g data-node="' + esc(n.id) + '" transform="translate(' + x + ',' + y + ')"><circle r="' + (n.role === 'relay' ? 20 : 14) + '" fill="' + (ROLE[n.role] || '#5b6475') + '"' +
        (n.here ? ' stroke="#18794e" stroke-width="3"' : '') + '/><text y="' + (n.role === 'relay' ? -26 : -20) + '" font-size="12" font-weight="600" text-anchor="middle">' + esc(n.label) + '</text>' +
        n.agents.map((a, i) => '<text data-agent="' + esc(a) + '" y="' + (30 + i * 13) + '" font-size="11" text-anchor="middle" fill="#18794e">● ' + esc(a) + '</text>').join('') + '</g>';
    }
    layers(svg).fixed.innerHTML = out;
  };
  const move = (svg, from, to, name) => {
    const pos = svg._positions, p = pos && pos.get(from), q = pos && pos.get(to);
    if (!p || !q) return;
    const g = document.createElementNS(NS, 'g');
    g.setAttribute('data-moving', name);
    g.innerHTML = '<circle r="7" fill="#f59f00" stroke="#fff" stroke-width="2"/><text y="-10" font-size="11" text-anchor="middle">' + esc(name) + '</text>' +
      '<animateMotion dur="1.2s" fill="freeze" path="M' + p[0] + ',' + p[1] + ' L' + q[0] + ',' + q[1] + '"/>';
    layers(svg).moves.appendChild(g);
    setTimeout(() => g.remove(), 2500);
  };
  window.swTopology = { draw, move };
})();
`;
