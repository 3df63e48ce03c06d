output "flagKey" {
  description = "The key services evaluate."
  value       = var.key
  depends_on  = [kubernetes_config_map_v1.flag]
}

output "flagdSource" {
  description = "The flagd source (--uri) that serves this flag."
  value       = "file:${trimsuffix(var.flagd_mount_path, "/")}/${local.file_name}"
  depends_on  = [kubernetes_config_map_v1.flag]
}
