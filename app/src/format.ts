// How amounts, times, keys and cells read on the page.
import { cellToLatLng, isValidCell } from 'h3-js';

/** Base units as a decimal amount of a token with `decimals` places, without trailing zeros. */
export function tokens(amount: bigint | number, decimals: number): string {
  const units = BigInt(amount);
  const base = 10n ** BigInt(decimals);
  const whole = units / base;
  const fraction = (units % base).toString().padStart(decimals, '0').replace(/0+$/, '');
  return fraction ? `${whole.toLocaleString('en-US')}.${fraction}` : whole.toLocaleString('en-US');
}

export function shortKey(key: string): string {
  return key.length > 12 ? `${key.slice(0, 4)}…${key.slice(-4)}` : key;
}

export function when(ms: number | null, nowMs: number): string {
  if (ms === null) return 'never';
  const seconds = Math.round((nowMs - ms) / 1000);
  const ago =
    seconds < 60 ? `${Math.max(seconds, 0)} s ago` : seconds < 3600 ? `${Math.round(seconds / 60)} min ago` : seconds < 86_400 ? `${Math.round(seconds / 3600)} h ago` : `${Math.round(seconds / 86_400)} days ago`;
  return `${ago} (${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC)`;
}

export function place(cell: string | null): string {
  if (!cell || !isValidCell(cell)) return 'not located';
  const [lat, lng] = cellToLatLng(cell);
  return `${lat.toFixed(4)}, ${lng.toFixed(4)} (cell ${cell})`;
}

export function kindName(kind: 'hotspot' | 'mapper'): string {
  return kind === 'hotspot' ? 'Hotspot' : 'Dashcam';
}

/** A device's name: its kind and the start of its hardware key, which is what is printed on it. */
export function deviceName(kind: 'hotspot' | 'mapper', deviceKey: string): string {
  return `${kindName(kind)} ${deviceKey.slice(0, 6)}`;
}
