"""Named, parameterised Cypher queries for investigators, the API and reports."""
