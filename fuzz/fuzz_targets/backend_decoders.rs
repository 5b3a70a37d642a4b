//! The threshold backends' decoders, through the byte-level interface of both crates.
#![no_main]
use escrowlab::backend::BackendKind;
use escrowlab::secret::Scalar;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for kind in BackendKind::all() {
        let b = kind.instance().expect("compiled in");
        let _ = b.k(data);
        let _ = b.master_public_key(data);
        let _ = b.verify_ciphertext(data);
        let _ = b.check_decryption_share(data);
        let _ = b.is_identity_key(data);
        if data.len() >= 32 {
            let mut s = [0u8; 32];
            s.copy_from_slice(&data[..32]);
            let _ = b.check_scalar(&Scalar(s));
            let _ = b.decrypt_with_scalar_unverified(&Scalar(s), &data[32..]);
            let _ = b.decrypt_with_scalar_confirmed(&Scalar(s), &data[32..], &mut |w| w.is_empty());
        }
    }
});
