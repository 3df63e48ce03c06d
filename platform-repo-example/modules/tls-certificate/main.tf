locals {
  team = replace(lower(var.team), "/^group:([a-z0-9_.-]+\\/)?/", "")

  # The common name is always a subject alternative name too: clients match on SANs only.
  dns_names = distinct(concat([lower(var.commonName)], [for n in var.dnsNames : lower(n)]))

  own_ca = var.ca_cert_pem == null

  ca_cert_pem        = local.own_ca ? tls_self_signed_cert.ephemeral_ca[0].cert_pem : var.ca_cert_pem
  ca_private_key_pem = local.own_ca ? tls_private_key.ephemeral_ca[0].private_key_pem : var.ca_private_key_pem

  validity_hours = var.validityDays * 24
  early_renewal  = min(var.early_renewal_days * 24, floor(local.validity_hours / 3))
}

# Ephemeral CA for development when the platform hands no internal CA to the module.
resource "tls_private_key" "ephemeral_ca" {
  count = local.own_ca ? 1 : 0

  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}

resource "tls_self_signed_cert" "ephemeral_ca" {
  count = local.own_ca ? 1 : 0

  private_key_pem       = tls_private_key.ephemeral_ca[0].private_key_pem
  is_ca_certificate     = true
  validity_period_hours = 24 * 398
  allowed_uses          = ["cert_signing", "crl_signing", "digital_signature"]

  subject {
    common_name  = "paved ephemeral CA ${local.team}/${var.name}"
    organization = "paved (${var.environment})"
  }
}

resource "tls_private_key" "this" {
  algorithm   = "ECDSA"
  ecdsa_curve = "P256"
}

resource "tls_cert_request" "this" {
  private_key_pem = tls_private_key.this.private_key_pem
  dns_names       = local.dns_names

  subject {
    common_name         = var.commonName
    organizational_unit = local.team
  }
}

resource "tls_locally_signed_cert" "this" {
  cert_request_pem   = tls_cert_request.this.cert_request_pem
  ca_cert_pem        = local.ca_cert_pem
  ca_private_key_pem = local.ca_private_key_pem

  validity_period_hours = local.validity_hours
  early_renewal_hours   = local.early_renewal
  allowed_uses          = ["digital_signature", "key_encipherment", "server_auth"]

  lifecycle {
    precondition {
      condition     = (var.ca_cert_pem == null) == (var.ca_private_key_pem == null)
      error_message = "ca_cert_pem and ca_private_key_pem are given together or not at all."
    }
    precondition {
      condition     = !(var.environment == "production" && local.own_ca)
      error_message = "A production certificate is signed by the platform's internal CA: set ca_cert_pem and ca_private_key_pem."
    }
  }
}
