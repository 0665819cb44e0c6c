// The local network the browser tests run against: scripts/localnet.sh in the background, on
// ports and a state directory apart from the defaults (so a developer's own localnet keeps
// running), its output kept in target/app-tests/localnet.log. Stopped with SIGTERM, which stops
// everything it started.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const STATE = 'target/localnet-app';

/** The oracles' last warnings and the fleet's tallies: what a test that waited in vain prints. */
function diagnostics(root) {
  const tail = (file, keep, filter = () => true) => {
    const path = join(root, STATE, file);
    if (!existsSync(path)) return `${file}: none`;
    const lines = readFileSync(path, 'utf8').split('\n').filter(filter);
    return `${file}:\n${[...new Set(lines.slice(-keep))].join('\n')}`;
  };
  const warnings = (line) => line.includes('"WARN"') || line.includes('"ERROR"');
  return [1, 2, 3].map((i) => tail(`oracle-${i}.log`, 4, warnings)).concat(tail('fleet.log', 20)).join('\n');
}

export async function startLocalnet(root, { rpcPort, oracleListen, challengeTtlSecs, timeoutMs }) {
  const logDir = join(root, 'target/app-tests');
  mkdirSync(logDir, { recursive: true });
  const logPath = join(logDir, 'localnet.log');
  const log = createWriteStream(logPath);
  const child = spawn('scripts/localnet.sh', [], {
    cwd: root,
    env: {
      ...process.env,
      FIELDPROOF_RPC_PORT: String(rpcPort),
      FIELDPROOF_ORACLE_LISTEN: oracleListen,
      FIELDPROOF_LOCALNET_STATE: STATE,
      FIELDPROOF_OWNER_CHALLENGE_TTL_SECS: String(challengeTtlSecs),
      // The tests draw the map offline; one test gives the page a basemap of its own.
      FIELDPROOF_MAP_TILES: '',
    },
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
  const networkUrl = line('network page')[1];
  const wallet = line('test wallet');
  return {
    appUrl,
    networkUrl,
    ownerKeyPath: wallet[1],
    owner: wallet[2],
    secretKey: JSON.parse(readFileSync(wallet[1], 'utf8')),
    logPath,
    diagnostics: () => diagnostics(root),
    stop,
    exited: () => exited,
  };
}
