// Fetches the schema of a running server with the standard introspection
// query (as GraphiQL and code generators do, without a token), then has
// GraphQL Code Generator (typescript + typescript-operations) write a
// typed client for operations.graphql. Any error or warning fails.
//
//   node codegen.mjs http://127.0.0.1:8080/graphql <output.ts>
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import { generate } from '@graphql-codegen/cli';

const [url, output] = process.argv.slice(2);
if (!url || !output) {
  console.error('usage: node codegen.mjs <graphql url> <output.ts>');
  process.exit(2);
}
const res = await fetch(url, {
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json;q=0.9' },
  body: JSON.stringify({ query: getIntrospectionQuery() }),
});
const introspection = await res.json();
if (res.status !== 200 || introspection.errors) {
  console.error(`introspection failed (${res.status}): ${JSON.stringify(introspection.errors)}`);
  process.exit(1);
}
const schemaFile = join(mkdtempSync(join(tmpdir(), 'helpdesk-codegen-')), 'schema.json');
writeFileSync(schemaFile, JSON.stringify(introspection));

const problems = [];
for (const level of ['warn', 'error']) {
  const original = console[level];
  console[level] = (...args) => {
    problems.push(args.join(' '));
    original(...args);
  };
}
await generate(
  {
    schema: schemaFile,
    documents: new URL('operations.graphql', import.meta.url).pathname,
    generates: {
      [output]: {
        plugins: ['typescript', 'typescript-operations'],
        config: {
          strictScalars: true,
          scalars: { Time: 'string', Cursor: 'string', Map: 'Record<string, unknown>' },
          enumsAsTypes: true,
        },
      },
    },
    silent: true,
    errorsOnly: true,
  },
  true,
);
if (problems.length > 0) {
  console.error(`${problems.length} warnings or errors`);
  process.exit(1);
}
console.log(`wrote ${output}`);
