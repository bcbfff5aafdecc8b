-- Client certificates of the deployment CA beside the bearer tokens: for kind 'certificate' the digest is
-- the SHA-256 of the certificate's DER bytes (how the gateway recognizes it at the TLS handshake), and the
-- certificate itself (public) is kept so its owner can download it again. Private keys are never stored.

ALTER TABLE credentials ADD COLUMN certificate TEXT;
ALTER TABLE credentials ADD COLUMN serial TEXT;
