// roqmock's GraphiQL explorer: GraphiQL, React and Monaco's workers, all served by roqmock itself.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';

// The workers sit beside this file and share its ?v= build stamp (roqmock caches stamped URLs for good).
const stamp = new URL(import.meta.url).search;
const WORKERS = { json: 'json.worker.js', graphql: 'graphql.worker.js' };
globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    return new Worker(new URL((WORKERS[label] ?? 'editor.worker.js') + stamp, import.meta.url));
  },
};

const config = JSON.parse(document.getElementById('roqmock-explorer').textContent);
// Headers come from the URL fragment (#headers={...}), which never reaches the server.
const initialHeaders = new URLSearchParams(window.location.hash.slice(1)).get('headers') || '';
const fetcher = createGraphiQLFetcher({ url: window.location.pathname });

createRoot(document.getElementById('graphiql')).render(
  createElement(GraphiQL, {
    fetcher,
    defaultEditorToolsVisibility: true,
    initialQuery: config.query,
    initialHeaders,
  }),
);
