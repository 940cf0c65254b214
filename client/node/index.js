'use strict';
// sock6d: a client for the sock6d socket daemon.
// JSON-RPC 2.0 over newline-delimited JSON on a UNIX stream socket.

const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { EventEmitter } = require('events');
const { Readable } = require('stream');

// ---------------------------------------------------------------- errors

class Sock6dError extends Error {
  constructor(code, message, data) {
    super(message);
    this.name = this.constructor.name;
    this.code = code;
    this.data = data === undefined ? null : data;
    const d = data && typeof data === 'object' ? data : {};
    this.kind = Array.isArray(d.kind) ? d.kind : null;
    this.errno = typeof d.errno === 'number' ? d.errno : null;
    this.errname = typeof d.errname === 'string' ? d.errname : null;
    this.didYouMean = d.did_you_mean !== undefined ? d.did_you_mean : null;
  }
}

class ParseError extends Sock6dError {}
class InvalidRequest extends Sock6dError {}
class MethodNotFound extends Sock6dError {}
class InvalidParams extends Sock6dError {}
class InternalError extends Sock6dError {}
class NetError extends Sock6dError {}
class TransientError extends NetError {}
class TimeoutError extends NetError {}
class UnsupportedError extends Sock6dError {}
class ResolveError extends Sock6dError {}
class NoSuchHandle extends Sock6dError {}
class PermissionDenied extends Sock6dError {}
class LimitReached extends Sock6dError {}
class Busy extends Sock6dError {}

const ERROR_CLASSES = {
  [-32700]: ParseError,
  [-32600]: InvalidRequest,
  [-32601]: MethodNotFound,
  [-32602]: InvalidParams,
  [-32603]: InternalError,
  1000: NetError,
  1001: TransientError,
  1002: TimeoutError,
  1003: UnsupportedError,
  1004: ResolveError,
  1010: NoSuchHandle,
  1011: PermissionDenied,
  1012: LimitReached,
  1013: Busy,
};

/** The typed error for a JSON-RPC error object. */
function errorFromObject(obj) {
  const o = obj && typeof obj === 'object' ? obj : {};
  const code = typeof o.code === 'number' ? o.code : -32603;
  const Cls = ERROR_CLASSES[code] || Sock6dError;
  return new Cls(code, typeof o.message === 'string' ? o.message : 'error ' + code, o.data);
}

// ---------------------------------------------------------------- paths

/** The default control socket path, by the daemon's own rules. */
function defaultSocketPath(env = process.env) {
  const nonEmpty = (v) => (typeof v === 'string' && v !== '' ? v : null);
  const explicit = nonEmpty(env.SOCK6D_SOCKET);
  if (explicit) return explicit;
  const uid = typeof process.geteuid === 'function' ? process.geteuid() : os.userInfo().uid;
  if (uid === 0) return '/run/sock6d/sock6d.sock';
  const xdg = nonEmpty(env.XDG_RUNTIME_DIR);
  if (xdg) return path.join(xdg, 'sock6d.sock');
  return `/tmp/sock6d-${uid}/sock6d.sock`;
}

// ---------------------------------------------------------------- helpers

// Bytes per send call: base64 of this stays well under the daemon's default
// 1 MiB message limit.
const MAX_CALL_BYTES = 512 * 1024;

function bytesParam(data) {
  if (typeof data === 'string') return { text: data };
  if (Buffer.isBuffer(data) || data instanceof Uint8Array) {
    return { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') };
  }
  throw new TypeError('data must be a Buffer, a Uint8Array or a string');
}

function resultBytes(r) {
  if (typeof r.text === 'string') return Buffer.from(r.text, 'utf8');
  if (typeof r.data === 'string') return Buffer.from(r.data, 'base64');
  return Buffer.alloc(0);
}

function chunkOf(p) {
  if (typeof p.text === 'string') return p.text;
  return Buffer.from(typeof p.data === 'string' ? p.data : '', 'base64');
}

function chunkLength(c) {
  return typeof c === 'string' ? Buffer.byteLength(c, 'utf8') : c.length;
}

function pick(opts, names) {
  const out = {};
  for (const n of names) {
    if (opts && opts[n] !== undefined) out[n] = opts[n];
  }
  return out;
}

function openUnix(sockPath, allowHalfOpen) {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ path: sockPath, allowHalfOpen });
    const onError = (e) => { s.destroy(); reject(e); };
    s.once('error', onError);
    s.once('connect', () => {
      s.removeListener('error', onError);
      try {
        checkSocketDir(sockPath);
      } catch (e) {
        s.destroy();
        reject(e);
        return;
      }
      resolve(s);
    });
  });
}

// ---------------------------------------------------------------- client

class Client extends EventEmitter {
  constructor(sock, sockPath) {
    super();
    this.path = sockPath;
    this._sock = sock;
    this._nextId = 1;
    this._pending = new Map();
    this._subs = new Map();
    this._buf = '';
    this._closed = false;
    sock.setEncoding('utf8');
    sock.on('data', (s) => this._onData(s));
    sock.on('error', (e) => this._shutdown(e));
    sock.on('close', () => this._shutdown(null));
  }

  _onData(s) {
    this._buf += s;
    let nl;
    while ((nl = this._buf.indexOf('\n')) >= 0) {
      const line = this._buf.slice(0, nl).replace(/\r$/, '');
      this._buf = this._buf.slice(nl + 1);
      if (line === '') continue;
      let msg;
      try {
        msg = JSON.parse(line);
      } catch (e) {
        this._emitError(new ParseError(-32700, 'unparsable line from the daemon', { line }));
        continue;
      }
      this._dispatch(msg);
    }
  }

  _dispatch(msg) {
    if (Array.isArray(msg)) {
      for (const m of msg) this._dispatch(m);
      return;
    }
    if (msg === null || typeof msg !== 'object') return;
    if (msg.id !== undefined && msg.id !== null && this._pending.has(msg.id)) {
      const p = this._pending.get(msg.id);
      this._pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(errorFromObject(msg.error));
      else p.resolve(msg.result);
      return;
    }
    if (msg.id === undefined && typeof msg.method === 'string') {
      const params = msg.params || {};
      const sub = this._subs.get(params.handle);
      if (sub) sub(msg.method, params);
      this.emit('notification', msg.method, params);
    } else if (msg.error !== undefined) {
      this._emitError(errorFromObject(msg.error));
    }
  }

  _emitError(e) {
    // An error reply with no id to match (the daemon answers an over-long
    // message that way): reported to 'error' listeners, if any.
    if (this.listenerCount('error') > 0) this.emit('error', e);
  }

  _shutdown(err) {
    if (this._closed) return;
    this._closed = true;
    const e = err || new Error('sock6d control connection closed');
    for (const p of this._pending.values()) p.reject(e);
    this._pending.clear();
    for (const sub of this._subs.values()) sub('close', { error: e });
    this._subs.clear();
    this.emit('close');
  }

  /** Call a method; resolves with the result, rejects with a Sock6dError. */
  call(method, params = {}) {
    if (this._closed) return Promise.reject(new Error('sock6d control connection closed'));
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      this._pending.set(id, { resolve, reject });
      this._sock.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    });
  }

  /** Send a notification (no reply). */
  notify(method, params = {}) {
    if (!this._closed) this._sock.write(JSON.stringify({ jsonrpc: '2.0', method, params }) + '\n');
  }

  /** Close the control connection (connection-scoped handles close with it). */
  close() {
    return new Promise((resolve) => {
      if (this._closed) return resolve();
      this.once('close', resolve);
      this._sock.end();
    });
  }

  destroy() {
    this._sock.destroy();
  }

  ping() { return this.call('daemon.ping'); }

  /** A new socket (scope "connection" unless told otherwise). */
  async socket(opts = {}) {
    const params = {
      family: opts.family || 'inet',
      type: opts.type || 'stream',
      scope: opts.scope || 'connection',
    };
    if (opts.protocol !== undefined) params.protocol = opts.protocol;
    const r = await this.call('socket.create', params);
    return new Socket(this, r.handle, r);
  }

  /** A Socket object for an existing handle. */
  handle(h) { return new Socket(this, h, {}); }

  _handleOf(h) { return h instanceof Socket ? h.handle : h; }

  /**
   * Subscribe to a handle: an async iterator of chunks (Buffer, or string
   * with encoding "text"; Socket for a listener). Credit is granted as the
   * consumer takes chunks; breaking out of the loop unsubscribes.
   */
  subscribe(handle, opts = {}) {
    const h = this._handleOf(handle);
    const window = opts.window || opts.credit || 262144;
    const queue = [];
    let waiter = null;
    let done = false;
    let failure = null;
    let owed = 0;
    let active = true;
    const wake = () => {
      if (waiter) { const w = waiter; waiter = null; w(); }
    };
    this._subs.set(h, (method, p) => {
      if (method === 'socket.data' || method === 'socket.datagram') {
        queue.push(chunkOf(p));
      } else if (method === 'socket.accepted') {
        const s = new Socket(this, p.accepted, {});
        s.peerAddress = p.peer;
        queue.push(s);
      } else if (method === 'socket.eof') {
        done = true;
      } else if (method === 'socket.error') {
        failure = errorFromObject(p.error);
        done = true;
      } else if (method === 'close') {
        failure = failure || p.error;
        done = true;
      } else {
        return;
      }
      wake();
    });
    const stop = async () => {
      if (!active) return;
      active = false;
      this._subs.delete(h);
      if (!this._closed) {
        try { await this.call('socket.unsubscribe', { handle: h }); } catch (e) { /* closed or gone */ }
      }
    };
    const params = { handle: h, credit: window };
    if (opts.encoding) params.encoding = opts.encoding;
    if (opts.maxChunk) params.max_chunk = opts.maxChunk;
    const started = this.call('socket.subscribe', params).catch((e) => {
      this._subs.delete(h);
      active = false;
      throw e;
    });
    started.catch(() => {}); // reported by next(), not as an unhandled rejection
    const self = this;
    const it = {
      handle: h,
      async next() {
        await started;
        for (;;) {
          if (queue.length > 0) {
            const c = queue.shift();
            owed += c instanceof Socket ? 1 : chunkLength(c);
            if (owed * 2 >= window && active && !self._closed) {
              const add = owed;
              owed = 0;
              self.call('socket.credit', { handle: h, add }).catch(() => {});
            }
            return { value: c, done: false };
          }
          if (done) {
            await stop();
            if (failure) { const f = failure; failure = null; throw f; }
            return { value: undefined, done: true };
          }
          await new Promise((r) => { waiter = r; });
        }
      },
      async return() {
        done = true;
        queue.length = 0;
        await started.catch(() => {});
        await stop();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() { return this; },
    };
    return it;
  }

  /**
   * Subscribe to a handle as a stream.Readable: credit is granted only as
   * the consumer reads, so a slow reader slows the peer, never loses bytes.
   */
  subscribeReadable(handle, opts = {}) {
    const h = this._handleOf(handle);
    const window = opts.window || 65536;
    let owed = 0;
    let active = false;
    let ended = false;
    const self = this;
    const stop = () => {
      if (self._subs.get(h) === onNote) self._subs.delete(h);
      if (active && !self._closed) self.call('socket.unsubscribe', { handle: h }).catch(() => {});
      active = false;
    };
    const onNote = (method, p) => {
      if (ended) return;
      if (method === 'socket.data' || method === 'socket.datagram') {
        const c = chunkOf(p);
        owed += chunkLength(c);
        rd.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
      } else if (method === 'socket.eof') {
        ended = true;
        stop();
        rd.push(null);
      } else if (method === 'socket.error') {
        ended = true;
        stop();
        rd.destroy(errorFromObject(p.error));
      } else if (method === 'close') {
        ended = true;
        active = false;
        rd.destroy(p.error);
      }
    };
    const rd = new Readable({
      highWaterMark: opts.highWaterMark || 65536,
      read() {
        if (active && owed > 0 && !self._closed) {
          const add = owed;
          owed = 0;
          self.call('socket.credit', { handle: h, add }).catch((e) => rd.destroy(e));
        }
      },
      destroy(err, cb) {
        ended = true;
        stop();
        cb(err);
      },
    });
    this._subs.set(h, onNote);
    const params = { handle: h, credit: window };
    if (opts.maxChunk) params.max_chunk = opts.maxChunk;
    this.call('socket.subscribe', params).then(
      () => { active = !ended; if (ended) stop(); },
      (e) => { if (self._subs.get(h) === onNote) self._subs.delete(h); rd.destroy(e); }
    );
    return rd;
  }

  /**
   * Attach a handle: a stream.Duplex over a dedicated control connection.
   * opts.mode: "raw" (default) or "len4"; opts.shutdownOnEof (default true).
   * end() half-closes: the socket's write side is shut down.
   */
  async attach(handle, opts = {}) {
    const h = this._handleOf(handle);
    const s = await openUnix(this.path, true);
    const params = { handle: h };
    if (opts.mode) params.framing = opts.mode;
    if (opts.shutdownOnEof !== undefined) params.shutdown_on_eof = opts.shutdownOnEof;
    s.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'socket.attach', params }) + '\n');
    const reply = await new Promise((resolve, reject) => {
      let buf = Buffer.alloc(0);
      const cleanup = () => {
        s.removeListener('readable', onReadable);
        s.removeListener('error', onError);
        s.removeListener('end', onEnd);
      };
      const onError = (e) => { cleanup(); reject(e); };
      const onEnd = () => { cleanup(); reject(new Error('sock6d closed the connection before the attach reply')); };
      const onReadable = () => {
        let c;
        while ((c = s.read()) !== null) {
          buf = Buffer.concat([buf, c]);
          const nl = buf.indexOf(10);
          if (nl >= 0) {
            cleanup();
            const rest = buf.subarray(nl + 1);
            if (rest.length > 0) s.unshift(rest);
            try {
              resolve(JSON.parse(buf.subarray(0, nl).toString('utf8')));
            } catch (e) {
              reject(e);
            }
            return;
          }
        }
      };
      s.on('readable', onReadable);
      s.on('error', onError);
      s.on('end', onEnd);
    }).catch((e) => { s.destroy(); throw e; });
    if (reply.error !== undefined) {
      s.destroy();
      throw errorFromObject(reply.error);
    }
    return s;
  }
}

// ---------------------------------------------------------------- socket

class Socket {
  constructor(client, handle, info) {
    this.client = client;
    this.handle = handle;
    this.family = info.family;
    this.type = info.type;
    this.protocol = info.protocol;
    this.fileno = info.fileno;
  }

  _call(method, params = {}) {
    return this.client.call(method, Object.assign({ handle: this.handle }, params));
  }

  async bind(address) {
    return (await this._call('socket.bind', { address })).address;
  }

  async listen(backlog) {
    await this._call('socket.listen', backlog === undefined ? {} : { backlog });
  }

  async accept(opts = {}) {
    const r = await this._call('socket.accept', pick(opts, ['timeout']));
    const s = new Socket(this.client, r.handle, { family: this.family, type: this.type, protocol: this.protocol });
    s.peerAddress = r.peer;
    return s;
  }

  async connect(address, opts = {}) {
    return (await this._call('socket.connect', Object.assign({ address }, pick(opts, ['timeout'])))).peer;
  }

  /** One send(2): it may be partial (at most MAX_CALL_BYTES per call). */
  async send(data, opts = {}) {
    if (typeof data !== 'string' && data.length > MAX_CALL_BYTES) data = data.subarray(0, MAX_CALL_BYTES);
    return (await this._call('socket.send', Object.assign(bytesParam(data), pick(opts, ['flags', 'timeout'])))).bytes;
  }

  /** Everything, in calls of at most MAX_CALL_BYTES each (a message is bounded). */
  async sendAll(data, opts = {}) {
    const extra = pick(opts, ['flags', 'timeout']);
    if (opts.sendSize !== undefined) extra.send_size = opts.sendSize;
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (buf.length <= MAX_CALL_BYTES) {
      return (await this._call('socket.send_all', Object.assign(bytesParam(data), extra))).bytes;
    }
    let total = 0;
    for (let off = 0; off < buf.length; off += MAX_CALL_BYTES) {
      const piece = buf.subarray(off, Math.min(buf.length, off + MAX_CALL_BYTES));
      total += (await this._call('socket.send_all', Object.assign(bytesParam(piece), extra))).bytes;
    }
    return total;
  }

  async sendTo(data, address, opts = {}) {
    return (await this._call('socket.send_to', Object.assign(bytesParam(data), { address }, pick(opts, ['flags', 'timeout'])))).bytes;
  }

  /** Up to length bytes; an empty Buffer at end of stream. */
  async receive(length, opts = {}) {
    return resultBytes(await this._call('socket.receive', Object.assign({ length }, pick(opts, ['flags', 'timeout']))));
  }

  /** One datagram: { data, address }. */
  async receiveFrom(length, opts = {}) {
    const r = await this._call('socket.receive_from', Object.assign({ length }, pick(opts, ['flags', 'timeout'])));
    return { data: resultBytes(r), address: r.address };
  }

  async shutdown(how = 'rdwr') {
    await this._call('socket.shutdown', { how });
  }

  async close(opts = {}) {
    await this._call('socket.close', opts.force ? { force: true } : {});
  }

  async getopt(option) {
    return (await this._call('socket.getopt', { option })).value;
  }

  async setopt(option, value) {
    await this._call('socket.setopt', { option, value });
  }

  async name() {
    return (await this._call('socket.name')).address;
  }

  async peer() {
    return (await this._call('socket.peer_name')).address;
  }

  info() {
    return this._call('socket.info');
  }

  subscribe(opts) { return this.client.subscribe(this.handle, opts); }
  readable(opts) { return this.client.subscribeReadable(this.handle, opts); }
  attach(opts) { return this.client.attach(this.handle, opts); }
}

// ---------------------------------------------------------------- connect

/**
 * Throw unless the control socket at sockPath may be trusted where it is: in
 * the shared /tmp fallback directory only when that is a directory (not a
 * link) of the user's own that no one else may write to (another user could
 * have made it first, with a socket of theirs in it).  Called after
 * connecting: in the sticky /tmp a directory found to be the user's stays so.
 */
function checkSocketDir(sockPath) {
  const uid = process.geteuid();
  const dir = path.dirname(sockPath);
  if (dir !== `/tmp/sock6d-${uid}`) return;
  let why = null;
  try {
    const st = fs.lstatSync(dir);
    if (!st.isDirectory()) why = 'is not a directory';
    else if (st.uid !== uid) why = 'belongs to another user';
    else if (st.mode & 0o022) why = 'may be written by other users';
  } catch (e) {
    why = 'is missing';
  }
  if (why) {
    const e = new Error(`not connecting to ${sockPath}: its directory ${why}`);
    e.code = 'EACCES';
    throw e;
  }
}

/** Connect to the daemon: opts.path, else the default path. */
async function connect(opts = {}) {
  const p = opts.path || defaultSocketPath();
  const s = await openUnix(p, false);
  return new Client(s, p);
}

module.exports = {
  connect,
  defaultSocketPath,
  errorFromObject,
  Client,
  Socket,
  Sock6dError,
  ParseError,
  InvalidRequest,
  MethodNotFound,
  InvalidParams,
  InternalError,
  NetError,
  TransientError,
  TimeoutError,
  UnsupportedError,
  ResolveError,
  NoSuchHandle,
  PermissionDenied,
  LimitReached,
  Busy,
};
