'use strict';
// A TCP echo exchange with a peer on 127.0.0.1, then following a stream.
// Usage: node examples/echo.js [CONTROL-SOCKET-PATH]
const sock6d = require('sock6d');

async function main() {
  const c = await sock6d.connect({ path: process.argv[2] }); // default path when absent

  // A listener on 127.0.0.1, port chosen by the kernel.
  const server = await c.socket({ family: 'inet', type: 'stream' });
  await server.setopt('so-reuse-address', true);
  const bound = await server.bind('127.0.0.1:0');
  await server.listen();

  // A client connects; the server accepts and echoes one message back.
  const client = await c.socket({ family: 'inet', type: 'stream' });
  const [conn] = await Promise.all([server.accept({ timeout: 5000 }), client.connect(bound.string)]);
  await client.sendAll('hello, sock6d\n');
  const got = await conn.receive(100);
  await conn.sendAll(got);
  console.log('echoed:', (await client.receive(100)).toString().trim());

  // Following a stream: the client sends, then shuts down its write side;
  // the accepted socket's bytes arrive as chunks until end of stream.
  await client.sendAll('one\ntwo\nthree\n');
  await client.shutdown('wr');
  let text = '';
  for await (const chunk of c.subscribe(conn, { encoding: 'text' })) text += chunk;
  console.log('followed:', JSON.stringify(text));

  await c.close(); // connection-scoped sockets close with the connection
}

main().catch((e) => { console.error(e); process.exit(1); });
