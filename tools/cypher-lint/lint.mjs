// Lint Cypher with Neo4j's own linter (@neo4j-cypher/language-support), without a Neo4j server.
// The package declares node >= 24.11.1 (npm warns EBADENGINE) but linting runs on Node.js 20:
// tests/test_neo4j_lint.py checks that both clean and broken queries get the right verdict.
//
// stdin:  {"labels": [...], "relationshipTypes": [...], "propertyKeys": [...],
//          "graphSchema": [{"from": "Worker", "to": "Placement", "relType": "HAS_PLACEMENT"}, ...],
//          "queries": [{"name": "...", "text": "...", "parameters": {...}}]}
// stdout: {"<name>": [{"severity": "error"|"warning"|"information"|"hint", "message": "...",
//                      "line": 1, "column": 1, "offset": 0, "end": 4}], ...}
// Lines and columns are 1-based; offsets are 0-based character offsets into the text.
//
// What the dbSchema gives the linter, and why:
// - labels, relationshipTypes, propertyKeys: unknown ones are reported as warnings (typos);
// - parameters: a $name not listed is an error, so every query brings its own;
// - graphSchema (from -[relType]-> to triples): a pattern that joins a label to a relationship
//   type the schema never allows at that end, or in that direction, is a warning;
// - procedures and functions: without a list the linter accepts any name (it checks nothing).
//   The package ships the signatures of a real Neo4j 5 (testData.mockSchema, also used by its
//   own tests). We drop the APOC and GDS plugins from them, because Jejak's Neo4j runs without
//   plugins: a call to apoc.* or gds.*, or a misspelt built-in, then becomes an error, and the
//   number and names of arguments and YIELD columns are checked against the signature.
import { lintCypherQuery, testData } from '@neo4j-cypher/language-support';

const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };
const PLUGIN = /^(apoc|gds)\./;

function withoutPlugins(scoped) {
  const out = {};
  for (const [version, registry] of Object.entries(scoped)) {
    out[version] = Object.fromEntries(Object.entries(registry).filter(([name]) => !PLUGIN.test(name)));
  }
  return out;
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const input = JSON.parse(await readStdin());
const base = {
  labels: input.labels ?? [],
  relationshipTypes: input.relationshipTypes ?? [],
  propertyKeys: input.propertyKeys ?? [],
  graphSchema: input.graphSchema,
  procedures: withoutPlugins(testData.mockSchema.procedures),
  functions: withoutPlugins(testData.mockSchema.functions),
  defaultLanguage: 'CYPHER 5', // what Neo4j 5 runs when a query names no version
};

const results = {};
for (const query of input.queries ?? []) {
  const { diagnostics } = lintCypherQuery(query.text, { ...base, parameters: query.parameters ?? {} });
  results[query.name] = diagnostics.map((d) => ({
    severity: SEVERITY[d.severity] ?? String(d.severity),
    message: d.message,
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    offset: d.offsets.start,
    end: d.offsets.end,
  }));
}
process.stdout.write(JSON.stringify(results));
