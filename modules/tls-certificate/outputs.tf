output "certificatePem" {
  description = "The signed certificate, PEM."
  value       = tls_locally_signed_cert.this.cert_pem
}

output "privateKey" {
  description = "The certificate's private key, PEM (PKCS#8)."
  value       = tls_private_key.this.private_key_pem_pkcs8
  sensitive   = true
}

output "notAfter" {
  description = "End of validity, RFC 3339."
  value       = tls_locally_signed_cert.this.validity_end_time
}

output "caPem" {
  description = "Certificate of the CA that signed, PEM: the trust anchor clients need."
  value       = local.ca_cert_pem
}
