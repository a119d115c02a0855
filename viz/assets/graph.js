/* Jejak graph drawing, shared by the investigator's page (/) and `jejak viz` pages.
 * Needs cytoscape.js (vendored: api/static/vendor/cytoscape.min.js). No network access. */
(function (root) {
  "use strict";

  var KINDS = {
    Worker: { name: "Worker", colour: "#d9480f", shape: "ellipse" },
    Placement: { name: "Placement", colour: "#868e96", shape: "round-rectangle" },
    Agency: { name: "Agency (P3MI)", colour: "#1864ab", shape: "round-rectangle" },
    Sponsor: { name: "Sponsor (field recruiter)", colour: "#e8590c", shape: "diamond" },
    TrainingInstitute: { name: "Training centre (LPK)", colour: "#5f3dc4", shape: "round-rectangle" },
    PartnerAgency: { name: "Partner agency abroad", colour: "#0b7285", shape: "round-rectangle" },
    Employer: { name: "Employer", colour: "#2b8a3e", shape: "round-rectangle" },
    Country: { name: "Country", colour: "#364fc7", shape: "hexagon" },
    Region: { name: "Region of origin", colour: "#74b816", shape: "hexagon" },
    Case: { name: "Complaint case", colour: "#c92a2a", shape: "star" },
    Phone: { name: "Phone number", colour: "#495057", shape: "tag" },
    Address: { name: "Address", colour: "#495057", shape: "tag" },
    Passport: { name: "Passport", colour: "#495057", shape: "tag" },
    Person: { name: "Person (director)", colour: "#a61e4d", shape: "ellipse" },
    SourceRecord: { name: "Source record", colour: "#adb5bd", shape: "rectangle" },
    Source: { name: "Data source", colour: "#adb5bd", shape: "rectangle" },
    MatchDecision: { name: "Match decision", colour: "#adb5bd", shape: "rectangle" },
  };

  var RELATIONS = {
    HAS_PLACEMENT: "placement",
    PLACED_BY: "placed by",
    RECRUITED_BY: "recruited by",
    TRAINED_AT: "trained at",
    THROUGH_PARTNER: "through partner",
    EMPLOYED_BY: "employed by",
    DESTINATION: "to",
    FROM_REGION: "from",
    PART_OF: "part of",
    BRANCH_OF: "branch of",
    SUB_AGENT_OF: "sub-agent of",
    REPORTED_IN: "reported in",
    FROM_SOURCE: "from source",
    CONCERNS: "concerns",
    HAS_PHONE: "phone",
    HAS_ADDRESS: "address",
    HOLDS_PASSPORT: "passport",
    DIRECTS: "directs",
    LOCATED_IN: "located in",
    EMPLOYER_IN: "employer in",
    PARTNER_OF: "partner of",
    POSSIBLY_SAME: "possibly the same person",
  };

  function kind(label) {
    return KINDS[label] || { name: label, colour: "#495057", shape: "ellipse" };
  }

  function relation(type) {
    return RELATIONS[type] || String(type || "").toLowerCase().replace(/_/g, " ");
  }

  /* A short caption for a node: its name, or what describes a placement, or its id. */
  function caption(item) {
    var p = item.props || {};
    if (item.label === "Placement") {
      var date = p.departure_date || p.registration_date || p.arrival_date || "";
      return ["Placement", date, p.status ? "(" + p.status.toLowerCase() + ")" : ""].join(" ").trim();
    }
    var text = item.name || p.name || p.text || item.id;
    return text.length > 38 ? text.slice(0, 36) + "…" : text;
  }

  var masked = 0;
  /* The graph element id of an entity: label and id. A masked id ("+62***12") may stand for several
     numbers, so it is told apart by where it was reached from (``via``: a neighbour and relation),
     which also draws it once however often that neighbour is expanded. */
  function key(label, id, via) {
    if (isMasked(id)) {
      if (via) return label + "|" + id + "|" + via;
      masked += 1;
      return label + "|" + id + "|" + masked;
    }
    return label + "|" + id;
  }

  function isMasked(id) {
    return String(id).indexOf("*") >= 0;
  }

  function style() {
    var s = [
      {
        selector: "node",
        style: {
          label: "data(caption)",
          "font-size": 10,
          "font-family": "system-ui, sans-serif",
          color: "#212529",
          "text-valign": "bottom",
          "text-margin-y": 4,
          "text-wrap": "wrap",
          "text-max-width": 120,
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.8,
          "text-background-padding": 1,
          width: 26,
          height: 26,
          "background-color": "#868e96",
          "border-width": 2,
          "border-color": "#ffffff",
        },
      },
      {
        selector: "edge",
        style: {
          width: 1.5,
          "line-color": "#ced4da",
          "target-arrow-color": "#ced4da",
          "target-arrow-shape": "triangle",
          "curve-style": "bezier",
          label: "data(caption)",
          "font-size": 9,
          color: "#868e96",
          "text-rotation": "autorotate",
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.8,
        },
      },
      { selector: "node.more", style: { shape: "round-rectangle", "background-color": "#f1f3f5", "border-color": "#adb5bd", "border-style": "dashed", width: 150, height: 22, "text-valign": "center", "text-margin-y": 0, "font-size": 10, color: "#495057", "text-background-opacity": 0 } },
      { selector: "node.flagged", style: { "border-color": "#e03131", "border-width": 4 } },
      { selector: "node.focus", style: { width: 40, height: 40, "font-weight": "bold", "font-size": 13 } },
      { selector: "node:selected", style: { "border-color": "#fab005", "border-width": 5 } },
      { selector: "edge.path", style: { "line-color": "#f08c00", "target-arrow-color": "#f08c00", width: 4 } },
      { selector: "node.path", style: { "border-color": "#f08c00", "border-width": 4 } },
    ];
    Object.keys(KINDS).forEach(function (label) {
      s.push({ selector: 'node[kind = "' + label + '"]', style: { "background-color": KINDS[label].colour, shape: KINDS[label].shape } });
    });
    return s;
  }

  function nodeElement(item, classes, via) {
    return {
      group: "nodes",
      data: { id: key(item.label, item.id, via), ref: item.id, kind: item.label, caption: caption(item), item: item },
      classes: classes || "",
    };
  }

  function edgeElement(source, target, type) {
    return {
      group: "edges",
      data: { id: source + "->" + type + "->" + target, source: source, target: target, type: type, caption: relation(type) },
    };
  }

  function create(container, options) {
    return root.cytoscape(Object.assign({
      container: container,
      style: style(),
      wheelSensitivity: 0.3,
      minZoom: 0.15,
      maxZoom: 3,
    }, options || {}));
  }

  function layout(cy, fit) {
    cy.layout({
      name: "cose",
      animate: false,
      fit: fit !== false,
      padding: 30,
      nodeRepulsion: function () { return 400000; },
      idealEdgeLength: function () { return 110; },
      nodeOverlap: 40,
      componentSpacing: 80,
      randomize: false,
    }).run();
  }

  function legend(container, labels) {
    container.textContent = "";
    labels.forEach(function (label) {
      var row = document.createElement("span");
      row.className = "legend-item";
      var dot = document.createElement("span");
      dot.className = "legend-dot";
      dot.style.background = kind(label).colour;
      row.appendChild(dot);
      row.appendChild(document.createTextNode(kind(label).name));
      container.appendChild(row);
    });
  }

  root.JejakGraph = {
    KINDS: KINDS,
    kind: kind,
    relation: relation,
    caption: caption,
    key: key,
    isMasked: isMasked,
    style: style,
    nodeElement: nodeElement,
    edgeElement: edgeElement,
    create: create,
    layout: layout,
    legend: legend,
  };
})(window);
