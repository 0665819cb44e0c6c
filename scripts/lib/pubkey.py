"""Prints the base58 public key of a Solana keypair file (a JSON array of 64 bytes: the secret
key, then the public key), without the Solana CLI.
    python3 scripts/lib/pubkey.py KEYPAIR.json"""
import json
import sys

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = ALPHABET[r] + out
    # Each leading zero byte is a leading '1'.
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


with open(sys.argv[1]) as f:
    key = json.load(f)
if len(key) != 64:
    sys.exit(f"{sys.argv[1]}: not a keypair file (64 bytes)")
print(base58(bytes(key[32:])))
