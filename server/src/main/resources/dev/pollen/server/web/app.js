// The Pollen catalog page: a small hash-routed view over the JSON API (/api/openapi.json describes it).
// Everything from the catalog is put in the page as text (textContent), never as markup: manifests are written by
// many teams and are not trusted here.
'use strict';

(function () {
  const main = document.getElementById('main');
  const TOKEN_KEY = 'pollen.token';
  // Colour-blind-safe first (Okabe-Ito), then further distinct hues; a domain keeps its colour on every page.
  const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#8c564b', '#7f7f7f',
    '#6a3d9a', '#b15928', '#1b9e77', '#e7298a'];

  /** A handle for people debugging the page (and its browser tests): the graph drawn last. */
  window.pollen = { graph: null };

  function token() {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  }

  /** Calls the API; a refusal throws an Error carrying the API's {status, code, message, parameter}. */
  async function api(path, options) {
    const opts = options || {};
    const headers = Object.assign({ Accept: 'application/json' }, opts.headers || {});
    const t = opts.token !== undefined ? opts.token : token();
    if (t) {
      headers.Authorization = 'Bearer ' + t;
    }
    const res = await fetch(path, Object.assign({}, opts, { headers: headers }));
    let body = null;
    try {
      body = await res.json();
    } catch (notJson) {
      body = null;
    }
    if (!res.ok) {
      const e = body && body.error ? body.error : { status: res.status, code: 'HTTP_' + res.status, message: res.statusText };
      const err = new Error(e.message);
      err.api = e;
      throw err;
    }
    return body;
  }

  /** Builds an element: attributes (class, text, on<event>, others as attributes) and children (nodes or text). */
  function el(tag, attrs) {
    const e = document.createElement(tag);
    const a = attrs || {};
    Object.keys(a).forEach(function (k) {
      const v = a[k];
      if (v === undefined || v === null || v === false) {
        return;
      }
      if (k === 'class') {
        e.className = v;
      } else if (k === 'text') {
        e.textContent = v;
      } else if (k.indexOf('on') === 0) {
        e.addEventListener(k.slice(2), v);
      } else {
        e.setAttribute(k, v === true ? '' : v);
      }
    });
    for (let i = 2; i < arguments.length; i++) {
      append(e, arguments[i]);
    }
    return e;
  }

  function append(parent, child) {
    if (child === undefined || child === null || child === false) {
      return;
    }
    if (Array.isArray(child)) {
      child.forEach(function (c) { append(parent, c); });
    } else {
      parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  function enc(s) {
    return encodeURIComponent(s);
  }

  /** @return the page of a version id such as studio/content-embeddings@1 */
  function artifactHash(id) {
    const at = id.lastIndexOf('@');
    const dn = id.slice(0, at).split('/');
    return '#/artifact/' + enc(dn[0]) + '/' + enc(dn[1]) + '/' + enc(id.slice(at + 1));
  }

  function colourOf(domain) {
    let h = 0;
    for (let i = 0; i < domain.length; i++) {
      h = (h * 31 + domain.charCodeAt(i)) >>> 0;
    }
    return PALETTE[h % PALETTE.length];
  }

  /** Colours for the domains of one view: each its own hue when the palette allows, stable for a given set. */
  function colours(domains) {
    const used = {};
    const out = {};
    domains.slice().sort().forEach(function (d) {
      let i = PALETTE.indexOf(colourOf(d));
      for (let n = 0; n < PALETTE.length && used[PALETTE[i]]; n++) {
        i = (i + 1) % PALETTE.length;
      }
      used[PALETTE[i]] = true;
      out[d] = PALETTE[i];
    });
    return out;
  }

  function chip(domain, colour) {
    const c = el('span', { class: 'chip', text: domain });
    c.style.setProperty('--domain', colour || colourOf(domain));
    return c;
  }

  function show() {
    main.replaceChildren();
    for (let i = 0; i < arguments.length; i++) {
      append(main, arguments[i]);
    }
  }

  function problem(err) {
    const e = err.api || { status: '', code: 'ERROR', message: String(err.message || err) };
    return el('div', { class: 'problem', role: 'alert' },
      el('strong', { text: (e.status ? e.status + ' ' : '') + e.code }), ': ', e.message,
      e.status === 401 ? el('p', { text: 'This server needs a bearer token: enter it at the top right.' }) : null);
  }

  function setNav(section) {
    document.querySelectorAll('[data-nav]').forEach(function (a) {
      if (a.getAttribute('data-nav') === section) {
        a.setAttribute('aria-current', 'page');
      } else {
        a.removeAttribute('aria-current');
      }
    });
  }

  function table(headers, rows, caption) {
    return el('table', {},
      caption ? el('caption', { text: caption }) : null,
      el('thead', {}, el('tr', {}, headers.map(function (h) { return el('th', { scope: 'col', text: h }); }))),
      el('tbody', {}, rows.map(function (r) {
        return el('tr', {}, r.map(function (c) { return el('td', {}, c); }));
      })));
  }

  function bytes(n) {
    const units = ['B', 'KiB', 'MiB', 'GiB'];
    let v = n;
    let u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return (u === 0 ? v : v.toFixed(1)) + ' ' + units[u];
  }

  // ---- search ------------------------------------------------------------------------------------------------

  const FACETS = [['domain', 'Domain'], ['kind', 'Kind'], ['tag', 'Tag']];

  async function showSearch(params) {
    setNav('search');
    const input = el('input', { id: 'search-input', type: 'search', name: 'q', value: params.get('q') || '',
      placeholder: 'embeddings, fraud, 384, owner...', autocomplete: 'off' });
    const form = el('form', { class: 'search', role: 'search', onsubmit: function (ev) {
      ev.preventDefault();
      const next = new URLSearchParams(params);
      if (input.value.trim()) {
        next.set('q', input.value.trim());
      } else {
        next.delete('q');
      }
      go('#/search?' + next.toString(), true);
    } }, el('label', { for: 'search-input', text: 'Search the catalog' }), input,
    el('button', { type: 'submit', id: 'search-button', text: 'Search' }));
    const status = el('p', { id: 'result-count', role: 'status', text: 'Searching...' });
    const facets = el('aside', { class: 'facets', 'aria-label': 'Filters' });
    const results = el('ol', { id: 'results', class: 'results' });
    show(el('h1', { class: 'visually-hidden', text: 'Search' }), form,
      el('div', { class: 'search-body' }, facets, el('section', { class: 'hits', 'aria-label': 'Results' }, status, results)));
    if (searchFocus) {
      input.focus();
      searchFocus = false;
    }
    const query = new URLSearchParams();
    ['q', 'domain', 'kind', 'tag'].forEach(function (k) {
      if (params.get(k)) {
        query.set(k, params.get(k));
      }
    });
    let data;
    try {
      data = await api('/api/v1/artifacts?' + query.toString());
    } catch (err) {
      status.replaceWith(problem(err));
      return;
    }
    status.textContent = data.total + (data.total === 1 ? ' artifact' : ' artifacts')
      + (query.toString() ? ' match' : ' in the catalog')
      + (data.total > data.artifacts.length ? ' (the first ' + data.artifacts.length + ' shown; narrow the search)' : '');
    FACETS.forEach(function (f) {
      const name = f[0];
      const chosen = params.get(name);
      const list = el('ul', {});
      data.facets[name].forEach(function (v) {
        const pressed = chosen === v.value;
        list.append(el('li', {}, el('button', { type: 'button', class: 'facet', 'data-facet': name,
          'data-value': v.value, 'aria-pressed': pressed ? 'true' : 'false', onclick: function () {
            const next = new URLSearchParams(params);
            if (pressed) {
              next.delete(name);
            } else {
              next.set(name, v.value);
            }
            go('#/search?' + next.toString());
          } }, name === 'domain' ? chip(v.value) : v.value, el('span', { class: 'count', text: String(v.count) }))));
      });
      facets.append(el('section', { class: 'facet-group' }, el('h2', { text: f[1] }), list));
    });
    data.artifacts.forEach(function (a) {
      results.append(el('li', { class: 'card' },
        el('h2', {}, el('a', { href: artifactHash(a.id), class: 'artifact-link', text: a.id })),
        el('p', { class: 'meta' }, chip(a.domain), ' ', el('span', { class: 'kind', text: a.kind }), ' ',
          'owner ', el('span', { class: 'owner', text: a.owner || '-' }),
          a.aliases.length ? [' ', el('span', { class: 'aliases', text: 'aliases: ' + a.aliases.join(', ') })] : null,
          a.consumers.length ? [' ', el('span', { class: 'used', text: 'used by ' + a.consumers.join(', ') })] : null),
        el('p', { class: 'description', text: a.description || '' }),
        a.tags.length ? el('p', { class: 'tags' }, a.tags.map(function (t) { return el('span', { class: 'tag', text: t }); })) : null));
    });
  }

  // ---- artifact ----------------------------------------------------------------------------------------------

  async function showArtifact(domain, name, selector) {
    setNav('search');
    show(el('p', { role: 'status', text: 'Loading ' + domain + '/' + name + '@' + selector + '...' }));
    let v;
    try {
      v = await api('/api/v1/artifacts/' + enc(domain) + '/' + enc(name) + '/' + enc(selector));
    } catch (err) {
      show(el('h1', { text: domain + '/' + name + '@' + selector }), problem(err));
      return;
    }
    const sig = [];
    v.signature.inputs.forEach(function (t) { sig.push(['input', el('code', { text: t.name }), t.dtype, '[' + t.shape.join(', ') + ']']); });
    v.signature.outputs.forEach(function (t) { sig.push(['output', el('code', { text: t.name }), t.dtype, '[' + t.shape.join(', ') + ']']); });
    const props = Object.keys(v.properties).sort().map(function (k) { return [el('code', { text: k }), v.properties[k]]; });
    const files = v.files.map(function (f) {
      return [el('code', { text: f.file }), f.role, bytes(f.sizeBytes), el('code', { class: 'sha', text: f.sha256 })];
    });
    const consumers = [];
    v.consumerDetails.forEach(function (c) {
      c.instances.forEach(function (r) {
        consumers.push([c.consumer, chip(c.team), r.host + ' (pid ' + r.pid + ')', r.seenAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
          el('span', { class: r.gone ? 'gone' : 'alive', text: r.gone ? 'gone' : 'alive' })]);
      });
    });
    const graphBox = el('div', { id: 'graph', class: 'graph', role: 'img', 'aria-label': 'Lineage graph of ' + v.id });
    const edgeList = el('div', { class: 'edge-list' });
    const legend = el('div', { class: 'legend' });
    const verifyOut = el('div', { id: 'verify-result', role: 'status' });
    show(
      el('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, el('a', { href: '#/', text: 'Search' }), ' / ',
        el('a', { href: '#/search?domain=' + enc(v.domain), text: v.domain }), ' / ', v.name),
      el('h1', { id: 'artifact-title', text: v.id }),
      el('p', { class: 'meta' }, chip(v.domain), ' ', el('span', { class: 'kind', text: v.kind }), ' owner ',
        el('span', { class: 'owner', text: v.owner || '-' }), ' created ' + v.createdAt.slice(0, 10),
        v.aliases.length ? ' aliases: ' + v.aliases.join(', ') : ''),
      el('p', { class: 'description', text: v.description || '' }),
      el('section', { 'aria-labelledby': 'h-signature' }, el('h2', { id: 'h-signature', text: 'Signature' }),
        sig.length ? table(['', 'Name', 'Type', 'Shape'], sig) : el('p', { text: 'No inputs or outputs declared.' })),
      el('section', { 'aria-labelledby': 'h-used' }, el('h2', { id: 'h-used', text: 'Used by' }),
        consumers.length ? table(['Service', 'Team', 'Instance', 'Last seen', 'Status'], consumers)
          : el('p', { id: 'no-consumers', text: 'No running service records this version.' })),
      el('section', { 'aria-labelledby': 'h-lineage' }, el('h2', { id: 'h-lineage', text: 'Lineage and consumers' }),
        el('p', {}, v.lineage.producedBy ? ['Produced by ', el('code', { text: v.lineage.producedBy }), '. '] : null,
          v.lineage.derivedFrom.length ? ['Derived from ', el('code', { text: v.lineage.derivedFrom.join(', ') }), '. '] : null,
          el('a', { href: '#/graph', text: 'Whole catalog graph' })),
        legend, graphBox, edgeList),
      el('section', { 'aria-labelledby': 'h-props' }, el('h2', { id: 'h-props', text: 'Properties' }),
        props.length ? table(['Key', 'Value'], props) : el('p', { text: 'None.' })),
      el('section', { 'aria-labelledby': 'h-versions' }, el('h2', { id: 'h-versions', text: 'Versions and aliases' }),
        el('p', { class: 'versions' }, v.versions.map(function (n) {
          return el('a', { href: artifactHash(v.domain + '/' + v.name + '@' + n), class: 'version',
            'aria-current': n === v.version ? 'page' : null, text: '@' + n });
        })),
        table(['Alias', 'Version'], Object.keys(v.artifactAliases).sort().map(function (al) {
          const n = v.artifactAliases[al];
          return [el('code', { text: al }), el('a', { href: artifactHash(v.domain + '/' + v.name + '@' + n), text: '@' + n })];
        }), 'Aliases'),
        aliasForm(v)),
      el('section', { 'aria-labelledby': 'h-files' }, el('h2', { id: 'h-files', text: 'Files and checksums' }),
        table(['File', 'Role', 'Size', 'SHA-256'], files),
        el('p', {}, 'Manifest checksum ', el('code', { class: 'sha', text: v.manifestChecksum })),
        el('p', {}, v.signatures.length ? 'Signed by key ' + v.signatures.map(function (s) { return s.keyId + ' (' + s.algorithm + ')'; }).join(', ')
          : 'Unsigned.'),
        el('button', { type: 'button', id: 'verify-button', onclick: function () { verify(v, verifyOut); }, text: 'Verify checksums now' }),
        verifyOut));
    try {
      const g = await api('/api/v1/artifacts/' + enc(v.domain) + '/' + enc(v.name) + '/' + v.version + '/lineage');
      drawGraph(graphBox, edgeList, legend, g);
    } catch (err) {
      graphBox.replaceWith(problem(err));
    }
  }

  function aliasForm(v) {
    const aliasIn = el('input', { id: 'alias-name', name: 'alias', value: 'prod', required: true, autocomplete: 'off' });
    const versionIn = el('select', { id: 'alias-version', name: 'version' }, v.versions.map(function (n) {
      return el('option', { value: String(n), selected: n === v.version, text: '@' + n });
    }));
    const tokenIn = el('input', { id: 'alias-token', type: 'password', autocomplete: 'off', value: token(),
      placeholder: 'write token' });
    const out = el('p', { id: 'alias-result', role: 'status' });
    return el('form', { id: 'alias-form', class: 'inline', onsubmit: async function (ev) {
      ev.preventDefault();
      out.replaceChildren('Moving...');
      try {
        const r = await api('/api/v1/artifacts/' + enc(v.domain) + '/' + enc(v.name) + '/aliases/' + enc(aliasIn.value.trim()), {
          method: 'PUT', token: tokenIn.value.trim(), headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ version: Number(versionIn.value) }) });
        out.replaceChildren(el('span', { class: 'ok', text: r.alias + ' now selects @' + r.version
          + (r.previous === null ? ' (new alias)' : ' (was @' + r.previous + ')') }));
        setTimeout(function () { route(); }, 600);
      } catch (err) {
        out.replaceChildren(problem(err));
      }
    } }, el('fieldset', {}, el('legend', { text: 'Move an alias (needs the write token)' }),
      el('label', { for: 'alias-name', text: 'Alias' }), aliasIn,
      el('label', { for: 'alias-version', text: 'to version' }), versionIn,
      el('label', { for: 'alias-token', text: 'Write token' }), tokenIn,
      el('button', { type: 'submit', id: 'alias-move', text: 'Move alias' })), out);
  }

  async function verify(v, out) {
    out.replaceChildren('Verifying...');
    try {
      const r = await api('/api/v1/artifacts/' + enc(v.domain) + '/' + enc(v.name) + '/' + v.version + '/verify');
      out.replaceChildren(el('p', { class: r.ok ? 'ok' : 'bad', text: r.ok ? 'All checksums match.' : 'Verification failed.' }),
        el('ul', {}, r.results.map(function (x) {
          return el('li', { text: (x.ok ? 'ok  ' : 'FAILED  ') + x.subject + (x.problem ? ': ' + x.problem : '') });
        })));
    } catch (err) {
      out.replaceChildren(problem(err));
    }
  }

  // ---- graphs ------------------------------------------------------------------------------------------------

  function drawGraph(box, list, legend, g) {
    const col = colours(g.domains);
    legend.replaceChildren();
    append(legend, [el('span', { class: 'legend-title', text: 'Domains and teams: ' }),
      g.domains.map(function (d) { return [chip(d, col[d]), ' ']; }),
      el('span', { class: 'legend-key', text: 'rounded: model, barrel: table, hexagon: service; solid arrow: derived from, dashed: used by' })]);
    const labels = {};
    g.nodes.forEach(function (n) {
      labels[n.id] = n.type === 'consumer' ? n.label : n.name + '@' + n.version + '\n' + n.domain;
    });
    const elements = g.nodes.map(function (n) {
      return { data: { id: n.id, label: labels[n.id], type: n.type, kind: n.kind || 'service', colour: col[n.domain],
        root: n.root ? 1 : 0, gone: n.type === 'consumer' && !n.alive ? 1 : 0 } };
    }).concat(g.edges.map(function (e, i) {
      return { data: { id: 'edge' + i, source: e.from, target: e.to, type: e.type } };
    }));
    if (window.pollen.graph) {
      window.pollen.graph.destroy();
      window.pollen.graph = null;
    }
    box.replaceChildren();
    const cy = window.cytoscape({
      container: box,
      elements: elements,
      autoungrabify: true,
      boxSelectionEnabled: false,
      style: [
        { selector: 'node', style: { 'background-color': 'data(colour)', label: 'data(label)', color: '#fff',
          'text-wrap': 'wrap', 'text-max-width': 130, 'font-size': 10, 'text-valign': 'center', 'text-halign': 'center',
          width: 150, height: 44, shape: 'round-rectangle', 'border-width': 0 } },
        { selector: 'node[kind = "table"]', style: { shape: 'barrel' } },
        { selector: 'node[type = "consumer"]', style: { shape: 'hexagon', width: 160 } },
        { selector: 'node[gone = 1]', style: { opacity: 0.45, 'border-width': 2, 'border-style': 'dashed', 'border-color': '#333' } },
        { selector: 'node[root = 1]', style: { 'border-width': 4, 'border-color': '#111' } },
        { selector: 'edge', style: { width: 2, 'line-color': '#888', 'target-arrow-color': '#888',
          'target-arrow-shape': 'triangle', 'curve-style': 'bezier' } },
        { selector: 'edge[type = "used-by"]', style: { 'line-style': 'dashed' } }
      ],
      layout: { name: 'breadthfirst', directed: true, padding: 16, spacingFactor: 1.05 }
    });
    cy.on('tap', 'node[type = "artifact"]', function (evt) {
      location.hash = artifactHash(evt.target.id());
    });
    window.pollen.graph = cy;
    box.setAttribute('data-nodes', String(g.nodes.length));
    box.setAttribute('data-edges', String(g.edges.length));
    // the same graph as links, for keyboards and screen readers
    const name = function (id) {
      const n = g.nodes.find(function (x) { return x.id === id; });
      return n.type === 'consumer' ? el('span', { class: 'service', text: n.label })
        : el('a', { href: artifactHash(id), text: id });
    };
    list.replaceChildren(el('h3', { text: 'Edges' }), g.edges.length === 0 ? el('p', { text: 'No lineage or consumers recorded.' })
      : el('ul', { class: 'edges' }, g.edges.map(function (e) {
        return el('li', { 'data-type': e.type }, e.type === 'used-by' ? [name(e.from), ' is used by ', name(e.to)]
          : [name(e.to), ' is derived from ', name(e.from)]);
      })));
  }

  async function domainSelect(id, chosen, withAll, onchange) {
    const sel = el('select', { id: id, onchange: function () { onchange(sel.value); } },
      withAll ? el('option', { value: '', text: 'all domains' }) : null);
    try {
      const d = await api('/api/v1/artifacts?limit=1');
      d.facets.domain.map(function (f) { return f.value; }).sort().forEach(function (dom) {
        sel.append(el('option', { value: dom, selected: dom === chosen, text: dom }));
      });
    } catch (ignored) {
      // the page itself shows the refusal
    }
    return sel;
  }

  async function showGraph(params) {
    setNav('graph');
    const domain = params.get('domain') || '';
    const gone = params.get('gone') === 'true';
    const update = function (d, g) {
      const next = new URLSearchParams();
      if (d) {
        next.set('domain', d);
      }
      if (g) {
        next.set('gone', 'true');
      }
      go('#/graph?' + next.toString());
    };
    const sel = await domainSelect('graph-domain', domain, true, function (d) { update(d, gone); });
    const goneBox = el('input', { type: 'checkbox', id: 'graph-gone', checked: gone, onchange: function () { update(domain, goneBox.checked); } });
    const box = el('div', { id: 'graph', class: 'graph big', role: 'img', 'aria-label': 'Catalog graph' });
    const list = el('div', { class: 'edge-list' });
    const legend = el('div', { class: 'legend' });
    show(el('h1', { text: domain ? domain + ' and its neighbours' : 'The catalog as a graph' }),
      el('p', { text: 'Latest versions, what they were derived from, what was derived from them, and the services that use them. Click a node to open it.' }),
      el('p', { class: 'controls' }, el('label', { for: 'graph-domain', text: 'Domain ' }), sel, ' ',
        goneBox, el('label', { for: 'graph-gone', text: ' show services that stopped (gone)' })),
      legend, box, list);
    try {
      const q = new URLSearchParams();
      if (domain) {
        q.set('domain', domain);
      }
      if (gone) {
        q.set('gone', 'true');
      }
      drawGraph(box, list, legend, await api('/api/v1/graph?' + q.toString()));
    } catch (err) {
      box.replaceWith(problem(err));
    }
  }

  async function showOutside(domain) {
    setNav('outside');
    const sel = await domainSelect('outside-domain', domain, false, function (d) { go('#/outside/' + enc(d)); });
    const body = el('div', {});
    show(el('h1', { id: 'outside-title', text: 'What of ' + domain + '\'s is used outside ' + domain }),
      el('p', { class: 'controls' }, el('label', { for: 'outside-domain', text: 'Domain ' }), sel), body);
    let data;
    try {
      data = await api('/api/v1/domains/' + enc(domain) + '/used-outside');
    } catch (err) {
      body.replaceChildren(problem(err));
      return;
    }
    if (data.artifacts.length === 0) {
      body.replaceChildren(el('p', { id: 'outside-summary', text: 'Nothing of ' + domain + '\'s is used by another domain or team yet.' }));
      return;
    }
    const rows = data.artifacts.map(function (a) {
      return [el('a', { href: artifactHash(a.id), text: a.id }),
        el('ul', {}, a.derivedBy.map(function (d) { return el('li', {}, el('a', { href: artifactHash(d.id), text: d.id }), ' (' + d.owner + ')'); })),
        el('ul', {}, a.consumers.map(function (c) {
          return el('li', {}, c.consumer + ' ', chip(c.team), c.alive ? '' : ' (gone)');
        }))];
    });
    const box = el('div', { id: 'graph', class: 'graph', role: 'img', 'aria-label': 'Graph of ' + domain + ' and its neighbours' });
    const list = el('div', { class: 'edge-list' });
    const legend = el('div', { class: 'legend' });
    body.replaceChildren(el('p', { id: 'outside-summary', text: data.artifacts.length + ' of ' + domain + '\'s versions are used by '
      + data.domains.join(', ') + '.' }), table(['Version', 'Derived by (other domains)', 'Used by (other teams\' services)'], rows),
    el('h2', { text: domain + ' and its neighbours' }), legend, box, list);
    try {
      drawGraph(box, list, legend, await api('/api/v1/graph?allVersions=true&domain=' + enc(domain)));
    } catch (err) {
      box.replaceWith(problem(err));
    }
  }

  // ---- routing -----------------------------------------------------------------------------------------------

  let searchFocus = false;

  function go(hash, keepSearchFocus) {
    searchFocus = !!keepSearchFocus;
    if (location.hash === hash) {
      route();
    } else {
      location.hash = hash;
    }
  }

  function route() {
    const hash = location.hash || '#/';
    const q = hash.indexOf('?');
    const path = q < 0 ? hash.slice(1) : hash.slice(1, q);
    const params = new URLSearchParams(q < 0 ? '' : hash.slice(q + 1));
    let parts;
    try {
      parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    } catch (badEscape) {
      parts = ['?'];
    }
    let shown;
    if (parts.length === 0 || parts[0] === 'search') {
      shown = showSearch(params);
    } else if (parts[0] === 'artifact' && parts.length >= 3) {
      shown = showArtifact(parts[1], parts[2], parts[3] || 'latest');
    } else if (parts[0] === 'graph') {
      shown = showGraph(params);
    } else if (parts[0] === 'outside' && parts[1]) {
      shown = showOutside(parts[1]);
    } else if (parts[0] === 'outside') {
      // studio's, the demo's shared domain, when the catalog has it; else the first domain
      shown = api('/api/v1/artifacts?limit=1').then(function (d) {
        const domains = d.facets.domain.map(function (f) { return f.value; }).sort();
        if (domains.length === 0) {
          setNav('outside');
          show(el('h1', { text: 'Used outside' }), el('p', { text: 'The catalog is empty.' }));
          return;
        }
        location.replace('#/outside/' + enc(domains.indexOf('studio') >= 0 ? 'studio' : domains[0]));
      });
    } else {
      show(el('h1', { text: 'No such page' }), el('p', {}, el('a', { href: '#/', text: 'Back to search' })));
      return;
    }
    shown.catch(function (err) { show(problem(err)); });
  }

  document.getElementById('token-input').value = token();
  document.getElementById('token-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    const v = document.getElementById('token-input').value.trim();
    if (v) {
      sessionStorage.setItem(TOKEN_KEY, v);
    } else {
      sessionStorage.removeItem(TOKEN_KEY);
    }
    route();
  });
  document.addEventListener('keydown', function (ev) {
    const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName);
    if (ev.key === '/' && !typing) {
      ev.preventDefault();
      const s = document.getElementById('search-input');
      if (s) {
        s.focus();
      } else {
        go('#/', true);
      }
    }
  });
  window.addEventListener('hashchange', route);
  route();
  // the latest pollen bench report, when the server has one
  api('/api/v1/about').then(function (about) {
    if (about.benchReport) {
      const link = document.getElementById('nav-bench');
      link.href = about.benchReport;
      link.hidden = false;
    }
  }, function () { /* a protected server without a token: the view shows the refusal */ });
}());
