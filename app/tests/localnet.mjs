// The local network the browser tests run against: scripts/localnet.sh in the background, on
// ports and a state directory apart from the defaults (so a developer's own localnet keeps
// running), its output kept in target/app-tests/localnet.log. Stopped with SIGTERM, which stops
// everything it started.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export async function startLocalnet(root, { rpcPort, oracleListen, timeoutMs }) {
  const logDir = join(root, 'target/app-tests');
  mkdirSync(logDir, { recursive: true });
  const logPath = join(logDir, 'localnet.log');
  const log = createWriteStream(logPath);
  const child = spawn('scripts/localnet.sh', [], {
    cwd: root,
    env: { ...process.env, FIELDPROOF_RPC_PORT: String(rpcPort), FIELDPROOF_ORACLE_LISTEN: oracleListen, FIELDPROOF_LOCALNET_STATE: 'target/localnet-app' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exited = { code, signal }))));
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk) => {
      log.write(chunk);
      output += chunk.toString();
    });
  }
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    await exit;
    clearTimeout(timer);
    log.end();
  };
  const until = Date.now() + timeoutMs;
  while (!output.includes('The local network is up.')) {
    if (exited) throw new Error(`scripts/localnet.sh exited (${JSON.stringify(exited)}) before the network was up:\n${output.slice(-4000)}`);
    if (Date.now() > until) {
      await stop();
      throw new Error(`the local network was not up within ${timeoutMs / 60_000} minutes (log: ${logPath}):\n${output.slice(-4000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // Give the lines after "up" a moment to arrive.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const line = (label) => {
    const match = output.match(new RegExp(`^\\s+${label}\\s+(\\S+)(?:\\s+(\\S+))?`, 'm'));
    if (!match) throw new Error(`localnet.sh printed no "${label}" line:\n${output.slice(-3000)}`);
    return match;
  };
  const appUrl = line('wallet app')[1];
  const wallet = line('test wallet');
  return {
    appUrl,
    ownerKeyPath: wallet[1],
    owner: wallet[2],
    secretKey: JSON.parse(readFileSync(wallet[1], 'utf8')),
    logPath,
    stop,
    exited: () => exited,
  };
}
