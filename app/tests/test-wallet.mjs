// A wallet for the browser tests, installed into the page before any script runs (playwright's
// addInitScript): it registers through the wallet-standard protocol exactly as an extension
// does, holds one Ed25519 key (the local network's test wallet), signs transactions and messages
// with WebCrypto, and records what it was asked to sign so a test can check it. Its account is
// the public key in `secretKey`'s second half: given another key's seed in the first half, it
// is a wallet that shows an address it cannot sign for. `installTestWallet` is serialized into
// the page: it must not use anything from this module's scope.
export function installTestWallet({ secretKey, chains, name }) {
  const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  const base58 = (bytes) => {
    let n = 0n;
    for (const b of bytes) n = n * 256n + BigInt(b);
    let out = '';
    while (n > 0n) {
      out = ALPHABET[Number(n % 58n)] + out;
      n /= 58n;
    }
    for (const b of bytes) {
      if (b !== 0) break;
      out = '1' + out;
    }
    return out;
  };
  // compact-u16, the length prefix of Solana's wire format.
  const shortVec = (bytes, offset) => {
    let value = 0;
    for (let i = 0; i < 3; i++) {
      const byte = bytes[offset + i];
      value |= (byte & 0x7f) << (7 * i);
      if ((byte & 0x80) === 0) return [value, offset + i + 1];
    }
    throw new Error('bad compact-u16');
  };
  const seed = Uint8Array.from(secretKey.slice(0, 32));
  const publicKey = Uint8Array.from(secretKey.slice(32, 64));
  const address = base58(publicKey);
  // PKCS#8 wrapping of an Ed25519 seed (RFC 8410).
  const pkcs8 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20, ...seed]);
  const key = crypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign']);
  const record = { connected: false, signed: [], messages: [] };
  window.__testWallet = record;

  async function sign({ transaction }) {
    const bytes = Uint8Array.from(transaction);
    const [count, signaturesAt] = shortVec(bytes, 0);
    const messageAt = signaturesAt + 64 * count;
    const message = bytes.slice(messageAt);
    const headerAt = message[0] & 0x80 ? 1 : 0;
    const required = message[headerAt];
    const [keys, keysAt] = shortVec(message, headerAt + 3);
    let index = -1;
    for (let i = 0; i < Math.min(keys, required); i++) {
      if (base58(message.slice(keysAt + 32 * i, keysAt + 32 * (i + 1))) === address) index = i;
    }
    if (index < 0) throw new Error('the test wallet is not a signer of this transaction');
    const signature = new Uint8Array(await crypto.subtle.sign('Ed25519', await key, message));
    bytes.set(signature, signaturesAt + 64 * index);
    record.signed.push(btoa(String.fromCharCode(...transaction)));
    return { signedTransaction: bytes };
  }

  const listeners = new Set();
  const account = Object.freeze({ address, publicKey, chains, features: ['solana:signTransaction', 'solana:signMessage'] });
  const wallet = {
    version: '1.0.0',
    name,
    icon: 'data:image/svg+xml;base64,' + btoa('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8" fill="#0b5cad"/></svg>'),
    chains,
    get accounts() {
      return record.connected ? [account] : [];
    },
    features: {
      'standard:connect': {
        version: '1.0.0',
        connect: async () => {
          record.connected = true;
          for (const listener of listeners) listener({ accounts: [account] });
          return { accounts: [account] };
        },
      },
      'standard:events': {
        version: '1.0.0',
        on: (event, listener) => {
          if (event !== 'change') return () => {};
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
      'solana:signTransaction': {
        version: '1.0.0',
        supportedTransactionVersions: ['legacy', 0],
        signTransaction: (...inputs) => Promise.all(inputs.map(sign)),
      },
      'solana:signMessage': {
        version: '1.0.0',
        signMessage: (...inputs) =>
          Promise.all(
            inputs.map(async ({ message }) => {
              record.messages.push(new TextDecoder().decode(message));
              return { signedMessage: message, signature: new Uint8Array(await crypto.subtle.sign('Ed25519', await key, message)) };
            }),
          ),
      },
    },
  };
  // The wallet-standard registration handshake, both ways round: the wallet announces itself,
  // and answers the app's "ready" if the app loads later.
  const register = ({ register }) => register(wallet);
  window.addEventListener('wallet-standard:app-ready', (event) => register(event.detail));
  const announce = new Event('wallet-standard:register-wallet', { bubbles: false, cancelable: false, composed: false });
  Object.defineProperty(announce, 'detail', { value: register });
  window.dispatchEvent(announce);
}
