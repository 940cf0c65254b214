'use strict';
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert');
const crypto = require('crypto');
const path = require('path');
const { execFile } = require('child_process');
const sock6d = require('..');
const { startDaemon } = require('./daemon');

describe('sock6d client', () => {
  let d;
  let c;

  before(async () => {
    d = await startDaemon();
    c = await sock6d.connect({ path: d.path });
  });

  after(async () => {
    if (c) await c.close();
    if (d) await d.stop();
  });

  async function tcpPair() {
    const srv = await c.socket({ family: 'inet', type: 'stream' });
    const addr = await srv.bind('127.0.0.1:0');
    await srv.listen();
    const cli = await c.socket({ family: 'inet', type: 'stream' });
    const [acc] = await Promise.all([srv.accept({ timeout: 5000 }), cli.connect(addr.string, { timeout: 5000 })]);
    return { srv, cli, acc, addr };
  }

  it('default path rules', () => {
    assert.strictEqual(sock6d.defaultSocketPath({ SOCK6D_SOCKET: '/x/y.sock' }), '/x/y.sock');
    const uid = process.geteuid();
    const p = sock6d.defaultSocketPath({ XDG_RUNTIME_DIR: '/run/user/77' });
    assert.strictEqual(p, uid === 0 ? '/run/sock6d/sock6d.sock' : '/run/user/77/sock6d.sock');
    const q = sock6d.defaultSocketPath({ XDG_RUNTIME_DIR: '' });
    assert.strictEqual(q, uid === 0 ? '/run/sock6d/sock6d.sock' : `/tmp/sock6d-${uid}/sock6d.sock`);
  });

  it('plain calls', async () => {
    assert.deepStrictEqual(await c.call('daemon.ping'), { pong: true });
    const v = await c.call('daemon.version');
    assert.strictEqual(v.protocol, 1);
    const all = await Promise.all([1, 2, 3].map(() => c.call('daemon.ping')));
    assert.strictEqual(all.length, 3);
  });

  it('MethodNotFound with didYouMean', async () => {
    await assert.rejects(c.call('socket.craete', {}), (e) => {
      assert.ok(e instanceof sock6d.MethodNotFound);
      assert.ok(e instanceof sock6d.Sock6dError);
      assert.strictEqual(e.code, -32601);
      assert.strictEqual(e.didYouMean, 'socket.create');
      return true;
    });
  });

  it('InvalidParams names the param', async () => {
    await assert.rejects(c.call('socket.create', { family: 'inet', type: 'stream', scpoe: 'connection' }), (e) => {
      assert.ok(e instanceof sock6d.InvalidParams);
      assert.strictEqual(e.code, -32602);
      assert.strictEqual(e.data.param, 'scpoe');
      assert.strictEqual(e.didYouMean, 'scope');
      return true;
    });
  });

  it('NoSuchHandle', async () => {
    const s = await c.socket({ family: 'inet', type: 'stream' });
    await s.close();
    await assert.rejects(s.info(), (e) => {
      assert.ok(e instanceof sock6d.NoSuchHandle);
      assert.strictEqual(e.code, 1010);
      return true;
    });
  });

  it('TransientError from a refused connect', async () => {
    const holder = await c.socket({ family: 'inet', type: 'stream' });
    const addr = await holder.bind('127.0.0.1:0'); // bound, never listening: refused
    const s = await c.socket({ family: 'inet', type: 'stream' });
    await assert.rejects(s.connect(addr.string, { timeout: 5000 }), (e) => {
      assert.ok(e instanceof sock6d.TransientError);
      assert.ok(e instanceof sock6d.NetError);
      assert.strictEqual(e.code, 1001);
      assert.strictEqual(e.errname, 'ECONNREFUSED');
      assert.strictEqual(typeof e.errno, 'number');
      assert.deepStrictEqual(e.kind, ['exn', 'i/o', 'net', 'transient']);
      return true;
    });
    await s.info(); // the handle stays valid
    await s.close();
    await holder.close();
  });

  it('LimitReached', async () => {
    const d2 = await startDaemon(['--limit', 'handles_per_user=2']);
    const c2 = await sock6d.connect({ path: d2.path });
    try {
      await c2.socket();
      await c2.socket();
      await assert.rejects(c2.socket(), (e) => {
        assert.ok(e instanceof sock6d.LimitReached);
        assert.strictEqual(e.code, 1012);
        assert.deepStrictEqual(e.kind, ['exn', 'sock6d', 'limit']);
        return true;
      });
    } finally {
      await c2.close();
      await d2.stop();
    }
  });

  it('Busy on a subscribed handle', async () => {
    const { srv, cli, acc } = await tcpPair();
    const it = c.subscribe(acc);
    const c3 = await sock6d.connect({ path: d.path });
    try {
      await cli.sendAll('x');
      const first = await it.next();
      assert.strictEqual(first.value.toString(), 'x');
      await assert.rejects(acc.receive(1), (e) => e instanceof sock6d.Busy && e.code === 1013);
    } finally {
      await it.return();
      await c3.close();
    }
    for (const s of [srv, cli, acc]) await s.close();
  });

  it('Socket echo over TCP', async () => {
    const { srv, cli, acc, addr } = await tcpPair();
    assert.strictEqual((await cli.peer()).port, addr.port);
    assert.strictEqual((await srv.name()).port, addr.port);
    assert.strictEqual(await cli.send(Buffer.from([0, 1, 2, 255])), 4);
    const got = await acc.receive(16);
    assert.deepStrictEqual([...got], [0, 1, 2, 255]);
    await acc.sendAll(got);
    assert.deepStrictEqual([...(await cli.receive(16))], [0, 1, 2, 255]);
    await cli.setopt('tcp-no-delay', true);
    assert.strictEqual(await cli.getopt('tcp-no-delay'), true);
    const info = await cli.info();
    assert.strictEqual(info.handle, cli.handle);
    await cli.shutdown('wr');
    const eof = await acc.receive(16);
    assert.strictEqual(eof.length, 0);
    for (const s of [srv, cli, acc]) await s.close();
  });

  it('datagrams', async () => {
    const a = await c.socket({ family: 'inet', type: 'dgram' });
    const b = await c.socket({ family: 'inet', type: 'dgram' });
    const aa = await a.bind('127.0.0.1:0');
    const ba = await b.bind('127.0.0.1:0');
    assert.strictEqual(await b.sendTo('ping', aa.string), 4);
    const r = await a.receiveFrom(100, { timeout: 5000 });
    assert.strictEqual(r.data.toString(), 'ping');
    assert.strictEqual(r.address.port, ba.port);
    await a.sendTo(Buffer.from('pong'), r.address);
    assert.strictEqual((await b.receiveFrom(100, { timeout: 5000 })).data.toString(), 'pong');
    // the datagrams of a subscription, one chunk each
    const it = a.subscribe();
    for (const m of ['d1', 'd2', 'd3']) await b.sendTo(m, aa.string);
    const seen = [];
    for await (const dg of it) {
      seen.push(dg.toString());
      if (seen.length === 3) break;
    }
    assert.deepStrictEqual(seen, ['d1', 'd2', 'd3']);
    await a.close();
    await b.close();
  });

  it('subscribe: async iteration with credit over 1 MiB', async () => {
    const { srv, cli, acc } = await tcpPair();
    const payload = crypto.randomBytes(1 << 20);
    const it = c.subscribe(acc, { window: 65536 });
    const sending = cli.sendAll(payload, { timeout: 30000 }).then(() => cli.shutdown('wr'));
    const parts = [];
    let n = 0;
    for await (const chunk of it) {
      assert.ok(Buffer.isBuffer(chunk));
      parts.push(chunk);
      n += chunk.length;
    }
    await sending;
    assert.strictEqual(n, payload.length);
    assert.ok(Buffer.concat(parts).equals(payload), 'content differs');
    for (const s of [srv, cli, acc]) await s.close();
  });

  it('subscribe: text encoding', async () => {
    const { srv, cli, acc } = await tcpPair();
    await cli.sendAll('héllo wörld');
    await cli.shutdown('wr');
    let text = '';
    for await (const chunk of c.subscribe(acc, { encoding: 'text' })) {
      assert.strictEqual(typeof chunk, 'string');
      text += chunk;
    }
    assert.strictEqual(text, 'héllo wörld');
    for (const s of [srv, cli, acc]) await s.close();
  });

  it('subscribeReadable: backpressure drives credit', async () => {
    const { srv, cli, acc } = await tcpPair();
    const payload = crypto.randomBytes(4 << 20);
    const window = 65536;
    const hwm = 65536;
    const rd = c.subscribeReadable(acc, { window, highWaterMark: hwm });
    let paused = false;
    const onNote = (m, p) => { if (m === 'socket.paused' && p.handle === acc.handle) paused = true; };
    c.on('notification', onNote);
    const sending = cli.sendAll(payload, { timeout: 60000 }).then(() => cli.shutdown('wr'));
    // Nobody reads: the daemon must stop at the credit granted, and the
    // Readable's buffer stays bounded.
    const deadline = Date.now() + 10000;
    while (!paused) {
      assert.ok(Date.now() < deadline, 'no socket.paused while the reader holds back');
      await new Promise((r) => setImmediate(r));
      await c.call('daemon.ping');
    }
    const info = await acc.info();
    assert.strictEqual(info.credit, 0);
    assert.ok(rd.readableLength <= window + hwm, `buffered ${rd.readableLength}`);
    assert.ok(info.bytes_in < payload.length, 'the whole payload was read without credit');
    c.removeListener('notification', onNote);
    // Now read: everything arrives, in order.
    const parts = [];
    for await (const chunk of rd) parts.push(chunk);
    await sending;
    assert.ok(Buffer.concat(parts).equals(payload), 'content differs');
    for (const s of [srv, cli, acc]) await s.close();
  });

  it('attach: Duplex both ways with half-close', async () => {
    const { srv, cli, acc } = await tcpPair();
    const duplex = await c.attach(acc, { mode: 'raw' });
    // peer -> duplex
    await cli.sendAll('from the peer');
    const gotFromPeer = await new Promise((resolve) => duplex.once('data', (b) => { duplex.pause(); resolve(b); }));
    assert.strictEqual(gotFromPeer.toString(), 'from the peer');
    // duplex -> peer, then half-close: the peer sees end of stream
    duplex.end('to the peer');
    let back = '';
    for (;;) {
      const b = await cli.receive(100, { timeout: 5000 });
      if (b.length === 0) break;
      back += b.toString();
    }
    assert.strictEqual(back, 'to the peer');
    // the other direction still flows after our half-close
    await cli.sendAll('still open');
    await cli.shutdown('wr');
    const rest = [];
    for await (const chunk of duplex) rest.push(chunk);
    assert.strictEqual(Buffer.concat(rest).toString(), 'still open');
    await cli.close();
    await srv.close();
  });

  it('attach: refused on a busy handle', async () => {
    const { srv, cli, acc } = await tcpPair();
    const duplex = await c.attach(acc);
    await assert.rejects(c.attach(acc), (e) => e instanceof sock6d.Busy);
    duplex.destroy();
    await cli.close();
    await srv.close();
  });

  it('examples/echo.js runs', async () => {
    const script = path.join(__dirname, '..', 'examples', 'echo.js');
    const out = await new Promise((resolve, reject) => {
      execFile(process.execPath, [script, d.path], { timeout: 30000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(stdout);
      });
    });
    const lines = out.split('\n').slice(0, -1);
    assert.match(lines[0], /^connected: 127\.0\.0\.1:[1-9][0-9]*$/);
    assert.strictEqual(lines[1], 'echoed: hello, sock6d');
    assert.strictEqual(lines[lines.length - 1], 'eof');
    assert.strictEqual(lines.slice(2, -1).join('\n').replace(/data: /g, '') + '\n', 'line 0\nline 1\nline 2\n');
  });
});
