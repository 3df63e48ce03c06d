locals {
  fqdn = "${var.name}.${var.zone}"

  private_zone = coalesce(var.private_zone, endswith(var.zone, ".internal"))

  # Route 53 wants TXT data in quotes, split into strings of at most 255 characters.
  txt_value = join("\"\"", regexall(".{1,255}", var.value))

  record_value = var.type == "TXT" ? local.txt_value : (var.type == "CNAME" ? trimsuffix(var.value, ".") : var.value)
}

data "aws_route53_zone" "this" {
  name         = var.zone
  private_zone = local.private_zone
}

resource "aws_route53_record" "this" {
  zone_id = data.aws_route53_zone.this.zone_id
  name    = local.fqdn
  type    = var.type
  ttl     = var.ttl
  records = [local.record_value]

  lifecycle {
    precondition {
      condition     = var.type != "A" || (can(regex("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$", var.value)) && can(cidrhost("${var.value}/32", 0)))
      error_message = "An A record's value is an IPv4 address."
    }
    precondition {
      condition     = var.type != "AAAA" || (length(regexall(":", var.value)) > 0 && can(cidrhost("${var.value}/128", 0)))
      error_message = "An AAAA record's value is an IPv6 address."
    }
    precondition {
      condition     = var.type != "CNAME" || can(regex("^([a-z0-9_]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.?$", lower(var.value)))
      error_message = "A CNAME record's value is a fully qualified host name."
    }
    precondition {
      condition     = var.type != "TXT" || length(regexall("[\"\\n\\r]", var.value)) == 0
      error_message = "A TXT record's value has no double quotes or line breaks."
    }
  }
}
