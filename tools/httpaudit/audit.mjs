// Runs graphql-http's server audit (the GraphQL-over-HTTP specification's
// MUST, SHOULD and MAY rules) against a running server and prints one line
// per rule. Exits 1 when a MUST or SHOULD rule does not pass.
//
//   node audit.mjs http://127.0.0.1:8080/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql url>');
  process.exit(2);
}
const results = await auditServer({ url });
let failed = 0;
for (const r of results) {
  const required = r.name.startsWith('MUST') || r.name.startsWith('SHOULD');
  if (r.status !== 'ok' && required) failed++;
  console.log(`${r.status === 'ok' ? 'ok  ' : required ? 'FAIL' : 'may '} ${r.id} ${r.name}${r.status === 'ok' ? '' : ': ' + r.reason}`);
}
console.log(`${results.length} rules, ${failed} MUST or SHOULD not passing`);
process.exit(failed ? 1 : 0);
