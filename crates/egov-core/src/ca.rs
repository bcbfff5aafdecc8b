//! The deployment's certificate authority: it issues the client certificates with which information
//! systems prove who they are to the gateway (mutual TLS).
//!
//! The CA is an ECDSA P-256 key and a self-signed certificate made by `egov ca init`. A client certificate
//! names one subsystem: its subject common name is the subsystem's X-Road id (`TJ/COM/030000201/loan-desk`),
//! its organization the member's name, and it may only be used for TLS client authentication. From a
//! certificate signing request only the public key is taken: the subject, extensions and validity are the
//! CA's to set, so a request cannot ask for more than a client certificate for its own system.
//!
//! This module works on PEM text and bytes; reading and writing the key files is the binary's job.

use rcgen::PublicKeyData;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, SerialNumber,
};
use sha2::{Digest, Sha256};

use crate::clock::Millis;
use crate::xroad::SubsystemId;

/// Why the CA could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    #[error("the certificate signing request is not a valid PEM request with a correct signature")]
    BadRequest,
    #[error("the CA files do not hold a certificate and its private key: {0}")]
    BadFiles(String),
    #[error(
        "the request's key does not match its signature algorithm; use an EC P-256 (with SHA-256), EC P-384 (with SHA-384), Ed25519 or RSA key"
    )]
    UnsupportedKey,
    #[error("the validity must be between 1 and 825 days")]
    BadValidity,
    #[error("signing failed: {0}")]
    Signing(String),
}

/// The longest a client certificate may be valid, in days (the CA/Browser Forum's old ceiling).
pub const MAX_CLIENT_DAYS: i64 = 825;

/// A CA able to sign: its certificate (PEM) and key.
pub struct Ca {
    cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ca").finish_non_exhaustive()
    }
}

/// A newly made CA, to be written to disk: the certificate is public, the key is secret.
pub struct NewCa {
    pub cert_pem: String,
    pub key_pem: String,
}

/// An issued client certificate.
#[derive(Debug, Clone)]
pub struct Issued {
    pub cert_pem: String,
    /// SHA-256 of the certificate's DER bytes, lower-case hex: how the gateway recognizes it.
    pub fingerprint: String,
    pub serial: String,
    pub not_after: Millis,
    /// The private key, when the CA generated the key pair (shown once, never stored).
    pub key_pem: Option<String>,
}

fn signing(e: rcgen::Error) -> CaError {
    CaError::Signing(e.to_string())
}

fn offset(ms: Millis) -> Result<time::OffsetDateTime, CaError> {
    time::OffsetDateTime::from_unix_timestamp(ms.0.div_euclid(1000))
        .map_err(|e| CaError::Signing(e.to_string()))
}

fn random_serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand_bytes();
    bytes[0] &= 0x7f; // positive
    bytes[0] |= 0x01; // and of full length
    SerialNumber::from_slice(&bytes)
}

fn rand_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    rand::fill(&mut out);
    out
}

/// SHA-256 of DER bytes as lower-case hex.
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

/// Makes a new CA named `name` (e.g. `TJ e-government CA`), valid for `years`.
pub fn generate(name: &str, years: i64) -> Result<NewCa, CaError> {
    let key = KeyPair::generate().map_err(signing)?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let now = Millis::now();
    params.not_before = offset(now.plus_secs(-3600))?;
    params.not_after = offset(now.plus_secs(years * 365 * 86_400))?;
    params.serial_number = Some(random_serial());
    let cert = params.self_signed(&key).map_err(signing)?;
    Ok(NewCa {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

impl Ca {
    /// Loads a CA from its certificate and key in PEM.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Ca, CaError> {
        let key = KeyPair::from_pem(key_pem).map_err(|e| CaError::BadFiles(e.to_string()))?;
        let issuer = Issuer::from_ca_cert_pem(cert_pem, key)
            .map_err(|e| CaError::BadFiles(e.to_string()))?;
        Ok(Ca {
            cert_pem: cert_pem.to_owned(),
            issuer,
        })
    }

    /// The CA certificate (what the gateway trusts and clients may pin).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    fn client_params(
        &self,
        system: &SubsystemId,
        member_name: &str,
        days: i64,
    ) -> Result<(CertificateParams, Millis), CaError> {
        if !(1..=MAX_CLIENT_DAYS).contains(&days) {
            return Err(CaError::BadValidity);
        }
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, system.to_string());
        let org: String = member_name.chars().take(64).collect();
        if !org.trim().is_empty() {
            dn.push(DnType::OrganizationName, org);
        }
        params.distinguished_name = dn;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.use_authority_key_identifier_extension = true;
        let now = Millis::now();
        let not_after = now.plus_secs(days * 86_400);
        params.not_before = offset(now.plus_secs(-300))?;
        params.not_after = offset(not_after)?;
        params.serial_number = Some(random_serial());
        Ok((params, Millis(not_after.0 - not_after.0.rem_euclid(1000))))
    }

    /// Issues a certificate for the public key of a signing request (PEM). Nothing but the key is taken
    /// from the request.
    pub fn issue_from_csr(
        &self,
        csr_pem: &str,
        system: &SubsystemId,
        member_name: &str,
        days: i64,
    ) -> Result<Issued, CaError> {
        let csr =
            CertificateSigningRequestParams::from_pem(csr_pem).map_err(|_| CaError::BadRequest)?;
        // The key's algorithm is inferred from the request's signature; make sure the key fits it (a P-384
        // key signed with SHA-256 would otherwise be labelled P-256 and fail every handshake).
        let key = &csr.public_key;
        let expected = if key.algorithm() == &rcgen::PKCS_ECDSA_P256_SHA256 {
            Some(65)
        } else if key.algorithm() == &rcgen::PKCS_ECDSA_P384_SHA384 {
            Some(97)
        } else if key.algorithm() == &rcgen::PKCS_ED25519 {
            Some(32)
        } else {
            None
        };
        if expected.is_some_and(|n| key.der_bytes().len() != n) {
            return Err(CaError::UnsupportedKey);
        }
        let (params, not_after) = self.client_params(system, member_name, days)?;
        let cert = params
            .signed_by(&csr.public_key, &self.issuer)
            .map_err(signing)?;
        Ok(issued(&params, cert, not_after, None))
    }

    /// Generates a key pair and issues its certificate; the key is returned once and kept nowhere.
    pub fn issue_with_new_key(
        &self,
        system: &SubsystemId,
        member_name: &str,
        days: i64,
    ) -> Result<Issued, CaError> {
        let key = KeyPair::generate().map_err(signing)?;
        let (params, not_after) = self.client_params(system, member_name, days)?;
        let cert = params.signed_by(&key, &self.issuer).map_err(signing)?;
        Ok(issued(&params, cert, not_after, Some(key.serialize_pem())))
    }
}

fn issued(
    params: &CertificateParams,
    cert: rcgen::Certificate,
    not_after: Millis,
    key_pem: Option<String>,
) -> Issued {
    Issued {
        fingerprint: fingerprint(cert.der()),
        cert_pem: cert.pem(),
        serial: params
            .serial_number
            .as_ref()
            .map(|s| hex::encode(s.as_ref()))
            .unwrap_or_default(),
        not_after,
        key_pem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn system() -> SubsystemId {
        "TJ/COM/030000201/loan-desk".parse().unwrap()
    }

    #[test]
    fn issues_from_a_request_taking_only_its_key() {
        let made = generate("TJ test CA", 10).unwrap();
        let ca = Ca::from_pem(&made.cert_pem, &made.key_pem).unwrap();
        let key = KeyPair::generate().unwrap();
        let mut asked = CertificateParams::new(vec!["evil.example".into()]).unwrap();
        asked
            .distinguished_name
            .push(DnType::CommonName, "TJ/GOV/020000001/registry");
        asked.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let csr = asked.serialize_request(&key).unwrap().pem().unwrap();
        let got = ca
            .issue_from_csr(&csr, &system(), "Sample Bank", 30)
            .unwrap();
        assert!(got.key_pem.is_none());
        assert_eq!(got.fingerprint.len(), 64);
        let der = pem_der(&got.cert_pem);
        assert_eq!(fingerprint(&der), got.fingerprint);
        // The subject is the CA's choice, not the request's; the key is the request's.
        let text = String::from_utf8_lossy(&der);
        assert!(text.contains("TJ/COM/030000201/loan-desk"));
        assert!(!text.contains("registry") && !text.contains("evil.example"));
        let spki = rcgen::PublicKeyData::der_bytes(&key).to_vec();
        assert!(der.windows(spki.len()).any(|w| w == spki.as_slice()));
    }

    #[test]
    fn generates_a_key_when_asked_and_refuses_bad_input() {
        let made = generate("TJ test CA", 10).unwrap();
        let ca = Ca::from_pem(&made.cert_pem, &made.key_pem).unwrap();
        let got = ca
            .issue_with_new_key(&system(), "Sample Bank", 365)
            .unwrap();
        assert!(got.key_pem.as_deref().unwrap().contains("PRIVATE KEY"));
        assert!(got.not_after > Millis::now().plus_secs(364 * 86_400));
        assert!(matches!(
            ca.issue_from_csr(
                "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
                &system(),
                "x",
                30
            ),
            Err(CaError::BadRequest)
        ));
        assert!(matches!(
            ca.issue_with_new_key(&system(), "x", 0),
            Err(CaError::BadValidity)
        ));
        assert!(matches!(
            ca.issue_with_new_key(&system(), "x", 826),
            Err(CaError::BadValidity)
        ));
        assert!(Ca::from_pem(&made.cert_pem, "not a key").is_err());
    }

    fn pem_der(pem: &str) -> Vec<u8> {
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        base64_decode(&body)
    }

    fn base64_decode(s: &str) -> Vec<u8> {
        const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = Vec::new();
        let (mut acc, mut bits) = (0u32, 0);
        for c in s.bytes().filter(|&c| c != b'=') {
            let v = T.iter().position(|&t| t == c).unwrap() as u32;
            acc = (acc << 6) | v;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
            }
        }
        out
    }
}
