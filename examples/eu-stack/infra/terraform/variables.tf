variable "cluster_name" {
  description = "Name of the EKS cluster"
  type        = string
  default     = "kontor-prod"
}

variable "kubernetes_version" {
  type    = string
  default = "1.30"
}

variable "subnet_ids" {
  description = "Private subnets in eu-central-1a/b/c"
  type        = list(string)
}

variable "gpu_instance_type" {
  description = "One NVIDIA A10G (24 GB) per node"
  type        = string
  default     = "g5.2xlarge"
}

variable "gpu_node_count" {
  type    = number
  default = 1
}
