'use strict';
// A TCP echo exchange through sock6d, then a stream followed.
// All three sockets are the daemon's: a listener on 127.0.0.1 (port chosen
// by the kernel), a client that connects to it, and the accepted
// connection, which echoes one message back. Then the client subscribes:
// the accepted side sends three lines and shuts down, and each chunk is
// printed until the end of the stream.
// Usage: node examples/echo.js [CONTROL-SOCKET-PATH]
const sock6d = require('sock6d');

async function main() {
  const c = await sock6d.connect({ path: process.argv[2] }); // default path when absent

  const server = await c.socket({ family: 'inet', type: 'stream' });
  const address = (await server.bind('127.0.0.1:0')).string;
  await server.listen();
  const client = await c.socket({ family: 'inet', type: 'stream' });
  await client.connect(address);
  const conn = await server.accept();
  console.log('connected:', address);

  await client.sendAll('hello, sock6d');
  await conn.sendAll(await conn.receive(100)); // the echo
  console.log('echoed:', (await client.receive(100)).toString());

  await conn.sendAll('line 0\nline 1\nline 2\n'); // a stream, then EOF
  await conn.shutdown('wr');
  for await (const chunk of c.subscribe(client, { encoding: 'text' })) process.stdout.write(`data: ${chunk}`);
  console.log('eof');

  await c.close(); // connection-scoped sockets close with the connection
}

main().catch((e) => { console.error(e); process.exit(1); });
