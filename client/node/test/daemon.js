'use strict';
// Start the real sock6d on a temporary control socket; readiness is polled
// with daemon.ping until a deadline, never guessed with a sleep.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const sock6d = require('..');

const READY_DEADLINE_MS = 10000;

function pause(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

async function startDaemon(extraArgs = []) {
  const bin = process.env.SOCK6D || 'sock6d';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sock6d-node-'));
  fs.chmodSync(dir, 0o755);
  const sockPath = path.join(dir, 'ctl.sock');
  const logPath = path.join(dir, 'daemon.log');
  const log = fs.openSync(logPath, 'w');
  const proc = spawn(bin, ['--socket', sockPath, '--socket-mode', '0666',
    '--config', '/nonexistent', ...extraArgs], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let exited = null;
  proc.on('exit', (code, sig) => { exited = code === null ? sig : code; });
  proc.on('error', (e) => { exited = `${bin}: ${e.message}`; });
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    if (exited !== null) {
      throw new Error(`sock6d exited (${exited}):\n${fs.readFileSync(logPath, 'utf8')}`);
    }
    try {
      const c = await sock6d.connect({ path: sockPath });
      const r = await c.call('daemon.ping');
      await c.close();
      if (r && r.pong === true) break;
    } catch (e) { /* not ready yet */ }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`sock6d not ready after ${READY_DEADLINE_MS} ms:\n${fs.readFileSync(logPath, 'utf8')}`);
    }
    await pause(10); // poll interval, not a readiness guess
  }
  return {
    path: sockPath,
    dir,
    log: () => fs.readFileSync(logPath, 'utf8'),
    async stop() {
      if (exited === null) {
        const gone = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 10000);
        await gone;
        clearTimeout(t);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { startDaemon };
