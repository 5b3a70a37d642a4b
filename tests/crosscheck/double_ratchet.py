"""Runs a scripted Double Ratchet exchange through python-doubleratchet (Syndace, PyPI
`DoubleRatchet`), an implementation escrowlab did not write, configured to escrowlab's
parameters, and prints every message's header and ciphertext as JSON.

Input (stdin, JSON): shared secret, Bob's signed-prekey secret, the ratchet secrets each
party generates in order, the associated data, and the messages (sender, plaintext), all
hex. Both sides of each message run here: the sender encrypts, the receiver decrypts.

What is python-doubleratchet's own: the DH ratchet, both KDF chains (HKDF-SHA-256 root
chain, separate-HMAC message chains), skipped-key handling and the header. What this script
configures to escrowlab's choices: the root chain's info string, the message-chain constant
(0x02 for the next chain key, 0x01 for the message key), the AEAD (ChaCha20-Poly1305 under
a key and nonce from HKDF-SHA-256 of the message key) and the header encoding in the
associated data.
"""
import asyncio
import json
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

import doubleratchet
from doubleratchet.recommended import (
    HashFunction,
    diffie_hellman_ratchet_curve25519,
    kdf_hkdf,
    kdf_separate_hmacs,
)

INFO_RK = b"escrowlab-double-ratchet-root"
INFO_MSG = b"escrowlab-double-ratchet-message"
QUEUES = {}


class RootKdf(kdf_hkdf.KDF):
    @staticmethod
    def _get_hash_function():
        return HashFunction.SHA_256

    @staticmethod
    def _get_info():
        return INFO_RK


class ChainKdf(kdf_separate_hmacs.KDF):
    @staticmethod
    def _get_hash_function():
        return HashFunction.SHA_256


def aead_parts(key):
    out = HKDF(algorithm=hashes.SHA256(), length=44, salt=bytes(32), info=INFO_MSG).derive(key)
    return ChaCha20Poly1305(out[:32]), out[32:]


class Aead(doubleratchet.aead.AEAD):
    @staticmethod
    async def encrypt(plaintext, key, associated_data):
        c, nonce = aead_parts(key)
        return c.encrypt(nonce, plaintext, associated_data)

    @staticmethod
    async def decrypt(ciphertext, key, associated_data):
        c, nonce = aead_parts(key)
        return c.decrypt(nonce, ciphertext, associated_data)


def ratchet_class(party):
    class Dh(diffie_hellman_ratchet_curve25519.DiffieHellmanRatchet):
        @staticmethod
        def _generate_priv():
            return QUEUES[party].pop(0)

    return Dh


def dr_class():
    class Dr(doubleratchet.DoubleRatchet):
        @staticmethod
        def _build_associated_data(associated_data, header):
            return (
                associated_data
                + header.ratchet_pub
                + header.previous_sending_chain_length.to_bytes(4, "little")
                + header.sending_chain_length.to_bytes(4, "little")
            )

    return Dr


def params(party):
    return dict(
        diffie_hellman_ratchet_class=ratchet_class(party),
        root_chain_kdf=RootKdf,
        message_chain_kdf=ChainKdf,
        message_chain_constant=b"\x02\x01",
        dos_protection_threshold=1000,
        max_num_skipped_message_keys=2000,
        aead=Aead,
    )


async def main():
    script = json.load(sys.stdin)
    sk = bytes.fromhex(script["sk"])
    ad = bytes.fromhex(script["ad"])
    QUEUES["alice"] = [bytes.fromhex(s) for s in script["alice_privs"]]
    QUEUES["bob"] = [bytes.fromhex(s) for s in script["bob_privs"]]
    bob_spk = bytes.fromhex(script["bob_spk"])
    bob_spk_pub = diffie_hellman_ratchet_curve25519.DiffieHellmanRatchet._derive_pub(bob_spk)
    parties = {}
    out = []
    for sender, pt_hex in script["messages"]:
        pt = bytes.fromhex(pt_hex)
        receiver = "bob" if sender == "alice" else "alice"
        if sender not in parties:
            assert sender == "alice", "Alice speaks first"
            dr, msg = await dr_class().encrypt_initial_message(
                **params("alice"), shared_secret=sk, recipient_ratchet_pub=bob_spk_pub,
                message=pt, associated_data=ad)
            parties["alice"] = dr
        else:
            msg = await parties[sender].encrypt_message(pt, ad)
        if receiver not in parties:
            dr, got = await dr_class().decrypt_initial_message(
                **params("bob"), shared_secret=sk, own_ratchet_priv=bob_spk,
                message=msg, associated_data=ad)
            parties["bob"] = dr
        else:
            got = await parties[receiver].decrypt_message(msg, ad)
        assert got == pt, "the receiver read another plaintext"
        h = msg.header
        out.append(dict(dh=h.ratchet_pub.hex(), pn=h.previous_sending_chain_length,
                        n=h.sending_chain_length, ct=msg.ciphertext.hex()))
    json.dump(out, sys.stdout)


asyncio.run(main())
