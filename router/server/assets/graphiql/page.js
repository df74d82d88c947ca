// The router's GraphiQL page: queries and mutations go over HTTP POST to this page's own URL,
// subscriptions over WebSocket (graphql-transport-ws) at the same path. The headers typed in
// the Headers tab go with every request, and as the WebSocket's connection_init payload.
(function () {
  'use strict';

  var scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  var config = {
    url: location.origin + location.pathname,
    subscriptionUrl: scheme + '//' + location.host + location.pathname,
  };
  // Read by tests and handy in the console.
  window.graphiqlConfig = config;

  var defaultQuery = [
    '# GraphiQL, served by the router. Write an operation and run it',
    '# with Ctrl-Enter or the run button; Docs (left) shows the API.',
    '#',
    '# Queries and mutations: POST ' + config.url,
    '# Subscriptions: graphql-transport-ws at ' + config.subscriptionUrl,
    '# Headers tab below: {"Authorization": "Bearer <token>"}',
    '',
    '{',
    '  __typename',
    '}',
    '',
  ].join('\n');

  var fetcher = GraphiQL.createFetcher({
    url: config.url,
    subscriptionUrl: config.subscriptionUrl,
  });

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: 'headers',
    })
  );
})();
