/* The investigator's page: search, graph of connections, a worker's chain, an agency's network,
 * paths, rights. Talks only to this server's API; the API key lives in sessionStorage. */
(function () {
  "use strict";
  var G = window.JejakGraph;
  var KEY = "jejak.apiKey";
  var PAGE = 10; // neighbours per group and page
  var cy = null;
  var selected = null; // the item shown in the details panel
  var pathEnds = { from: null, to: null };

  // -- small helpers ------------------------------------------------------------------------------
  function $(id) { return document.getElementById(id); }

  /* An element with text children only (never HTML from data). */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "onclick") node.addEventListener("click", attrs[k]);
      else if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
    }
    return node;
  }

  function badge(label) {
    return el("span", { class: "badge", style: "background:" + G.kind(label).colour, text: G.kind(label).name });
  }

  function status(text, isError) {
    var box = $("status");
    box.textContent = text || "";
    box.className = isError ? "error" : "";
  }

  function show(title) {
    var box = $("details");
    box.textContent = "";
    if (title) box.appendChild(el("h3", { text: title }));
    return box;
  }

  function facts(rows) {
    var table = el("table", { class: "facts" });
    rows.forEach(function (r) {
      if (r[1] === null || r[1] === undefined || r[1] === "") return;
      table.appendChild(el("tr", {}, el("th", { text: r[0] }), el("td", {}, r[1] instanceof Node ? r[1] : String(r[1]))));
    });
    return table;
  }

  function link(text, onclick) {
    return el("a", { class: "link", tabindex: "0", onclick: onclick, text: text });
  }

  // -- the API ----------------------------------------------------------------------------------
  function api(path, params) {
    var url = path;
    if (params) {
      var q = new URLSearchParams();
      Object.keys(params).forEach(function (k) {
        var v = params[k];
        if (v === null || v === undefined || v === "") return;
        (Array.isArray(v) ? v : [v]).forEach(function (x) { q.append(k, x); });
      });
      if (q.toString()) url += "?" + q.toString();
    }
    status("Loading…");
    return fetch(url, { headers: { "X-API-Key": sessionStorage.getItem(KEY) || "" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) {
          var err = (body && body.error) || { message: r.statusText };
          if (r.status === 401) signedOut();
          var message = err.message;
          if (err.candidates) message += " — choose one of: " + err.candidates.map(function (c) { return c.id + (c.name ? " (" + c.name + ")" : ""); }).join(", ");
          status(message, true);
          throw new Error(message);
        }
        status("");
        return body;
      });
    });
  }

  function enc(id) { return encodeURIComponent(id).replace(/%2F/g, "/"); }

  // -- signing in -------------------------------------------------------------------------------
  /* Forget the key and everything it was shown: the next person at this screen may hold a key
     that sees less, and must not find the last person's record still on it. */
  function signedOut() {
    sessionStorage.removeItem(KEY);
    $("login").hidden = false;
    $("session").hidden = true;
    if (cy) cy.elements().remove();
    $("graph-title").textContent = "Search for a name to start.";
    show("").appendChild(el("p", { class: "hint", text: "Details of the selected entity appear here." }));
    $("results").textContent = "";
    $("q").value = "";
    $("identifier").value = "";
    selected = null;
    pathEnds.from = pathEnds.to = null;
    $("path-from").textContent = $("path-to").textContent = "—";
    $("find-path").disabled = true;
  }

  function signIn(key) {
    sessionStorage.setItem(KEY, key);
    return api("/me").then(function (me) {
      $("login").hidden = true;
      $("session").hidden = false;
      $("whoami").textContent = "Signed in: " + me.role + (me.role === "investigator" ? "" : " (personal data hidden)");
    });
  }

  $("login").addEventListener("submit", function (e) {
    e.preventDefault();
    signIn($("api-key").value.trim()).catch(function () {});
    $("api-key").value = "";
  });
  $("logout").addEventListener("click", function () { signedOut(); status("Signed out."); });

  // -- search and lookup ------------------------------------------------------------------------
  function listResults(items, empty) {
    var list = $("results");
    list.textContent = "";
    if (!items.length) list.appendChild(el("li", { class: "muted", text: empty }));
    items.forEach(function (item) {
      // what tells namesakes apart: a birth date (as the role may see it), a country, a status
      var p = item.props || {};
      var about = [p.birth_date && "born " + p.birth_date, p.country, p.status && p.status.toLowerCase()].filter(Boolean);
      var li = el("li", { tabindex: "0", "data-id": item.id },
        badge(item.label), el("span", { class: "name", text: item.name || item.id }),
        el("span", { class: "muted", text: about.concat([item.id]).join(" · ") }));
      li.addEventListener("click", function () { open(item); });
      li.addEventListener("keydown", function (e) { if (e.key === "Enter") open(item); });
      list.appendChild(li);
    });
  }

  $("search").addEventListener("submit", function (e) {
    e.preventDefault();
    var q = $("q").value.trim();
    if (!q) return;
    api("/search", { q: q, label: $("label").value, limit: 25 }).then(function (r) {
      var number = /^[\d\s.+-]+$/.test(q) ? " Numbers (a NIK, a phone) go in the look-up box below." : "";
      listResults(r.items, "Nothing found for “" + q + "”." + number);
    }).catch(function () {});
  });

  $("lookup").addEventListener("submit", function (e) {
    e.preventDefault();
    var value = $("identifier").value.trim();
    if (!value) return;
    // a Jejak id (W-..., AG-...) or a source record id (bp2mi:SK-...), as flags and chains show them
    if (/^[A-Z]{1,4}-\S+$/.test(value) || /^[a-z0-9_]+:\S/.test(value)) {
      api("/nodes/" + enc(value) + "/neighbours", { limit: 1 }).then(function (r) {
        listResults([{ label: r.node.label, id: r.node.id, name: r.node.name, props: r.node.props }], "");
      }).catch(function () {});
      return;
    }
    api("/identifiers/" + enc(value)).then(function (r) {
      listResults(r.matches, "Nobody carries " + r.value + ".");
    }).catch(function () {});
  });

  /* Open an entity: draw it with its first page of connections and show its details. */
  function open(item) {
    clearGraph();
    $("graph-title").textContent = G.kind(item.label).name + ": " + (item.name || item.id);
    return expand(item, true).then(function () { select(item); });
  }

  // -- the graph --------------------------------------------------------------------------------
  function ensureGraph() {
    if (cy) return cy;
    cy = G.create($("graph"));
    cy.on("tap", "node", function (e) {
      var n = e.target;
      if (n.hasClass("more")) return nextPage(n);
      select(n.data("item"));
    });
    cy.on("dbltap", "node", function (e) {
      var n = e.target;
      if (!n.hasClass("more")) expand(n.data("item"), false);
    });
    G.legend($("legend"), ["Worker", "Placement", "Agency", "Sponsor", "TrainingInstitute", "PartnerAgency", "Employer", "Country", "Region", "Case"]);
    return cy;
  }

  function clearGraph() {
    ensureGraph().elements().remove();
  }

  function addNode(item, classes, via) {
    var flags = (item.props || {}).flags;
    var element = G.nodeElement(item, [classes || "", flags && flags.length ? "flagged" : ""].join(" ").trim(), via);
    var existing = cy.getElementById(element.data.id);
    if (existing.nonempty()) return existing;
    return cy.add(element);
  }

  function addEdge(a, b, group) {
    var out = group.direction === "out";
    var source = out ? a.id() : b.id();
    var target = out ? b.id() : a.id();
    var edge = G.edgeElement(source, target, group.type);
    if (cy.getElementById(edge.data.id).empty()) cy.add(edge);
  }

  /* One page of a node's neighbours; "and N more" nodes page on. */
  function expand(item, focus) {
    ensureGraph();
    if (G.isMasked(item.id)) {  // a masked number names no node for this key: nothing to ask
      status("This " + G.kind(item.label).name.toLowerCase() + " is masked for your role: only an investigator can follow it.", true);
      return Promise.resolve();
    }
    return api("/nodes/" + enc(item.id) + "/neighbours", { limit: PAGE }).then(function (r) {
      var centre = addNode(Object.assign({}, item, { label: r.node.label, name: item.name || r.node.name }), focus ? "focus" : "");
      r.groups.forEach(function (group) { addGroup(centre, group); });
      G.layout(cy, true);
      // a hub's crowded groups are counted up to a cap: their total is then a lower bound
      status(r.total.toLocaleString() + (r.total_exact === false ? "+" : "") + " connections of " + (r.node.name || r.node.id) + (r.total > PAGE ? "; showing up to " + PAGE + " per kind" : ""));
    }).catch(function () {});
  }

  function addGroup(centre, group) {
    var via = centre.id() + "|" + group.type;
    group.items.forEach(function (item) { addEdge(centre, addNode(item, "", via), group); });
    var moreId = centre.id() + "|more|" + group.type + "|" + group.direction + "|" + group.label;
    var more = cy.getElementById(moreId);
    if (group.more > 0) {
      var text = "and " + group.more.toLocaleString() + (group.total_exact === false ? "+" : "") + " more: " + G.kind(group.label).name;
      if (more.empty()) {
        more = cy.add({ group: "nodes", data: { id: moreId, caption: text, owner: centre.data("item"), page: group, offset: group.skip + group.items.length }, classes: "more" });
        cy.add({ group: "edges", data: { id: moreId + "|edge", source: centre.id(), target: moreId, caption: G.relation(group.type) } });
      } else {
        more.data({ caption: text, page: group, offset: group.skip + group.items.length });
      }
    } else if (more.nonempty()) {
      more.remove();
    }
  }

  function nextPage(moreNode) {
    var owner = moreNode.data("owner");
    var group = moreNode.data("page");
    var centre = cy.getElementById(G.key(owner.label, owner.id));
    api("/nodes/" + enc(owner.id) + "/neighbours", { type: group.type, limit: PAGE, offset: moreNode.data("offset") }).then(function (r) {
      r.groups.filter(function (g) { return g.direction === group.direction && g.label === group.label; })
        .forEach(function (g) { addGroup(centre, g); });
      G.layout(cy, false);
    }).catch(function () {});
  }

  $("fit").addEventListener("click", function () { if (cy) cy.fit(undefined, 30); });
  $("clear").addEventListener("click", function () { clearGraph(); $("graph-title").textContent = "Search for a name to start."; });

  // -- details of one entity --------------------------------------------------------------------
  var FACTS = ["flags", "licence_no", "status", "country", "kind", "level", "departure_date", "registration_date", "arrival_date",
    "job", "sector", "scheme", "cost_to_worker", "nik", "passport_no", "birth_date", "sex", "phone", "address", "text", "source", "file", "row", "date"];
  var NAMES = { flags: "Red flags", licence_no: "Licence", nik: "NIK", passport_no: "Passport", birth_date: "Born", cost_to_worker: "Cost to worker",
    departure_date: "Departed", registration_date: "Registered", arrival_date: "Arrived", text: "Address" };

  function select(item) {
    selected = item;
    var box = show(item.name || item.id);
    box.appendChild(el("p", {}, badge(item.label), el("span", { class: "muted", text: item.id })));
    var props = item.props || {};
    box.appendChild(facts(FACTS.filter(function (k) { return props[k] !== undefined; }).map(function (k) {
      var value = k === "cost_to_worker" && props[k] !== null ? "Rp " + Number(props[k]).toLocaleString("id-ID") : props[k];
      return [NAMES[k] || k.replace(/_/g, " "), value];
    })));
    var actions = el("div", { class: "actions" });
    if (G.isMasked(item.id)) {
      box.appendChild(el("p", { class: "muted", text: "Masked for your role: only an investigator can follow this number." }));
      return;
    }
    actions.appendChild(el("button", { type: "button", text: "Show connections", onclick: function () { expand(item, false); } }));
    if (item.label === "Worker") {
      actions.appendChild(el("button", { type: "button", id: "show-chain", text: "Placement chain", onclick: function () { chain(item.id); } }));
      actions.appendChild(el("button", { type: "button", text: "Rights", onclick: function () { rights(item.id); } }));
    }
    if (item.label === "Agency") {
      actions.appendChild(el("button", { type: "button", id: "show-network", text: "Agency network", onclick: function () { network(item.id); } }));
    }
    actions.appendChild(el("button", { type: "button", class: "secondary", text: "Start path here", onclick: function () { setEnd("from", item); } }));
    actions.appendChild(el("button", { type: "button", class: "secondary", text: "End path here", onclick: function () { setEnd("to", item); } }));
    box.appendChild(actions);
  }

  function entityLink(item, label) {
    return link(item.name || item.id, function () { open({ label: label, id: item.id, name: item.name }); });
  }

  function names(items, label) {
    var span = el("span");
    if (!items || !items.length) return el("span", { class: "muted", text: "—" });
    items.forEach(function (x, i) {
      if (i) span.appendChild(document.createTextNode("; "));
      span.appendChild(entityLink(x, label));
    });
    return span;
  }

  // -- a worker's chain -------------------------------------------------------------------------
  function chain(ref) {
    api("/workers/" + enc(ref) + "/chain").then(function (c) {
      var w = c.worker;
      var box = show("Placement chain of " + (w.name || w.id));
      box.appendChild(facts([
        ["Worker id", w.id], ["NIK", w.nik], ["Passport", w.passport_no], ["Born", w.birth_date], ["Sex", w.sex],
        ["Phone", w.phone], ["Address", w.address],
        ["From", [c.origin.regency, c.origin.province].filter(Boolean).map(function (r) { return r.name; }).join(", ")],
        ["Records", c.sources.map(function (s) { return s.id; }).join(", ")],
      ]));
      var byEntity = {};
      c.flags.forEach(function (f) { (byEntity[f.entity_id] = byEntity[f.entity_id] || []).push(f); });
      box.appendChild(el("h4", { text: c.placements.length + " placement" + (c.placements.length === 1 ? "" : "s") + ", oldest first" }));
      var list = el("ol", { class: "timeline" });
      c.placements.forEach(function (p) {
        var li = el("li", { class: p.status === "CANCELLED" ? "cancelled" : "" });
        li.appendChild(el("div", {}, el("span", { class: "when", text: p.date || "undated" }), " · " + (p.status || "").toLowerCase() + (p.job ? " · " + p.job : "")));
        [["Sponsor", p.sponsors, "Sponsor"], ["Training centre", p.training, "TrainingInstitute"], ["Agency (P3MI)", p.agencies, "Agency"],
          ["Partner abroad", p.partners, "PartnerAgency"], ["Employer", p.employers, "Employer"], ["Country", p.countries, "Country"]]
          .forEach(function (s) { li.appendChild(el("div", { class: "step" }, el("span", { class: "role", text: s[0] }), names(s[1], s[2]))); });
        if (p.cost_to_worker !== null && p.cost_to_worker !== undefined) li.appendChild(el("div", { class: "step" }, el("span", { class: "role", text: "Cost to worker" }), "Rp " + Number(p.cost_to_worker).toLocaleString("id-ID")));
        li.appendChild(el("div", { class: "muted", text: "records: " + p.sources.map(function (s) { return s.id; }).join(", ") }));
        var ids = [p.id].concat(p.sponsors, p.training, p.agencies, p.partners, p.employers).map(function (x) { return x.id || x; });
        ids.forEach(function (id) { (byEntity[id] || []).forEach(function (f) { li.appendChild(flag(f)); }); });
        p.cases.forEach(function (k) { li.appendChild(el("span", { class: "flag" }, el("strong", { text: "Complaint " }), [k.date, k.kind, k.status].filter(Boolean).join(" · "))); });
        list.appendChild(li);
      });
      box.appendChild(list);
      var other = c.flags.filter(function (f) { return f.entity_label === "Worker" || f.entity_label === "Passport" || f.entity_label === "Case"; });
      if (other.length) { box.appendChild(el("h4", { text: "Flags on the worker" })); other.forEach(function (f) { box.appendChild(flag(f)); }); }
      if (c.conflicts.length) {
        box.appendChild(el("h4", { text: "Where the sources disagree" }));
        c.conflicts.forEach(function (k) { box.appendChild(el("div", { class: "conflict", text: k.detail + (k.values.length ? ": " + k.values.map(function (v) { return v.value; }).join(" vs ") : "") })); });
      }
      box.appendChild(el("div", { class: "actions" }, el("button", { type: "button", text: "Rights", onclick: function () { rights(w.id); } })));
    }).catch(function () {});
  }

  function flag(f) {
    return el("span", { class: "flag" }, el("strong", { text: "Red flag " + f.rule + ": " }), f.summary);
  }

  // -- rights -----------------------------------------------------------------------------------
  var RIGHTS = { zero_placement_cost: "No placement fee charged to the worker", social_security: "Social security (BPJS)",
    work_contract: "A work contract", placement_agreement: "A placement agreement", competency_certificate: "A competency certificate",
    licensed_agency: "Placed by a licensed agency", own_passport: "Keeps their own passport", paid_wage: "Paid their wage" };

  function rights(ref) {
    api("/workers/" + enc(ref) + "/rights").then(function (r) {
      var box = show("Rights of " + (r.worker.name || r.worker.id));
      box.appendChild(el("p", { class: r.gaps.length ? "status-violated" : "status-met",
        text: r.gaps.length ? r.gaps.length + " right(s) missing or violated" : "No gaps found in the records." }));
      var byPlacement = {};
      r.rights.forEach(function (e) { (byPlacement[e.placement] = byPlacement[e.placement] || []).push(e); });
      Object.keys(byPlacement).forEach(function (pl) {
        box.appendChild(el("h4", { text: "Placement " + pl }));
        byPlacement[pl].forEach(function (e) {
          box.appendChild(el("div", { class: "right-row" }, el("span", { text: RIGHTS[e.right] || e.right.replace(/_/g, " ") }),
            el("span", { class: "status-" + e.status, text: e.status.replace("_", " ") })));
        });
      });
      box.appendChild(el("div", { class: "actions" }, el("button", { type: "button", text: "Placement chain", onclick: function () { chain(r.worker.id); } })));
    }).catch(function () {});
  }

  // -- an agency's network ----------------------------------------------------------------------
  function network(ref) {
    api("/agencies/" + enc(ref) + "/network", { limit: 10 }).then(function (n) {
      var a = n.agency;
      var box = show("Network of " + (a.name || a.id));
      box.appendChild(facts([
        ["Licence", a.licence_no], ["Status", a.status], ["Licence valid today", n.licence.valid_today === undefined ? null : (n.licence.valid_today ? "yes" : "NO")],
        ["Region", n.region && n.region.name], ["Placements", n.placements.count + (n.placements.first ? " (" + n.placements.first + " – " + n.placements.last + ")" : "")],
      ]));
      function section(title, list, label, extra) {
        if (!list || !list.length) return;
        box.appendChild(el("h4", { text: title }));
        var ul = el("ul", { class: "plain" });
        list.forEach(function (x) { ul.appendChild(el("li", {}, label ? entityLink(x, label) : (x.name || x.id || ""), extra ? " " + extra(x) : "")); });
        box.appendChild(ul);
      }
      function count(x) { return "— " + x.placements + " placement" + (x.placements === 1 ? "" : "s"); }
      section("Head office", n.head_office, "Agency");
      section("Branches", n.branches, "Agency");
      section("Sub-agent of", n.sub_agent_of, "Agency");
      section("Sub-agents", n.sub_agents, "Sponsor");
      section("Sponsors recruiting for it (" + n.sponsors.total + ")", n.sponsors.items, "Sponsor", count);
      section("Training centres of its workers (" + n.training.total + ")", n.training.items, "TrainingInstitute", count);
      section("Partner agencies abroad (" + n.partners.total + ")", n.partners.items, "PartnerAgency", count);
      section("Employers (" + n.employers.total + ")", n.employers.items, "Employer", count);
      section("Countries (" + n.countries.total + ")", n.countries.items, "Country", count);
      section("Routes: partner abroad and country (" + n.routes.total + ")", n.routes.items.map(function (r) {
        return { id: r.partner, name: (r.partner_name || r.partner || "no partner") + " → " + (r.country || "?"), placements: r.placements };
      }), null, count);
      section("Shares identifiers with", n.shared_identifiers.map(function (s) { return { id: s.id, name: (s.name || s.id) + " (" + s.kind + ")", label: s.label }; }));
      section("Complaint cases", n.cases.map(function (k) { return { id: k.id, name: [k.date, k.kind, k.status].filter(Boolean).join(" · ") }; }), "Case");
    }).catch(function () {});
  }

  // -- paths ------------------------------------------------------------------------------------
  function setEnd(which, item) {
    pathEnds[which] = item;
    $("path-" + which).textContent = item.name || item.id;
    $("find-path").disabled = !(pathEnds.from && pathEnds.to);
  }

  $("find-path").addEventListener("click", function () {
    api("/path", { from: pathEnds.from.id, to: pathEnds.to.id, max_depth: 6 }).then(function (p) {
      var box = show("Path from " + (pathEnds.from.name || pathEnds.from.id) + " to " + (pathEnds.to.name || pathEnds.to.id));
      if (!p.found) {
        box.appendChild(el("p", { text: p.complete ? "No connection within 6 steps." : "No connection found within the search limits." }));
        return;
      }
      clearGraph();
      $("graph-title").textContent = "Shortest path: " + p.length + " step" + (p.length === 1 ? "" : "s");
      var byId = {};
      p.nodes.forEach(function (n) { byId[n.id] = addNode(n, "path"); });
      p.relationships.forEach(function (r) {
        if (!byId[r.from] || !byId[r.to]) return;
        var edge = G.edgeElement(byId[r.from].id(), byId[r.to].id(), r.type);
        cy.add(edge).addClass("path");
      });
      G.layout(cy, true);
      var ol = el("ol", { class: "plain" });
      p.nodes.forEach(function (n, i) {
        var via = i < p.relationships.length ? " — " + G.relation(p.relationships[i].type) + " —" : "";
        ol.appendChild(el("li", {}, badge(n.label), link(G.caption(n), function () { select(n); }), via));
      });
      box.appendChild(ol);
    }).catch(function () {});
  });

  // -- red flags --------------------------------------------------------------------------------
  /* Red flags over the whole graph, a rule at a time and a page at a time. */
  var FLAG_PAGE = 50;
  var flagRules = null; // every rule's count and title, from the first, unfiltered call

  function flagsView(rule, offset) {
    api("/flags", { rule: rule, limit: FLAG_PAGE, offset: offset }).then(function (r) {
      if (!rule) flagRules = { counts: r.counts, titles: r.titles };
      var title = rule ? rule + " " + (flagRules.titles[rule] || "") : "every rule";
      var box = show("Red flags: " + title + " (" + r.total.toLocaleString() + ")");
      var chooser = el("p", { class: "chooser" }, link("All rules", function () { flagsView(null, 0); }));
      Object.keys(flagRules.counts).forEach(function (k) {
        chooser.appendChild(document.createTextNode(" · "));
        var text = k + " " + (flagRules.titles[k] || "") + " (" + flagRules.counts[k].toLocaleString() + ")";
        chooser.appendChild(k === rule ? el("strong", { text: text }) : link(text, function () { flagsView(k, 0); }));
      });
      box.appendChild(chooser);
      r.items.forEach(function (f) {
        var line = el("span", { class: "flag", "data-rule": f.rule }, el("strong", { text: f.rule + " " }), f.summary + " ");
        line.appendChild(link(G.kind(f.entity_label).name + " " + f.entity_id, function () { open({ label: f.entity_label, id: f.entity_id }); }));
        var worker = (f.evidence || {}).worker;
        if (typeof worker === "string") {
          line.appendChild(document.createTextNode(" · "));
          line.appendChild(link("the worker's chain", function () { chain(worker); }));
        }
        box.appendChild(line);
      });
      var pages = el("p", { class: "muted" }, "Showing " + (r.total ? offset + 1 : 0) + "–" + Math.min(offset + FLAG_PAGE, r.total) + " of " + r.total.toLocaleString() + " ");
      if (offset > 0) pages.appendChild(link("previous", function () { flagsView(rule, Math.max(0, offset - FLAG_PAGE)); }));
      if (offset > 0 && offset + FLAG_PAGE < r.total) pages.appendChild(document.createTextNode(" · "));
      if (offset + FLAG_PAGE < r.total) pages.appendChild(link("next", function () { flagsView(rule, offset + FLAG_PAGE); }));
      box.appendChild(pages);
    }).catch(function () {});
  }

  $("flags-button").addEventListener("click", function () { flagsView(null, 0); });

  // -- start ------------------------------------------------------------------------------------
  ensureGraph();
  if (sessionStorage.getItem(KEY)) signIn(sessionStorage.getItem(KEY)).catch(function () {});
  window.JejakApp = { graph: function () { return cy; }, open: open, expand: expand, chain: chain, network: network, rights: rights, selected: function () { return selected; } };
})();
