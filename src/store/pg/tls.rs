//! TLS for store connections, with libpq's parameters and their meanings: `sslmode`,
//! `sslrootcert`, `sslcert` and `sslkey` from the URL, else `$PGSSLMODE`, `$PGSSLROOTCERT`,
//! `$PGSSLCERT` and `$PGSSLKEY`, else the files under `~/.postgresql/`.
//!
//! tokio-postgres knows only `sslmode=disable|prefer|require` and refuses the other keys, so
//! they are taken out of the URL here; certificates are then checked by our rustls verifier.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use percent_encoding::percent_decode_str;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore};
use tokio_postgres_rustls::MakeRustlsConnect;

/// The TLS keys of a connection string, as written there (values decoded).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TlsParams {
    pub sslmode: Option<String>,
    pub sslrootcert: Option<String>,
    pub sslcert: Option<String>,
    pub sslkey: Option<String>,
}

impl TlsParams {
    fn slot(&mut self, key: &str) -> Option<&mut Option<String>> {
        match key {
            "sslmode" => Some(&mut self.sslmode),
            "sslrootcert" => Some(&mut self.sslrootcert),
            "sslcert" => Some(&mut self.sslcert),
            "sslkey" => Some(&mut self.sslkey),
            _ => None,
        }
    }
}

/// Splits the TLS keys off a connection string, a URL (`postgresql://…?sslmode=…`) or libpq's
/// `key=value` form: returns the rest, for tokio-postgres to parse, and the keys. A string that
/// does not tokenize is returned whole, for tokio-postgres to report.
pub fn take_tls_params(conninfo: &str) -> (String, TlsParams) {
    let mut params = TlsParams::default();
    if conninfo.starts_with("postgresql://") || conninfo.starts_with("postgres://") {
        let Some((base, query)) = conninfo.split_once('?') else {
            return (conninfo.to_string(), params);
        };
        let mut kept = Vec::new();
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match params.slot(key) {
                Some(slot) => {
                    *slot = Some(percent_decode_str(value).decode_utf8_lossy().into_owned());
                }
                None => kept.push(pair),
            }
        }
        let rest = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        return (rest, params);
    }
    let Some(pairs) = key_value_pairs(conninfo) else {
        return (conninfo.to_string(), params);
    };
    let mut kept = Vec::new();
    for (key, value, span) in pairs {
        match params.slot(&key) {
            Some(slot) => *slot = Some(value),
            None => kept.push(&conninfo[span]),
        }
    }
    (kept.join(" "), params)
}

/// Each `key = value` of a libpq key/value string (a value may be single-quoted, and `\`
/// escapes the next character), with the pair's span; `None` when the string is malformed.
fn key_value_pairs(text: &str) -> Option<Vec<(String, String, Range<usize>)>> {
    let bytes = text.as_bytes();
    let skip_spaces = |mut at: usize| {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        at
    };
    let mut pairs = Vec::new();
    let mut at = skip_spaces(0);
    while at < bytes.len() {
        let start = at;
        while at < bytes.len() && bytes[at] != b'=' && !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let key = &text[start..at];
        at = skip_spaces(at);
        if key.is_empty() || bytes.get(at) != Some(&b'=') {
            return None;
        }
        at = skip_spaces(at + 1);
        let quoted = bytes.get(at) == Some(&b'\'');
        if quoted {
            at += 1;
        }
        let mut value = Vec::new();
        loop {
            match bytes.get(at) {
                None if quoted => return None,
                None => break,
                Some(b'\'') if quoted => {
                    at += 1;
                    break;
                }
                Some(byte) if !quoted && byte.is_ascii_whitespace() => break,
                Some(b'\\') if at + 1 < bytes.len() => {
                    value.push(bytes[at + 1]);
                    at += 2;
                }
                Some(&byte) => {
                    value.push(byte);
                    at += 1;
                }
            }
        }
        pairs.push((key.to_string(), String::from_utf8(value).ok()?, start..at));
        at = skip_spaces(at);
    }
    Some(pairs)
}

/// libpq's `sslmode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    /// libpq tries plain first and TLS when the server insists; tokio-postgres cannot, so this
    /// is `Prefer` (TLS first, plain when the server has none).
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(text: &str) -> Option<SslMode> {
        Some(match text {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// The root certificates the server's chain is checked against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Roots {
    None,
    File(PathBuf),
    /// `sslrootcert=system`: the operating system's trusted roots.
    System,
}

/// What is checked of the server's certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verification {
    Nothing,
    Chain,
    ChainAndHost,
}

/// The TLS settings of a store connection, resolved as libpq resolves them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSettings {
    pub mode: SslMode,
    pub roots: Roots,
    /// The client certificate and its key.
    pub client: Option<(PathBuf, PathBuf)>,
}

impl TlsSettings {
    /// No TLS.
    pub fn plain() -> TlsSettings {
        TlsSettings {
            mode: SslMode::Disable,
            roots: Roots::None,
            client: None,
        }
    }

    /// The URL's keys, else the environment (`env`), else the files under `home/.postgresql/`.
    pub fn resolve(
        params: TlsParams,
        env: impl Fn(&str) -> Option<String>,
        home: Option<&Path>,
    ) -> Result<TlsSettings, String> {
        let given =
            |value: Option<String>, var: &str| value.or_else(|| env(var)).filter(|v| !v.is_empty());
        let mode_text = given(params.sslmode, "PGSSLMODE");
        let rootcert = given(params.sslrootcert, "PGSSLROOTCERT");
        let default_file = |name: &str| {
            home.map(|home| home.join(".postgresql").join(name))
                .filter(|path| path.exists())
        };
        let system = rootcert.as_deref() == Some("system");
        let mode = match &mode_text {
            Some(text) => SslMode::parse(text).ok_or_else(|| {
                format!(
                    "invalid sslmode \"{text}\" (disable, allow, prefer, require, verify-ca or \
                     verify-full)"
                )
            })?,
            // libpq 16: public CAs vouch for anyone's host name, so only verify-full makes sense.
            None if system => SslMode::VerifyFull,
            None => SslMode::Prefer,
        };
        let roots = match rootcert {
            Some(_) if system => {
                if mode != SslMode::VerifyFull {
                    return Err(format!(
                        "sslmode={} may not be used with sslrootcert=system (use verify-full)",
                        mode.name()
                    ));
                }
                Roots::System
            }
            Some(path) => Roots::File(PathBuf::from(path)),
            None => default_file("root.crt").map_or(Roots::None, Roots::File),
        };
        let key = given(params.sslkey, "PGSSLKEY").map(PathBuf::from);
        let client = match given(params.sslcert, "PGSSLCERT") {
            Some(cert) => Some(PathBuf::from(cert)),
            None => default_file("postgresql.crt"),
        }
        .map(|cert| {
            let key = key.unwrap_or_else(|| {
                home.map_or_else(PathBuf::new, |home| home.join(".postgresql/postgresql.key"))
            });
            (cert, key)
        });
        if mode == SslMode::Disable {
            return Ok(TlsSettings::plain());
        }
        Ok(TlsSettings {
            mode,
            roots,
            client,
        })
    }

    /// libpq's checks: `prefer` and `allow` check nothing (they may end up plain anyway, so a
    /// check would protect nothing); `require` checks the chain when root certificates are
    /// there, as verify-ca.
    pub fn verification(&self) -> Verification {
        match self.mode {
            SslMode::Disable | SslMode::Allow | SslMode::Prefer => Verification::Nothing,
            SslMode::Require if self.roots == Roots::None => Verification::Nothing,
            SslMode::Require | SslMode::VerifyCa => Verification::Chain,
            SslMode::VerifyFull => Verification::ChainAndHost,
        }
    }

    /// tokio-postgres's mode: whether TLS is tried, and whether it is a must.
    pub fn negotiation(&self) -> tokio_postgres::config::SslMode {
        use tokio_postgres::config::SslMode as Negotiation;
        match self.mode {
            SslMode::Disable => Negotiation::Disable,
            SslMode::Allow | SslMode::Prefer => Negotiation::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => Negotiation::Require,
        }
    }

    /// The connector for these settings; reads the certificate files.
    pub fn connector(&self) -> Result<MakeRustlsConnect, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let algorithms = provider.signature_verification_algorithms;
        let verification = self.verification();
        let chain = match verification {
            Verification::Nothing => None,
            Verification::Chain | Verification::ChainAndHost => {
                let verifier = WebPkiServerVerifier::builder_with_provider(
                    Arc::new(self.root_store()?),
                    provider.clone(),
                )
                .build()
                .map_err(|err| format!("cannot use the root certificates: {err}"))?;
                Some(verifier)
            }
        };
        let check = ServerCheck {
            chain,
            check_host: verification == Verification::ChainAndHost,
            roots: match &self.roots {
                Roots::File(path) => path.display().to_string(),
                Roots::System | Roots::None => "the system's root certificates".to_string(),
            },
            algorithms,
        };
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|err| format!("cannot set up TLS: {err}"))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(check));
        let mut config = match &self.client {
            Some((cert, key)) => builder
                .with_client_auth_cert(read_certificates(cert)?, read_key(key)?)
                .map_err(|err| {
                    format!(
                        "cannot use the client certificate {}: {err}",
                        cert.display()
                    )
                })?,
            None => builder.with_no_client_auth(),
        };
        // As libpq 17: servers that check ALPN (`sslnegotiation=direct` needs it) expect this.
        config.alpn_protocols = vec![b"postgresql".to_vec()];
        Ok(MakeRustlsConnect::new(config))
    }

    fn root_store(&self) -> Result<RootCertStore, String> {
        let mut store = RootCertStore::empty();
        match &self.roots {
            Roots::File(path) => {
                let (added, _) = store.add_parsable_certificates(read_certificates(path)?);
                if added == 0 {
                    return Err(format!("no usable certificate in {}", path.display()));
                }
            }
            Roots::System => {
                let found = rustls_native_certs::load_native_certs();
                store.add_parsable_certificates(found.certs);
                if store.is_empty() {
                    return Err("no root certificates found on this system \
                                (sslrootcert=system)"
                        .to_string());
                }
            }
            // Found when connecting over TCP only: a unix socket needs no certificate.
            Roots::None => {
                return Err(format!(
                    "sslmode={} needs root certificates: give sslrootcert=PATH (or system), or \
                     put them in ~/.postgresql/root.crt",
                    self.mode.name()
                ));
            }
        }
        Ok(store)
    }
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|err| format!("cannot read the certificates {}: {err}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("no certificate in {}", path.display()));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path)
        .map_err(|err| format!("cannot read the private key {}: {err}", path.display()))?;
    // As libpq: others may not read a key (a root-owned one may be group-readable).
    let allowed = if meta.uid() == 0 { 0o640 } else { 0o600 };
    if meta.mode() & 0o777 & !allowed != 0 {
        return Err(format!(
            "the private key {} may be read by others; it must be mode {allowed:o} or less",
            path.display()
        ));
    }
    PrivateKeyDer::from_pem_file(path).map_err(|err| {
        format!(
            "cannot read the private key {} (an unencrypted PEM key is needed): {err}",
            path.display()
        )
    })
}

/// Why the server's certificate was refused, as one sentence; found again in the connection
/// error by [`certificate_refusal`].
#[derive(Debug)]
struct CertificateRefused(String);

impl std::fmt::Display for CertificateRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CertificateRefused {}

/// The sentence of a refused server certificate inside a connection error, if that is what
/// failed.
pub fn certificate_refusal(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut next = Some(err);
    while let Some(err) = next {
        // io::Error's `source` skips the error it wraps, so look inside by hand.
        let inner = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn std::error::Error + 'static));
        for candidate in [Some(err), inner].into_iter().flatten() {
            if let Some(refused) = candidate.downcast_ref::<CertificateRefused>() {
                return Some(refused.0.clone());
            }
            if let Some(rustls::Error::InvalidCertificate(CertificateError::Other(other))) =
                candidate.downcast_ref::<rustls::Error>()
                && let Some(refused) = other.0.downcast_ref::<CertificateRefused>()
            {
                return Some(refused.0.clone());
            }
        }
        next = err.source();
    }
    None
}

/// Checks the server's certificate as the sslmode asks.
#[derive(Debug)]
struct ServerCheck {
    /// The chain's check against the root certificates; `None` where libpq checks nothing.
    chain: Option<Arc<WebPkiServerVerifier>>,
    check_host: bool,
    /// The root certificates, for messages.
    roots: String,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCheck {
    fn refused(&self, err: rustls::Error, host: &ServerName<'_>) -> rustls::Error {
        let host = host.to_str();
        let sentence = match &err {
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => format!(
                "the server's TLS certificate is not trusted by {}",
                self.roots
            ),
            rustls::Error::InvalidCertificate(CertificateError::NotValidForNameContext {
                presented,
                ..
            }) => format!(
                "the server's TLS certificate does not match host {host} (it is for {}; \
                 sslmode=verify-full checks the name)",
                presented
                    .iter()
                    .map(|name| presented_name(name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            rustls::Error::InvalidCertificate(CertificateError::NotValidForName) => format!(
                "the server's TLS certificate does not match host {host} (sslmode=verify-full \
                 checks the name)"
            ),
            other => format!("the server's TLS certificate is refused: {other}"),
        };
        rustls::Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(Arc::new(
            CertificateRefused(sentence),
        ))))
    }
}

/// `localhost` of rustls's `DnsName("localhost")` (and the address of `IpAddress(…)`).
fn presented_name(name: &str) -> &str {
    name.split_once('(')
        .and_then(|(_, inner)| inner.strip_suffix(')'))
        .map_or(name, |inner| inner.trim_matches('"'))
}

impl ServerCertVerifier for ServerCheck {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            // sslmode=require (without root certificates), prefer, allow: libpq encrypts and
            // trusts any certificate. The handshake's signatures are still checked below, so
            // the session is with the holder of the certificate's key.
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Ok(verified) => Ok(verified),
            // verify-ca: webpki checks the name only once the chain is trusted, so a name
            // mismatch means the chain passed.
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_host => Ok(ServerCertVerified::assertion()),
            Err(err) => Err(self.refused(err, server_name)),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(sslmode: Option<&str>, sslrootcert: Option<&str>) -> TlsParams {
        TlsParams {
            sslmode: sslmode.map(str::to_string),
            sslrootcert: sslrootcert.map(str::to_string),
            ..TlsParams::default()
        }
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn tls_keys_leave_a_url_and_the_rest_stays_as_written() {
        let (rest, params) = take_tls_params(
            "postgresql://ann:p%40ss@db:5433/threads?sslmode=verify-full&application_name=x\
             &sslrootcert=%2Fetc%2Fmy%20ca.crt&sslcert=c.crt&sslkey=c.key",
        );
        assert_eq!(
            rest,
            "postgresql://ann:p%40ss@db:5433/threads?application_name=x"
        );
        assert_eq!(
            params,
            TlsParams {
                sslmode: Some("verify-full".into()),
                sslrootcert: Some("/etc/my ca.crt".into()),
                sslcert: Some("c.crt".into()),
                sslkey: Some("c.key".into()),
            }
        );
        // Only TLS keys: no `?` left behind.
        let (rest, params) = take_tls_params("postgres://db/threads?sslmode=require");
        assert_eq!(rest, "postgres://db/threads");
        assert_eq!(params.sslmode.as_deref(), Some("require"));
        let (rest, params) = take_tls_params("postgresql://db/threads");
        assert_eq!(
            (rest.as_str(), params),
            ("postgresql://db/threads", TlsParams::default())
        );
    }

    #[test]
    fn tls_keys_leave_a_key_value_string_with_quotes_and_escapes() {
        let (rest, params) = take_tls_params(
            "host=db sslmode = 'verify-ca' sslrootcert='/x y/it\\'s.crt' dbname='my db' \
             sslkey=a\\ b port=5",
        );
        assert_eq!(rest, "host=db dbname='my db' port=5");
        assert_eq!(params.sslmode.as_deref(), Some("verify-ca"));
        assert_eq!(params.sslrootcert.as_deref(), Some("/x y/it's.crt"));
        assert_eq!(params.sslkey.as_deref(), Some("a b"));
        // Malformed: left whole for tokio-postgres to report.
        for bad in ["host=db sslmode='require", "host=db sslmode"] {
            assert_eq!(
                take_tls_params(bad),
                (bad.to_string(), TlsParams::default())
            );
        }
    }

    #[test]
    fn the_default_is_prefer_checking_nothing() {
        let settings = TlsSettings::resolve(TlsParams::default(), no_env, None).unwrap();
        assert_eq!(settings.mode, SslMode::Prefer);
        assert_eq!(settings.verification(), Verification::Nothing);
        assert_eq!(
            settings.negotiation(),
            tokio_postgres::config::SslMode::Prefer
        );
    }

    #[test]
    fn each_mode_checks_what_libpq_checks() {
        let root = Some("/some/root.crt");
        for (mode, rootcert, verification, negotiation) in [
            ("allow", None, Verification::Nothing, "Prefer"),
            ("prefer", root, Verification::Nothing, "Prefer"),
            ("require", None, Verification::Nothing, "Require"),
            ("require", root, Verification::Chain, "Require"),
            ("verify-ca", root, Verification::Chain, "Require"),
            ("verify-full", root, Verification::ChainAndHost, "Require"),
            (
                "verify-full",
                Some("system"),
                Verification::ChainAndHost,
                "Require",
            ),
            ("disable", root, Verification::Nothing, "Disable"),
        ] {
            let settings =
                TlsSettings::resolve(params(Some(mode), rootcert), no_env, None).unwrap();
            assert_eq!(settings.verification(), verification, "{mode} {rootcert:?}");
            assert_eq!(
                format!("{:?}", settings.negotiation()),
                negotiation,
                "{mode} {rootcert:?}"
            );
        }
    }

    #[test]
    fn the_url_wins_over_the_environment() {
        let env = |var: &str| match var {
            "PGSSLMODE" => Some("verify-ca".to_string()),
            "PGSSLROOTCERT" => Some("/env/root.crt".to_string()),
            _ => None,
        };
        let from_env = TlsSettings::resolve(TlsParams::default(), env, None).unwrap();
        assert_eq!(from_env.mode, SslMode::VerifyCa);
        assert_eq!(from_env.roots, Roots::File("/env/root.crt".into()));
        let from_url =
            TlsSettings::resolve(params(Some("require"), Some("/url.crt")), env, None).unwrap();
        assert_eq!(from_url.mode, SslMode::Require);
        assert_eq!(from_url.roots, Roots::File("/url.crt".into()));
    }

    #[test]
    fn sslrootcert_system_means_verify_full_and_refuses_weaker_modes() {
        let settings = TlsSettings::resolve(params(None, Some("system")), no_env, None).unwrap();
        assert_eq!(
            (settings.mode, settings.roots),
            (SslMode::VerifyFull, Roots::System)
        );
        let err = TlsSettings::resolve(params(Some("verify-ca"), Some("system")), no_env, None)
            .unwrap_err();
        assert!(
            err.contains("sslmode=verify-ca may not be used with sslrootcert=system"),
            "{err}"
        );
    }

    #[test]
    fn verifying_without_root_certificates_says_how_to_give_them() {
        let settings =
            TlsSettings::resolve(params(Some("verify-full"), None), no_env, None).unwrap();
        let err = settings.connector().err().unwrap();
        assert!(
            err.contains("sslrootcert=PATH") && err.contains("root.crt"),
            "{err}"
        );
        let err = TlsSettings::resolve(params(Some("secure"), None), no_env, None).unwrap_err();
        assert!(err.contains("invalid sslmode \"secure\""), "{err}");
    }

    #[test]
    fn files_under_the_home_are_the_defaults() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join(".postgresql");
        std::fs::create_dir(&dir).unwrap();
        // Without them: nothing to check, no client certificate.
        let settings =
            TlsSettings::resolve(params(Some("require"), None), no_env, Some(home.path())).unwrap();
        assert_eq!((settings.roots, settings.client), (Roots::None, None));
        std::fs::write(dir.join("root.crt"), "").unwrap();
        std::fs::write(dir.join("postgresql.crt"), "").unwrap();
        let settings =
            TlsSettings::resolve(params(Some("require"), None), no_env, Some(home.path())).unwrap();
        assert_eq!(settings.roots, Roots::File(dir.join("root.crt")));
        assert_eq!(settings.verification(), Verification::Chain);
        assert_eq!(
            settings.client,
            Some((dir.join("postgresql.crt"), dir.join("postgresql.key")))
        );
    }

    #[test]
    fn unusable_certificate_files_are_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let not_pem = dir.path().join("root.crt");
        std::fs::write(&not_pem, "not a certificate\n").unwrap();
        for rootcert in [not_pem.clone(), dir.path().join("missing.crt")] {
            let settings = TlsSettings::resolve(
                params(Some("verify-ca"), Some(rootcert.to_str().unwrap())),
                no_env,
                None,
            )
            .unwrap();
            let err = settings.connector().err().unwrap();
            assert!(err.contains(rootcert.to_str().unwrap()), "{err}");
        }
        // A private key others may read is refused before it is read, as libpq does.
        let key = dir.path().join("client.key");
        std::fs::write(&key, "").unwrap();
        std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o644))
            .unwrap();
        let err = read_key(&key).unwrap_err();
        assert!(err.contains("may be read by others"), "{err}");
    }

    #[test]
    fn names_a_certificate_is_for_read_plainly() {
        assert_eq!(presented_name("DnsName(\"localhost\")"), "localhost");
        assert_eq!(presented_name("IpAddress(10.0.0.1)"), "10.0.0.1");
        assert_eq!(presented_name("db.example"), "db.example");
    }

    #[test]
    fn the_unverified_modes_build_a_connector_without_files() {
        let settings = TlsSettings::resolve(params(Some("require"), None), no_env, None).unwrap();
        assert!(settings.connector().is_ok());
    }
}
