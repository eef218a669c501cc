// SOAP calls through node-soap (npm `soap`, pinned in package.json), as a Node shop would make them:
// the client built from the served WSDL alone by soap.createClientAsync with its default options, one
// client per WSDL, the SessionHeader added with client.addSoapHeader.
// Reads one JSON request a line on stdin: {"wsdl", "operation" | null, "arguments",
// "header": {"namespace", "token"} | null}; writes one JSON answer a line on stdout:
// {"operations": {service: {port: [operation, ...]}}} and "result", or "fault" (node-soap's
// err.root.Envelope.Body.Fault as it parsed it), or "error" (anything else node-soap threw).
'use strict';
const readline = require('node:readline');
const soap = require('soap');

const clients = new Map();

function load(wsdl) {
  if (!clients.has(wsdl)) clients.set(wsdl, soap.createClientAsync(wsdl));
  return clients.get(wsdl);
}

function operations(client) {
  const found = {};
  for (const [service, ports] of Object.entries(client.describe())) {
    found[service] = {};
    for (const [port, methods] of Object.entries(ports)) found[service][port] = Object.keys(methods);
  }
  return found;
}

async function answer(request) {
  let client;
  try {
    client = await load(request.wsdl);
  } catch (error) {
    clients.delete(request.wsdl);
    return { error: `createClientAsync: ${error && error.stack}` };
  }
  const answered = { operations: operations(client) };
  if (!request.operation) return answered;
  client.clearSoapHeaders();
  if (request.header) {
    // the header's element and its token in the service's namespace, as the WSDL declares them
    client.addSoapHeader({ SessionHeader: { token: request.header.token } }, '', 'tns', request.header.namespace);
  }
  const method = client[`${request.operation}Async`];
  if (typeof method !== 'function') return { ...answered, error: `no method ${request.operation}Async` };
  try {
    // document/literal wrapped: the argument is the request element's children
    const [result] = await method.call(client, request.arguments || {});
    return { ...answered, result: result === undefined ? null : result, request: client.lastRequest };
  } catch (error) {
    const fault = error && error.root && error.root.Envelope && error.root.Envelope.Body
      && error.root.Envelope.Body.Fault;
    if (fault) return { ...answered, fault, request: client.lastRequest };
    return { ...answered, error: String(error && error.stack), request: client.lastRequest };
  }
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    process.stdout.write(`${JSON.stringify(await answer(JSON.parse(line)))}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack}\n`);
  process.exit(1);
});
