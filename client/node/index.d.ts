// Type declarations for the sock6d Node client.
/// <reference types="node" />

import { EventEmitter } from 'events';
import { Readable } from 'stream';
import { Socket as NetSocket } from 'net';

export type Family = 'inet' | 'inet6' | 'unix' | 'unspec' | number;
export type SocketType = 'stream' | 'dgram' | 'raw' | 'seqpacket' | number;
export type Protocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | number;
export type Scope = 'daemon' | 'connection';
export type Flags = string[] | number;
/** Milliseconds, or null for never. */
export type Timeout = number | null;

export interface SockAddr {
  family: 'inet' | 'inet6' | 'unix' | string;
  address?: string;
  port?: number;
  path?: string;
  string: string;
}
/** A sockaddr object, or a string: "127.0.0.1:22", "[::1]:22", "::1", "/abs/path", "@abstract". */
export type AddressParam = string | { family: string; address?: string; port?: number; path?: string; string?: string };

export interface ErrorData {
  kind?: string[];
  errno?: number;
  errname?: string;
  syscall?: string;
  handle?: number;
  param?: string;
  method?: string;
  did_you_mean?: string;
  gai?: number;
  gai_name?: string;
  limit?: string;
  [key: string]: unknown;
}

export class Sock6dError extends Error {
  /** The JSON-RPC error code. */
  code: number;
  message: string;
  /** The egg's condition kinds, e.g. ["exn","i/o","net","transient"]. */
  kind: string[] | null;
  errno: number | null;
  errname: string | null;
  data: ErrorData | null;
  /** data.did_you_mean: the close method or param name. */
  didYouMean: string | null;
  constructor(code: number, message: string, data?: unknown);
}
/** -32700 */ export class ParseError extends Sock6dError {}
/** -32600 */ export class InvalidRequest extends Sock6dError {}
/** -32601 */ export class MethodNotFound extends Sock6dError {}
/** -32602 */ export class InvalidParams extends Sock6dError {}
/** -32603 */ export class InternalError extends Sock6dError {}
/** 1000 */ export class NetError extends Sock6dError {}
/** 1001 */ export class TransientError extends NetError {}
/** 1002 */ export class TimeoutError extends NetError {}
/** 1003 */ export class UnsupportedError extends Sock6dError {}
/** 1004 */ export class ResolveError extends Sock6dError {}
/** 1010 */ export class NoSuchHandle extends Sock6dError {}
/** 1011 */ export class PermissionDenied extends Sock6dError {}
/** 1012 */ export class LimitReached extends Sock6dError {}
/** 1013 */ export class Busy extends Sock6dError {}

/** The typed error for a JSON-RPC error object. */
export function errorFromObject(obj: { code: number; message: string; data?: unknown }): Sock6dError;

/** $SOCK6D_SOCKET; /run/sock6d/sock6d.sock for root; $XDG_RUNTIME_DIR/sock6d.sock; /tmp/sock6d-$UID/sock6d.sock. */
export function defaultSocketPath(env?: NodeJS.ProcessEnv): string;

export interface ConnectOptions {
  /** Control socket path; the default path when absent. */
  path?: string;
}
export function connect(opts?: ConnectOptions): Promise<Client>;

export interface SocketOptions {
  family?: Family;
  type?: SocketType;
  protocol?: Protocol;
  /** Default "connection": the socket closes with this control connection. */
  scope?: Scope;
}

export interface SubscribeOptions {
  /** Bytes (connections for a listener) granted ahead of the consumer; default 262144. */
  window?: number;
  /** Same as window. */
  credit?: number;
  /** "text": chunks are strings when valid UTF-8. */
  encoding?: 'base64' | 'text';
  /** Bytes per notification (daemon default 65536). */
  maxChunk?: number;
}

export interface ReadableOptions {
  /** Bytes granted ahead of the reader; default 65536. */
  window?: number;
  highWaterMark?: number;
  maxChunk?: number;
}

export interface AttachOptions {
  /** "raw" (default) or "len4" (each datagram framed by a 4-byte big-endian length). */
  mode?: 'raw' | 'len4';
  /** Default true: end() shuts down the socket's write side. */
  shutdownOnEof?: boolean;
}

/** Chunks of a subscription: bytes (Buffer), text (string), or a listener's accepted Socket. */
export type Chunk = Buffer | string | Socket;

export interface Subscription extends AsyncIterableIterator<Chunk> {
  readonly handle: number;
  /** Ends the subscription (socket.unsubscribe); the socket stays. */
  return(): Promise<IteratorResult<Chunk>>;
}

export interface Notification {
  handle: number;
  [key: string]: unknown;
}

export class Client extends EventEmitter {
  readonly path: string;
  /** Resolves with the result; rejects with a Sock6dError subclass. */
  call<T = any>(method: string, params?: Record<string, unknown>): Promise<T>;
  notify(method: string, params?: Record<string, unknown>): void;
  ping(): Promise<{ pong: true }>;
  close(): Promise<void>;
  destroy(): void;
  socket(opts?: SocketOptions): Promise<Socket>;
  /** A Socket object for an existing handle. */
  handle(h: number): Socket;
  subscribe(handle: number | Socket, opts?: SubscribeOptions): Subscription;
  subscribeReadable(handle: number | Socket, opts?: ReadableOptions): Readable;
  /** A Duplex over a dedicated control connection; end() half-closes. */
  attach(handle: number | Socket, opts?: AttachOptions): Promise<NetSocket>;

  on(event: 'notification', listener: (method: string, params: Notification) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

export interface SendOptions { flags?: Flags; timeout?: Timeout; }
export interface SendAllOptions extends SendOptions { sendSize?: number; }
export interface ReceiveOptions { flags?: Flags; timeout?: Timeout; }

export interface SocketInfo {
  handle: number;
  fileno: number;
  family: string;
  type: string;
  protocol: string | number;
  scope: Scope;
  owner: number;
  state: string;
  local: SockAddr | null;
  peer: SockAddr | null;
  shut_rd: boolean;
  shut_wr: boolean;
  subscribed: boolean;
  attached: boolean;
  credit: number | null;
  bytes_in: number;
  bytes_out: number;
  buffered: number;
  dropped: number;
  [key: string]: unknown;
}

export class Socket {
  readonly client: Client;
  readonly handle: number;
  family?: string;
  type?: string;
  protocol?: string | number;
  fileno?: number;
  /** Set on sockets returned by accept() or a listener's subscription. */
  peerAddress?: SockAddr;
  bind(address: AddressParam): Promise<SockAddr>;
  listen(backlog?: number): Promise<void>;
  accept(opts?: { timeout?: Timeout }): Promise<Socket>;
  connect(address: AddressParam, opts?: { timeout?: Timeout }): Promise<SockAddr>;
  /** One send(2); may be partial. Returns the bytes sent. */
  send(data: Buffer | Uint8Array | string, opts?: SendOptions): Promise<number>;
  sendAll(data: Buffer | Uint8Array | string, opts?: SendAllOptions): Promise<number>;
  sendTo(data: Buffer | Uint8Array | string, address: AddressParam, opts?: SendOptions): Promise<number>;
  /** Up to length bytes; an empty Buffer at end of stream. */
  receive(length: number, opts?: ReceiveOptions): Promise<Buffer>;
  receiveFrom(length: number, opts?: ReceiveOptions): Promise<{ data: Buffer; address: SockAddr | null }>;
  shutdown(how?: 'rd' | 'wr' | 'rdwr'): Promise<void>;
  close(opts?: { force?: boolean }): Promise<void>;
  getopt(option: string): Promise<any>;
  setopt(option: string, value: unknown): Promise<void>;
  name(): Promise<SockAddr | null>;
  peer(): Promise<SockAddr | null>;
  info(): Promise<SocketInfo>;
  subscribe(opts?: SubscribeOptions): Subscription;
  readable(opts?: ReadableOptions): Readable;
  attach(opts?: AttachOptions): Promise<NetSocket>;
}
