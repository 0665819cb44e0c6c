// One device's card: what it is, where, its status and last valid report, per pool what it can
// claim and has claimed, its refused reports in words, and (for the owner's own wallet) claiming
// and the payout destination. Read-only cards show the same, and claiming asks for the wallet.
import { h } from './dom';
import { deviceName, kindName, place, shortKey, tokens, when } from './format';
import { HttpFailure } from './http';
import type { DeviceView, OracleApi, OwnerDevices, PoolView } from './oracle';

export interface Token {
  decimals: number;
  balance: bigint;
}

export interface CardActions {
  /** No wallet of the owner's: everything is shown, nothing can be signed. */
  readOnly: boolean;
  busy: boolean;
  claim(device: DeviceView): void;
  setDestination(device: DeviceView, pool: string, to: string): void;
  token(pool: PoolView): Token;
}

/** The zero key (all ones in base58) is what the program reads as "pay the owner". */
export const PAY_THE_OWNER = '11111111111111111111111111111111';

export function streamName(pool: PoolView): string {
  return pool.stream === 'coverage' ? 'Coverage' : 'Mapping';
}

export function deviceCard(device: DeviceView, answer: OwnerDevices, oracle: OracleApi, actions: CardActions): HTMLElement {
  const name = deviceName(device.kind, device.device_key);
  // A hotspot earns from the coverage pool and a dashcam from the mapping pool; another pool is
  // listed only when the device has something in it.
  const stream = device.kind === 'hotspot' ? 'coverage' : 'mapping';
  const pools = answer.pools.filter((p) => p.stream === stream || (device.rewards.find((r) => r.pool === p.pool)?.cumulative ?? 0) > 0);
  const rewards = pools.map((pool) => {
    const reward = device.rewards.find((r) => r.pool === pool.pool);
    const t = actions.token(pool);
    return h(
      'li',
      { 'data-pool': pool.pool },
      `${streamName(pool)}: `,
      h('span', { 'data-field': 'claimable' }, tokens(reward?.claimable ?? 0, t.decimals)),
      ` claimable, ${tokens(reward?.claimed ?? 0, t.decimals)} claimed`,
      reward?.destination ? ` (paid to ${shortKey(reward.destination)})` : '',
    );
  });
  const claimable = device.rewards.some((r) => r.claimable > 0);
  const claimOne = h('button', { type: 'button', 'data-action': 'claim', 'data-idle': claimable ? undefined : 'disabled', 'aria-label': `Claim ${name}` }, 'Claim');
  claimOne.disabled = actions.busy || !claimable;
  claimOne.addEventListener('click', () => actions.claim(device));

  const refused = h('details', { class: 'refused' }, h('summary', {}, 'Refused reports'), h('div', { class: 'refused-body' }, 'Loading…'));
  refused.addEventListener('toggle', () => {
    if (refused.open) void showRefused(oracle, device, refused.querySelector('.refused-body')!);
  });

  return h(
    'li',
    { class: 'device', 'data-asset': device.asset, 'data-device-key': device.device_key, 'data-kind': device.kind },
    h(
      'article',
      { 'aria-label': name },
      h('h3', {}, name),
      h(
        'dl',
        {},
        h('dt', {}, 'Kind'),
        h('dd', {}, kindName(device.kind)),
        h('dt', {}, 'Location'),
        h('dd', {}, place(device.location_h3)),
        h('dt', {}, 'Status'),
        h('dd', { class: `status-${device.status}` }, device.status === 'active' ? 'Active' : 'Deactivated by the network'),
        h('dt', {}, 'Last valid report'),
        h('dd', {}, when(device.last_valid_report_ms, answer.now_ms)),
        h('dt', {}, 'Asset'),
        h('dd', { class: 'mono', title: device.asset }, shortKey(device.asset)),
      ),
      h('ul', { class: 'rewards' }, ...rewards),
      h('div', { class: 'actions' }, claimOne),
      refused,
      actions.readOnly ? null : destinationForm(device, answer, name, actions),
    ),
  );
}

async function showRefused(oracle: OracleApi, device: DeviceView, body: Element): Promise<void> {
  body.replaceChildren('Loading…');
  try {
    const refused = await oracle.rejections(device.device_key);
    if (refused.length === 0) {
      body.replaceChildren(h('p', {}, 'No refused reports: every report this device sent was accepted.'));
      return;
    }
    body.replaceChildren(
      h(
        'ul',
        { class: 'reasons' },
        ...refused.map((r) =>
          h('li', { 'data-reason': r.reason }, h('span', { class: 'explanation' }, r.explanation || r.reason), ' ', h('small', {}, `${new Date(r.signed_at_ms).toISOString().replace('T', ' ').slice(0, 19)} UTC · ${r.reason}`)),
        ),
      ),
    );
  } catch (e) {
    body.replaceChildren(h('p', { class: 'error', role: 'alert' }, e instanceof HttpFailure && e.kind !== 'refused' ? `The oracle cannot be reached: ${e.message}.` : `Could not load the refused reports: ${e instanceof Error ? e.message : String(e)}`));
  }
}

function destinationForm(device: DeviceView, answer: OwnerDevices, name: string, actions: CardActions): HTMLElement {
  const id = `dest-${device.asset}`;
  const pool = h('select', { id: `${id}-pool`, name: 'pool' }, ...answer.pools.map((p) => h('option', { value: p.pool }, streamName(p))));
  const to = h('input', { id: `${id}-to`, name: 'to', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'token account address', pattern: '[1-9A-HJ-NP-Za-km-z]{32,44}' });
  const set = h('button', { type: 'submit', 'data-action': 'set-destination' }, 'Set destination');
  const reset = h('button', { type: 'button', class: 'secondary', 'data-action': 'reset-destination' }, 'Pay my wallet');
  const form = h(
    'form',
    { class: 'destination', 'aria-label': `Payout destination of ${name}` },
    h('label', { for: pool.id }, 'Pool'),
    pool,
    h('label', { for: to.id }, 'Pay future claims to (a token account of the pool’s token)'),
    to,
    h('div', { class: 'actions' }, set, reset),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    actions.setDestination(device, pool.value, to.value.trim());
  });
  reset.addEventListener('click', () => actions.setDestination(device, pool.value, PAY_THE_OWNER));
  return h('details', { class: 'destination-details' }, h('summary', {}, 'Payout destination'), form);
}
