//! The deployment's throwaway public-key infrastructure and its TLS configurations.
//!
//! `escrowlab cluster up` makes a CA (ECDSA P-256 through rcgen with `ring`), issues each
//! party a certificate naming it (`agent-0`, …, `law-enforcement`), writes each party's
//! certificate and key into its own directory (the key with mode 0600) and forgets the CA's
//! key. Every connection is TLS 1.3 (rustls with the `ring` provider), both sides
//! presenting a certificate of that CA: a client checks the agent's name, an agent accepts
//! only clients the CA certified.

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use std::path::Path;
use std::sync::Arc;

/// The CA certificate's file name (DER) in each party's directory.
pub const CA_FILE: &str = "ca.der";
/// A party's certificate (DER).
pub const CERT_FILE: &str = "cert.der";
/// A party's private key (PKCS#8 DER, mode 0600).
pub const KEY_FILE: &str = "key.der";

fn err(what: impl std::fmt::Display) -> String {
    format!("certificates: {what}")
}

/// Makes a CA, issues one certificate per `(party, directory)` and writes each party's
/// CA certificate, certificate and key into its directory. The CA's key is dropped.
///
/// # Errors
/// Key generation or file errors, as text.
pub fn issue(parties: &[(String, &Path)]) -> Result<(), String> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "escrowlab throwaway deployment CA");
    let ca = ca_params.self_signed(&ca_key).map_err(err)?;
    for (name, dir) in parties {
        let key = KeyPair::generate().map_err(err)?;
        let mut params = CertificateParams::new(vec![name.clone()]).map_err(err)?;
        params
            .distinguished_name
            .push(DnType::CommonName, name.as_str());
        let cert = params.signed_by(&key, &ca, &ca_key).map_err(err)?;
        std::fs::create_dir_all(dir).map_err(err)?;
        std::fs::write(dir.join(CA_FILE), ca.der()).map_err(err)?;
        std::fs::write(dir.join(CERT_FILE), cert.der()).map_err(err)?;
        crate::files::write_secret(&dir.join(KEY_FILE), &key.serialize_der()).map_err(err)?;
    }
    Ok(())
}

struct Identity {
    ca: CertificateDer<'static>,
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
}

fn load(dir: &Path) -> Result<Identity, String> {
    let read =
        |f: &str| std::fs::read(dir.join(f)).map_err(|e| format!("{}: {e}", dir.join(f).display()));
    Ok(Identity {
        ca: CertificateDer::from(read(CA_FILE)?),
        cert: CertificateDer::from(read(CERT_FILE)?),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(read(KEY_FILE)?)),
    })
}

/// rustls's `ring` provider: no post-quantum key exchange (deprecated for that since
/// 0.23.48), but no cmake or aws-lc to build; the deployment is a loopback testbed.
#[allow(deprecated)]
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn roots(ca: CertificateDer<'static>) -> Result<rustls::RootCertStore, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca).map_err(err)?;
    Ok(roots)
}

/// The TLS configuration of a party serving from `dir`: its own certificate, and client
/// certificates required, checked against the deployment's CA.
///
/// # Errors
/// Missing or bad files, as text.
pub fn server_config(dir: &Path) -> Result<Arc<rustls::ServerConfig>, String> {
    let id = load(dir)?;
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots(id.ca)?),
        provider(),
    )
    .build()
    .map_err(err)?;
    let cfg = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(err)?
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![id.cert], id.key)
        .map_err(err)?;
    Ok(Arc::new(cfg))
}

/// The TLS configuration of a client whose certificate and key are in `dir`.
///
/// # Errors
/// Missing or bad files, as text.
pub fn client_config(dir: &Path) -> Result<Arc<rustls::ClientConfig>, String> {
    let id = load(dir)?;
    let cfg = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(err)?
        .with_root_certificates(roots(id.ca)?)
        .with_client_auth_cert(vec![id.cert], id.key)
        .map_err(err)?;
    Ok(Arc::new(cfg))
}

/// The name a party's certificate carries, as TLS checks it.
///
/// # Errors
/// A name that is not a DNS name.
pub fn server_name(party: &str) -> Result<ServerName<'static>, String> {
    ServerName::try_from(party.to_string()).map_err(err)
}
